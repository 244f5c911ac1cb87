import { env } from "cloudflare:test";
import { describe } from "vitest";
import { createD1Db } from "../../db/d1";
import { commitsSuite } from "../shared/commits.suite";
import { buildHarness, type HarnessOptions, resetDb } from "../shared/harness";
import { hostileUpstreamSuite } from "../shared/hostile-upstream.suite";
import { slicesSuite } from "../shared/slices.suite";
import { syncSuite } from "../shared/sync.suite";
import { syncPropertySuite } from "../shared/sync-property.suite";

async function d1Harness(options?: HarnessOptions) {
  const db = createD1Db(env.DB);
  await resetDb(db);
  return buildHarness(db, "d1", options);
}

describe("sync on D1 in the Workers runtime", () => {
  syncSuite(d1Harness);
  hostileUpstreamSuite(d1Harness);
  slicesSuite(d1Harness);
  commitsSuite(d1Harness);
  syncPropertySuite(d1Harness, 15);
});
