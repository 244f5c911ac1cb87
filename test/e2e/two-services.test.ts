// Two Node services on one libSQL file: users delete tasks in one while the other syncs changed upstream
// content over the same rows. Each process meets the other's write lock; every acknowledged delete must hold.
import { afterAll, describe, expect, it } from "vitest";
import { committedRows, databaseFile } from "./db-faults";
import { startServer, type TestServer } from "./server";

const db = databaseFile();
const servers: TestServer[] = [];

afterAll(async () => {
  for (const s of servers) await s.stop();
  db.remove();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("two service processes on one database file", () => {
  // Fails today only through the upsert race: the syncer reads a page's stored rows, the other process commits a
  // user's delete, then the page's upsert writes `deleted_at = null` over it. With the upsert conditional on the
  // row not being a user's delete (`on conflict … do update … where deleted_by is not 'user' or
  // excluded.remote_updated_at > deleted_at`) it passes. Measured: 29–42 acknowledged deletes revived in each of
  // 3 runs without it, none in 2 runs with it. The lead's conditional upsert in the sync engine closes it: flip
  // this to `it` when that lands.
  it.fails("keeps every delete acknowledged by one while the other syncs", async () => {
    // Started one after the other: each migrates the file at boot.
    const syncer = await startServer({ DATABASE_URL: db.url });
    servers.push(syncer);
    const users = await startServer({ DATABASE_URL: db.url });
    servers.push(users);
    expect((await syncer.api("/api/sync", { method: "POST", body: { mode: "full" } })).status).toBe(200);

    // The syncer keeps rewriting rows: upstream changes 100 of the 120 tasks (dated before any delete below,
    // so none of them may undo one), then a sync writes them in one page; over and over.
    let deleting = true;
    const syncStatuses: number[] = [];
    const syncing = (async () => {
      while (deleting) {
        await syncer.api("/simulator/advance", { method: "POST", body: { updates: 100 } });
        syncStatuses.push((await syncer.api("/api/sync", { method: "POST", body: { mode: "full" } })).status);
      }
    })();
    const answers: { id: number; status: number }[] = [];
    for (let id = 1; id <= 120; id++) {
      const res = await users.api(`/api/tasks/${id}`, { method: "DELETE" });
      answers.push({ id, status: res.status });
      await sleep(5);
    }
    deleting = false;
    await syncing;

    expect(syncStatuses.length).toBeGreaterThan(3);
    expect(syncStatuses.filter((s) => s !== 200)).toEqual([]);
    expect(answers.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
    const acknowledged = answers.filter((a) => a.status === 200).map((a) => a.id);
    expect(acknowledged.length).toBeGreaterThan(100);
    const rows = await committedRows<{ id: number; deleted_by: string | null }>(
      db.file,
      "select id, deleted_by from tasks where id <= 120 order by id",
    );
    const revived = rows
      .filter((r) => acknowledged.includes(r.id) && r.deleted_by !== "user")
      .map((r) => r.id);
    expect(revived).toEqual([]);
  }, 90_000);
});
