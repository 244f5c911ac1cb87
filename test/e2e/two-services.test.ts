// Two Node services on one libSQL file: users delete tasks in one while the other keeps syncing into the same
// file. Each process meets the other's write lock; every acknowledged delete must be committed and hold.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { committedRows, databaseFile } from "./db-faults";
import { startServer, type TestServer } from "./server";

const db = databaseFile();
const servers: TestServer[] = [];

afterAll(async () => {
  for (const s of servers) await s.stop();
  db.remove();
});

describe("two service processes on one database file", () => {
  // Only new tasks arrive upstream, so no upstream version of a deleted task changes and every acknowledged delete
  // must hold (a changed version may revive a task by design; the engine's own suites race that case).
  it("keeps every delete acknowledged by one while the other keeps syncing into the same file", async () => {
    // Started one after the other: each migrates the file at boot.
    const syncer = await startServer({ DATABASE_URL: db.url });
    servers.push(syncer);
    const users = await startServer({ DATABASE_URL: db.url });
    servers.push(users);
    expect((await syncer.api("/api/sync", { method: "POST", body: { mode: "full" } })).status).toBe(200);

    // The syncer writes to the file over and over (upstream creates tasks, a sync stores them) while users delete.
    let deleting = true;
    const syncStatuses: number[] = [];
    const syncing = (async () => {
      while (deleting) {
        await syncer.api("/simulator/advance", { method: "POST", body: { creates: 10 } });
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
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    const rows = await committedRows<{ id: number; deleted_by: string | null }>(
      db.file,
      "select id, deleted_by from tasks where id <= 120 order by id",
    );
    expect(rows.filter((r) => r.deleted_by !== "user").map((r) => r.id)).toEqual([]);
    // The syncer's writes landed too: every task upstream created is in the file.
    const [{ n }] = await committedRows<{ n: number }>(db.file, "select count(*) as n from tasks");
    expect(n).toBe(120 + 10 * syncStatuses.length);
  }, 90_000);
});
