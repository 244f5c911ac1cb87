import {
  createExecutionContext,
  createScheduledController,
  env,
  introspectWorkflowInstance,
  SELF,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { tickInstanceId } from "../../functions/runs/workflow";
import worker from "../../functions/worker";

describe("the Workers entry", () => {
  it("serves a full sync through SELF.fetch on D1 with the built-in simulator", async () => {
    const res = await SELF.fetch("http://example.com/api/sync/", { method: "POST" });
    const body = (await res.json()) as {
      status: string;
      counts?: { fetched: number };
      run?: { status: string };
    };
    // The entry's simulator uses the default 20% failure rate, so a run may fail; it must say so truthfully.
    if (res.status === 200) {
      expect(["success", "partial"]).toContain(body.status);
      expect(body.counts?.fetched).toBeGreaterThan(0);
    } else {
      expect(res.status).toBe(502);
      expect(["failed", "deferred"]).toContain(body.run?.status);
    }
    const status = (await (await SELF.fetch("http://example.com/api/sync/status")).json()) as {
      running: boolean;
    };
    expect(status.running).toBe(false);
  });

  it("the scheduled handler runs an incremental sync (through the Workflow) and records it as a schedule run", async () => {
    const scheduledTime = new Date();
    await using instance = await introspectWorkflowInstance(
      env.SYNC_WORKFLOW,
      tickInstanceId(scheduledTime.getTime()),
    );
    const controller = createScheduledController({ scheduledTime, cron: "*/5 * * * *" });
    const ctx = createExecutionContext();
    await worker.scheduled(controller, env as never, ctx);
    await waitOnExecutionContext(ctx);
    await instance.waitForStatus("complete");
    const row = await env.DB.prepare("select trigger, status from sync_runs order by id desc limit 1").first<{
      trigger: string;
      status: string;
    }>();
    expect(row?.trigger).toBe("schedule");
    expect(row?.status).not.toBe("running");
  });

  it("answers unknown API paths with JSON, not the dashboard", async () => {
    const res = await SELF.fetch("http://example.com/api/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
  });
});
