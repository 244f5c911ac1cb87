// A Workflow instance is run again from its start whenever it resumes (after a pause, or once its isolate was
// evicted during a sleep): its finished steps and sleeps answer from the record, and must not fail on replay.
import { env, introspectWorkflowInstance } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createD1Db } from "../../db/d1";
import { getRun } from "../../db/sync-runs";
import { resetDb } from "../shared/harness";
import { callSimulator, startRun } from "./workflow-support";

const db = () => createD1Db(env.DB);

describe("a Workflow instance resumed after a rate-limit sleep", () => {
  it("replays its finished sleep and continues the run to success", { timeout: 90_000 }, async () => {
    await resetDb(db());
    // One rate limit of 31 s (past the 30 s a request may wait in place): the run sleeps through it.
    await callSimulator("config", "PUT", {
      total: 1000,
      failure_rate: 0,
      rate_limit_rate: 0,
      latency_ms: 100,
      fail_next: ["rate_limit"],
      retry_after_s: 31,
    });
    const runId = await startRun(db());
    await using instance = await introspectWorkflowInstance(env.SYNC_WORKFLOW, `run-${runId}`);
    const handle = await env.SYNC_WORKFLOW.create({ id: `run-${runId}`, params: { runId } });
    // Past the sleep: a later slice has committed pages; pause there, then resume (the run is replayed).
    for (;;) {
      const run = (await getRun(db(), runId))!;
      if (run.pages >= 2 || run.status !== "running") break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await handle.pause();
    await instance.waitForStatus("paused");
    await handle.resume();
    await instance.waitForStatus("complete");
    expect((await getRun(db(), runId))!).toMatchObject({ status: "success", fetched: 1000 });
  });
});
