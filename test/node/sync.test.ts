import { describe } from "vitest";
import { commitsSuite } from "../shared/commits.suite";
import { hostileUpstreamSuite } from "../shared/hostile-upstream.suite";
import { slicesSuite } from "../shared/slices.suite";
import { syncSuite } from "../shared/sync.suite";
import { syncPropertySuite } from "../shared/sync-property.suite";
import { createTestApp } from "./support";

describe("sync on libSQL", () => {
  syncSuite(createTestApp);
  hostileUpstreamSuite(createTestApp);
  slicesSuite(createTestApp);
  commitsSuite(createTestApp);
  syncPropertySuite(createTestApp, 40);
});
