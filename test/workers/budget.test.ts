// Each slice stays within half of D1's per-invocation query limit (500 of 1,000: every statement of a batch
// counts), and a page costs at most 3 calls to D1 — counted at the binding, not by the engine's own tally.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createD1Db } from "../../db/d1";
import { getRun } from "../../db/sync-runs";
import { advanceRun } from "../../functions/sync/advance";
import { startSync } from "../../functions/sync/engine";
import { buildHarness, resetDb } from "../shared/harness";
import { countingD1 } from "./counting-d1";

describe("slice budget on D1", () => {
  it("every slice of a 3,000-task full sync stays within 500 D1 statements, at most 3 calls a page", async () => {
    await resetDb(createD1Db(env.DB));
    const { binding, count } = countingD1(env.DB);
    const db = createD1Db(binding);
    const h = buildHarness(db, "d1", { sim: { total: 3000 }, env: { SYNC_PAGE_SIZE: "100" } });
    const engine = h.engine();
    const budget = { pages: 1000, statements: 500, ms: 60_000 };
    const started = await startSync(engine, { trigger: "manual" });
    if (started.kind !== "started") throw new Error(started.kind);
    let pages = 0;
    let calls = 0;
    for (;;) {
      count.calls = 0;
      count.statements = 0;
      const slice = await advanceRun(engine, started.run.id, budget);
      expect(count.statements).toBeLessThanOrEqual(500);
      pages += slice.pages;
      calls += count.calls;
      if (slice.ended) break;
    }
    expect((await getRun(db, started.run.id))!).toMatchObject({
      status: "success",
      fetched: 3000,
      pages: 30,
    });
    // Per page: one read of the page's stored state and one batch; the run's start and end add a few.
    expect(calls / pages).toBeLessThanOrEqual(3);
  });
});
