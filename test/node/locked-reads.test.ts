// While another connection holds the write lock: status polls, run history and the task list still answer
// (they write nothing), health says writes are refused, and a write answers a retryable 503.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { afterEach, describe, expect, it } from "vitest";
import { createLibsqlDb } from "../../db/libsql";
import { buildHarness } from "../shared/harness";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function lockedApp() {
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
  const h = buildHarness(db, "libsql");
  expect((await h.app.request("/api/sync", { method: "POST" })).status).toBe(200);
  const lock = await holder.transaction("write");
  return { h, release: () => lock.rollback() };
}

describe("reads while the database is locked for writing", () => {
  it("answers status, run history, one run and the task list without writing", async () => {
    const { h, release } = await lockedApp();
    for (const path of ["/api/sync/status", "/api/sync/runs", "/api/sync/runs/1", "/api/tasks?limit=5"]) {
      expect((await h.app.request(path)).status, path).toBe(200);
    }
    await release();
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
});
