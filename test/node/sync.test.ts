import { describe } from "vitest";
import { hostileUpstreamSuite } from "../shared/hostile-upstream.suite";
import { syncSuite } from "../shared/sync.suite";
import { syncPropertySuite } from "../shared/sync-property.suite";
import { createTestApp } from "./support";

describe("sync on libSQL", () => {
  syncSuite(createTestApp);
  hostileUpstreamSuite(createTestApp);
  syncPropertySuite(createTestApp, 60);
});
