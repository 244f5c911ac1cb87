import { describe } from "vitest";
import { syncSuite } from "../shared/sync.suite";
import { createTestApp } from "./support";

describe("sync on libSQL", () => {
  syncSuite(createTestApp);
});
