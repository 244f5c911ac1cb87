// The real Node service on a libSQL file while a second process holds the write lock for 8 s: nothing answered
// is lost, nothing answers 500, no run stays `running`, and the first requests after the release succeed.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { committedRows, databaseFile, holdWriteLock } from "./db-faults";
import { startServer, type TestServer } from "./server";

type Answer = { what: string; status: number; retryAfter: string | null; body: unknown };
type Run = { id: number; status: string; pages: number };
type TaskRow = { id: number; deleted_at: string | null; deleted_by: string | null };

const LOCK_MS = 8000;
const db = databaseFile();
const servers: TestServer[] = [];

afterAll(async () => {
  for (const s of servers) await s.stop();
  db.remove();
});

async function start(): Promise<TestServer> {
  // Small, slow pages, each committed alone: the sync is still running when the lock is taken, so its page
  // writes meet it.
  const server = await startServer({
    DATABASE_URL: db.url,
    SYNC_PAGE_SIZE: "10",
    SYNC_COMMIT_RECORDS: "1",
    SIM_LATENCY_MS: "400",
  });
  servers.push(server);
  return server;
}

function recorder(server: TestServer) {
  const answers: Answer[] = [];
  const call = async (what: string, path: string, method = "GET", body?: unknown): Promise<Answer> => {
    const res = await server.api(path, { method, body });
    const answer = {
      what,
      status: res.status,
      retryAfter: res.headers.get("retry-after"),
      body: await res.json(),
    };
    answers.push(answer);
    return answer;
  };
  return { answers, call };
}

async function waitForPages(server: TestServer, pages: number) {
  for (;;) {
    const status = (await (await server.api("/api/sync/status")).json()) as Run;
    if (status.status === "running" && status.pages >= pages) return;
    if (status.status !== "running" && status.pages !== undefined)
      throw new Error(`sync ended early: ${status.status}`);
    await sleep(50);
  }
}

describe("a second process holds the database's write lock for 8 s", () => {
  it("loses no acknowledged change, answers no 500, leaves no run running, and heals on release", async () => {
    let server = await start();
    const { answers, call } = recorder(server);

    // A sync underway, and two tasks the user deleted before the lock (to restore during it).
    const sync = call("sync before the lock", "/api/sync", "POST", { mode: "full" });
    await waitForPages(server, 3);
    for (const id of [5, 6])
      expect((await call("delete before", `/api/tasks/${id}`, "DELETE")).status).toBe(200);

    const lock = await holdWriteLock(db.file, LOCK_MS);
    const lockedAt = Date.now();
    const at = (ms: number) => sleep(lockedAt + ms - Date.now());
    const early = Promise.all([
      call("delete 1 early", "/api/tasks/1", "DELETE"),
      call("restore 5 early", "/api/tasks/5/restore", "POST"),
      call("second sync", "/api/sync", "POST", { mode: "full" }),
    ]);
    const reads = (async () => {
      for (let i = 0; i < 4; i++) {
        await Promise.all([call("status during", "/api/sync/status"), call("runs during", "/api/sync/runs")]);
        await sleep(800);
      }
    })();
    const health = at(1000).then(() => call("health during", "/api/health"));
    // Sent 3 s before the release: it waits for the lock within the 5 s bound, so it is answered 200.
    const late = at(LOCK_MS - 3000).then(() =>
      Promise.all([
        call("delete 2 late", "/api/tasks/2", "DELETE"),
        call("restore 6 late", "/api/tasks/6/restore", "POST"),
      ]),
    );
    await lock.released;
    const [earlyAnswers, lateAnswers, syncAnswer, healthAnswer] = await Promise.all([
      early,
      late,
      sync,
      health,
      reads,
    ]);

    // The first requests after the release succeed (the last sync without upstream latency, to keep this short).
    await server.api("/simulator/config", { method: "PUT", body: { latency_ms: 0 } });
    expect((await call("delete 3 after", "/api/tasks/3", "DELETE")).status).toBe(200);
    expect((await call("status after", "/api/sync/status")).status).toBe(200);
    expect((await call("health after", "/api/health")).status).toBe(200);
    expect((await call("sync after", "/api/sync", "POST", { mode: "full" })).status).toBe(200);

    // During the lock: reads answered, health said so, early writes refused with a retryable 503.
    expect(
      answers.filter((a) => a.what.endsWith("during") && a.what !== "health during").map((a) => a.status),
    ).toEqual(Array(8).fill(200));
    expect(healthAnswer).toMatchObject({
      status: 503,
      body: { database: { writable: false, fault: "busy" } },
    });
    for (const a of earlyAnswers.slice(0, 2)) {
      expect(a).toMatchObject({
        status: 503,
        retryAfter: expect.any(String),
        body: { error: { code: "database_busy" } },
      });
    }
    expect(lateAnswers.map((a) => a.status)).toEqual([200, 200]);
    expect([409, 503]).toContain(earlyAnswers[2]!.status);
    expect([200, 502]).toContain(syncAnswer.status);
    expect(answers.filter((a) => a.status >= 500 && a.status !== 502 && a.status !== 503)).toEqual([]);

    // Restart the service; what it and a fresh connection read is exactly what was acknowledged.
    await server.stop();
    servers.splice(servers.indexOf(server), 1);
    server = await start();
    const tasks = await committedRows<TaskRow>(
      db.file,
      "select id, deleted_at, deleted_by from tasks where id <= 6 order by id",
    );
    const deleted = (id: number) => tasks.find((t) => t.id === id)?.deleted_by === "user";
    expect([1, 2, 3, 4, 5, 6].map(deleted)).toEqual([false, true, true, false, true, false]);
    const viaService = (await (await server.api("/api/tasks/2")).json()) as TaskRow;
    expect(viaService.deleted_by).toBe("user");

    // Every run ended truthfully, and the tasks written are exactly the ones the runs counted.
    const runs = await committedRows<{ status: string; created: number }>(
      db.file,
      "select status, created from sync_runs",
    );
    expect(runs.filter((r) => r.status === "running")).toEqual([]);
    const [{ n }] = await committedRows<{ n: number }>(db.file, "select count(*) as n from tasks");
    expect(n).toBe(runs.reduce((sum, r) => sum + r.created, 0));
  }, 90_000);
});
