// POST /api/sync with the Workflow as the run's driver, when the instance cannot be created: the run must end
// saying why, not answer 202 for a run that nothing drives (left `running` until its lease expires, then
// reported "abandoned" as if its process had died).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createD1Db } from "../../db/d1";
import { getRun, latestRun } from "../../db/sync-runs";
import { createApp } from "../../functions/app";
import { type RunParams, workflowLauncher } from "../../functions/runs/workflow";
import { buildHarness, resetDb } from "../shared/harness";

describe("launching a run's Workflow", () => {
  it("an instance that cannot be created ends the run failed with the reason, not a 202 for a run nothing drives", async () => {
    const db = createD1Db(env.DB);
    await resetDb(db);
    const h = buildHarness(db, "d1", { env: { SYNC_WAIT_SECONDS: "2" } });
    const broken = {
      create: async () => {
        throw new Error("instance limit reached");
      },
    } as unknown as Workflow<RunParams>;
    const app = createApp({ ...h.deps, launcher: () => workflowLauncher(broken) });
    const res = await app.request("/api/sync", { method: "POST" });
    const run = (await latestRun(db))!;
    expect(run.status).toBe("failed");
    expect(run.message).toContain("instance limit reached");
    expect(res.status).toBe(502);
    // The lease is free: the next sync starts at once.
    const next = await app.request("/api/sync", { method: "POST" });
    expect(next.status).not.toBe(409);
    expect((await getRun(db, run.id))!.status).toBe("failed");
  });
});
