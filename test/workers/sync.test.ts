import { env } from "cloudflare:test";
import { describe } from "vitest";
import { createD1Db } from "../../db/d1";
import { buildHarness, resetDb } from "../shared/harness";
import { syncSuite } from "../shared/sync.suite";

describe("sync on D1 in the Workers runtime", () => {
  syncSuite(async (options) => {
    const db = createD1Db(env.DB);
    await resetDb(db);
    return buildHarness(db, "d1", options);
  });
});
