import { describe } from "vitest";
import { syncSuite } from "../shared/sync.suite";
import { syncPropertySuite } from "../shared/sync-property.suite";
import { createTestApp } from "./support";

describe("sync on libSQL", () => {
  syncSuite(createTestApp);
  syncPropertySuite(createTestApp, 60);
});
