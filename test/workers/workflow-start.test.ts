// A cron tick's Workflow starts its run in a step, and Workflows run a step again when its result was not
// recorded (the invocation ended after the step's writes): the step run again must drive the run it started.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createD1Db } from "../../db/d1";
import { latestRun } from "../../db/sync-runs";
import { createSyncRunWorkflow } from "../../functions/runs/workflow";
import { buildHarness, resetDb } from "../shared/harness";

describe("a cron tick's Workflow", () => {
  it("a start step run again after it started the run drives that run to its end", async () => {
    const db = createD1Db(env.DB);
    await resetDb(db);
    const h = buildHarness(db, "d1", { sim: { total: 120 }, env: { SYNC_PAGE_SIZE: "50" } });
    const Workflow = createSyncRunWorkflow(() => ({ deps: h.engine(), maxWaitMs: 0 }));
    let starts = 0;
    // Steps as a Workflow runs them, except that the first try of "start" loses its result after its writes.
    const step = {
      do: async (name: string, ...rest: unknown[]) => {
        const body = rest.at(-1) as () => Promise<unknown>;
        if (name === "start" && starts++ === 0) await body();
        return body();
      },
      sleepUntil: async () => {},
    };
    const event = { payload: { cron: "*/5 * * * *" }, timestamp: new Date(), instanceId: "tick-1" };
    const output = (await Workflow.prototype.run.call(
      { env: {} } as never,
      event as never,
      step as never,
    )) as {
      runId: number | null;
    };
    const run = (await latestRun(db))!;
    expect(output.runId).toBe(run.id);
    expect(run).toMatchObject({ trigger: "schedule", status: "success", fetched: 120 });
  });
});
