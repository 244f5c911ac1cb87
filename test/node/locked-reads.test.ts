// While another connection holds the write lock: status polls, run history and the task list still answer
// (they write nothing), health says writes are refused, a write answers a retryable 503, and a cron tick reads
// what it should list and leaves no trace when it cannot start.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { afterEach, describe, expect, it } from "vitest";
import { DatabaseBusyError } from "../../db/database-faults";
import { createLibsqlDb } from "../../db/libsql";
import { fullListingTimes } from "../../db/sync-runs";
import { runScheduledSync, startSync } from "../../functions/sync/engine";
import { buildHarness, type Harness, type HarnessOptions, manualClock } from "../shared/harness";
import { scheduledRun } from "../shared/sync-checks";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function lockedApp(options: HarnessOptions = {}, beforeLock?: (h: Harness) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), "tasksync-locked-"));
  const url = `file:${join(dir, "locked.db")}`;
  // A short bound, so a read that wrote would fail here within the test instead of waiting 5 s.
  const { db, close } = await createLibsqlDb(url, { busyWaitMs: 300 });
  const holder = createClient({ url });
  cleanups.push(() => {
    holder.close();
    close();
    rmSync(dir, { recursive: true, force: true });
  });
  const h = buildHarness(db, "libsql", options);
  expect((await h.app.request("/api/sync", { method: "POST" })).status).toBe(200);
  await beforeLock?.(h);
  const lock = await holder.transaction("write");
  return { h, holder, release: () => lock.rollback() };
}

describe("reads while the database is locked for writing", () => {
  it("answers status, run history, one run and the task list without writing", async () => {
    const { h, release } = await lockedApp();
    for (const path of ["/api/sync/status", "/api/sync/runs", "/api/sync/runs/1", "/api/tasks?limit=5"]) {
      expect((await h.app.request(path)).status, path).toBe(200);
    }
    await release();
  });

  it("status, metrics and run reads still answer when they find a lease expired: marking it abandoned waits", async () => {
    const clock = manualClock("2026-05-01T00:00:00.000Z");
    // A run whose process stopped holds the lease until it expires; it expires while the lock is held.
    const { h, release } = await lockedApp({ clock }, async (h) => {
      expect((await startSync(h.engine(), { trigger: "manual" })).kind).toBe("started");
      clock.advance((h.config.SYNC_LEASE_SECONDS + 1) * 1000);
    });
    for (const path of ["/api/sync/status", "/api/metrics", "/api/sync/runs", "/api/sync/runs/2"]) {
      expect((await h.app.request(path)).status, path).toBe(200);
    }
    await release();
    const status = (await (await h.app.request("/api/sync/status")).json()) as { id: number; status: string };
    expect(status).toMatchObject({ id: 2, status: "abandoned" });
  });

  it("reports refused writes in /api/health and answers a write 503 database_busy with Retry-After", async () => {
    const { h, release } = await lockedApp();
    const health = await h.app.request("/api/health");
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({
      status: "degraded",
      database: { readable: true, writable: false, fault: "busy", ok: false },
    });

    const res = await h.app.request("/api/tasks/1", { method: "DELETE" });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("2");
    expect(await res.json()).toMatchObject({ error: { code: "database_busy" } });

    await release();
    expect((await h.app.request("/api/tasks/1", { method: "DELETE" })).status).toBe(200);
    expect((await h.app.request("/api/health")).status).toBe(200);
  });

  it("a cron tick decides what to list by reading, then fails busy without a trace; the next one lists everything", async () => {
    const clock = manualClock("2026-05-01T00:00:00.000Z");
    const { h, holder, release } = await lockedApp({ clock, env: { SYNC_FULL_EVERY_HOURS: "24" } });
    clock.advance(25 * 3_600_000);
    expect(await fullListingTimes(h.db)).toEqual({
      attemptAt: "2026-05-01T00:00:00.000Z",
      completeAt: "2026-05-01T00:00:00.000Z",
    });
    // A full listing is due: the tick reads the latest run and the full listings' times, then its start (a
    // write) meets the lock and refuses; the error is the cron driver's to log.
    await expect(runScheduledSync(h.engine(), "*/5 * * * *")).rejects.toThrow(DatabaseBusyError);
    const runs = async () => (await holder.execute("select count(*) as n from sync_runs")).rows[0]!.n;
    expect(await runs()).toBe(1);
    await release();
    expect(await scheduledRun(h)).toMatchObject({ trigger: "schedule", mode: "full", status: "success" });
    expect(await runs()).toBe(2);
  });
});
