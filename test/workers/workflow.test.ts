// Runs driven by the Cloudflare Workflow in the Workers runtime (D1, the entry's own simulator): slice by slice,
// a failed step retried without double counting, a rate limit slept through, a cron tick run once.
import {
  createExecutionContext,
  createScheduledController,
  env,
  introspectWorkflowInstance,
  waitOnExecutionContext,
} from "cloudflare:test";
import { sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { createD1Db } from "../../db/d1";
import { getRun } from "../../db/sync-runs";
import { tickInstanceId } from "../../functions/runs/workflow";
import worker from "../../functions/worker";
import { resetDb } from "../shared/harness";
import { callSimulator, startRun } from "./workflow-support";

const db = () => createD1Db(env.DB);
const configure = (patch: object) => callSimulator("config", "PUT", patch);

describe("runs driven by the Workflow", () => {
  beforeEach(async () => {
    await resetDb(db());
    // The entry's simulator, reached through the entry itself: 300 tasks, no random faults.
    await configure({ total: 300, failure_rate: 0, rate_limit_rate: 0, fail_next: [] });
  });

  it("advances a full sync one slice per step to success", async () => {
    const runId = await startRun(db());
    await using instance = await introspectWorkflowInstance(env.SYNC_WORKFLOW, `run-${runId}`);
    await instance.modify(async (m) => {
      await m.disableSleeps();
    });
    await env.SYNC_WORKFLOW.create({ id: `run-${runId}`, params: { runId } });
    await instance.waitForStatus("complete");
    const output = (await instance.getOutput()) as { slices: number };
    // SYNC_PAGE_SIZE 50 and SYNC_SLICE_PAGES 2 (vitest.config.ts): 6 pages in 3 slices.
    expect(output.slices).toBe(3);
    expect((await getRun(db(), runId))!).toMatchObject({ status: "success", fetched: 300, pages: 6 });
  });

  it("a failed step is retried by the Workflow without counting its page twice", async () => {
    const runId = await startRun(db());
    await using instance = await introspectWorkflowInstance(env.SYNC_WORKFLOW, `run-${runId}`);
    await instance.modify(async (m) => {
      await m.disableRetryDelays();
      await m.mockStepError({ name: "slice 2" }, new Error("D1 hiccup"), 2);
    });
    await env.SYNC_WORKFLOW.create({ id: `run-${runId}`, params: { runId } });
    await instance.waitForStatus("complete");
    const run = (await getRun(db(), runId))!;
    expect(run).toMatchObject({ status: "success", fetched: 300, created: 300, pages: 6 });
    const [rows] = await db().all<{ n: number }>(sql`select count(*) n from tasks`);
    expect(rows!.n).toBe(300);
  });

  it("a slice that fails on every retry ends the run at its checkpoint with its error, not running until its lease expires", async () => {
    const runId = await startRun(db());
    await using instance = await introspectWorkflowInstance(env.SYNC_WORKFLOW, `run-${runId}`);
    await instance.modify(async (m) => {
      await m.disableRetryDelays();
      // The step's first try and its 5 retries.
      await m.mockStepError({ name: "slice 2" }, new Error("slice out of memory"), 6);
    });
    await env.SYNC_WORKFLOW.create({ id: `run-${runId}`, params: { runId } });
    await instance.waitForStatus("errored");
    const run = (await getRun(db(), runId))!;
    // Slice 1 committed its two pages: the run ends partial at that checkpoint, saying why it stopped.
    expect(run).toMatchObject({ status: "partial", pages: 2, fetched: 100 });
    expect(run.message).toContain("slice out of memory");
    const [lock] = await db().all<{ holder: number | null }>(sql`select holder_run_id holder from sync_lock`);
    expect(lock!.holder).toBeNull();
  });

  it("waits out a long rate limit with step.sleep and continues the same run", async () => {
    const runId = await startRun(db());
    await configure({
      fail_next: ["rate_limit", "rate_limit", "rate_limit", "rate_limit"],
      retry_after_s: 900,
    });
    await using instance = await introspectWorkflowInstance(env.SYNC_WORKFLOW, `run-${runId}`);
    await instance.modify(async (m) => {
      await m.disableSleeps();
    });
    await env.SYNC_WORKFLOW.create({ id: `run-${runId}`, params: { runId } });
    await instance.waitForStatus("complete");
    const run = (await getRun(db(), runId))!;
    expect(run).toMatchObject({ status: "success", fetched: 300 });
    const [errors] = await db().all<{ n: number }>(
      sql`select count(*) n from sync_errors where run_id = ${runId} and kind = 'rate_limited'`,
    );
    expect(errors!.n).toBeGreaterThan(0);
  });

  it("a cron tick delivered twice creates one instance and runs one sync", async () => {
    const scheduledTime = Date.parse("2026-11-25T10:05:00.000Z");
    await using instance = await introspectWorkflowInstance(env.SYNC_WORKFLOW, tickInstanceId(scheduledTime));
    await instance.modify(async (m) => {
      await m.disableSleeps();
    });
    for (let i = 0; i < 2; i++) {
      const ctx = createExecutionContext();
      worker.scheduled(createScheduledController({ scheduledTime, cron: "*/5 * * * *" }), env as never, ctx);
      await waitOnExecutionContext(ctx);
    }
    await instance.waitForStatus("complete");
    const runs = await db().all<{ trigger: string; status: string }>(
      sql`select "trigger", status from sync_runs`,
    );
    expect(runs).toEqual([{ trigger: "schedule", status: "success" }]);
  });
});
