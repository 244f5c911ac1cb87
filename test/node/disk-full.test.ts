// The database file fills up in the middle of a sync (SQLite's max_page_count stands in for a full disk):
// the run ends `partial` with the cause, no page is half-written, and the next sync recovers once there is room.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import type { Db } from "../../db/client";
import { createLibsqlDb } from "../../db/libsql";
import { ThreadedClient } from "../../db/write-thread";
import { buildHarness, httpUpstream, manualClock, PAGE_BY_PAGE } from "../shared/harness";
import { rec, scripted } from "../shared/scripted-upstream";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function fileDb(): Promise<{ db: Db; client: ThreadedClient }> {
  const dir = mkdtempSync(join(tmpdir(), "tasksync-full-"));
  const { db, client, close } = await createLibsqlDb(`file:${join(dir, "full.db")}`);
  cleanups.push(() => {
    close();
    rmSync(dir, { recursive: true, force: true });
  });
  if (!(client instanceof ThreadedClient)) throw new Error("a file database writes on its write thread");
  return { db, client };
}

// Per connection (the commits' on the write thread too), and each client keeps its connection unless a lock
// makes it replace it (none here).
async function limitToCurrentSize({ db, client }: { db: Db; client: ThreadedClient }) {
  const [{ page_count }] = await db.all<{ page_count: number }>(sql`PRAGMA page_count`);
  await client.configureConnections(`PRAGMA max_page_count = ${page_count}`);
}

type RunBody = {
  id: number;
  status: string;
  pages: number;
  counts: { created: number };
  errors: { message: string }[];
};

describe("a database that fills up mid-sync", () => {
  it("ends the run partial with SQLITE_FULL, keeps whole pages only, and recovers when space returns", async () => {
    const file = await fileDb();
    const { db } = file;
    let filled = false;
    const h = buildHarness(db, "libsql", {
      env: { ...PAGE_BY_PAGE, SYNC_PAGE_SIZE: "10" },
      sim: { total: 200 },
      afterPage: async (_run, page) => {
        // Once: the disk fills during the first sync only.
        if (page === 2 && !filled) {
          filled = true;
          await limitToCurrentSize(file);
        }
      },
    });

    const res = await h.app.request("/api/sync", { method: "POST" });
    expect(res.status).toBe(200);
    const run = (await res.json()) as RunBody;
    expect(run.status).toBe("partial");
    expect(run.errors.map((e) => e.message).join(" ")).toMatch(/SQLITE_FULL|full/);

    // Whole pages only: the rows in the file are exactly the committed pages' rows.
    const [{ n }] = await db.all<{ n: number }>(sql`select count(*) as n from tasks`);
    expect(run.pages).toBeGreaterThanOrEqual(2);
    expect(n).toBe(run.counts.created);
    expect(n).toBe(run.pages * 10);

    await file.client.configureConnections("PRAGMA max_page_count = 1073741823");
    const again = await h.app.request("/api/sync", { method: "POST" });
    expect(again.status).toBe(200);
    const recovered = (await again.json()) as RunBody;
    expect(recovered.status).toBe("success");
    const [{ total }] = await db.all<{ total: number }>(sql`select count(*) as total from tasks`);
    expect(total).toBe(200);
  });

  it("a sync the full disk stops before its first page answers 503 database_unavailable, not 502", async () => {
    const file = await fileDb();
    const { db } = file;
    const { fetch: serve } = scripted([Array.from({ length: 300 }, (_, i) => rec(`t${i}`))]);
    // The disk fills while the run's first page is on its way (the run itself has started).
    const upstream = httpUpstream("http://upstream.test", async (url) => {
      await limitToCurrentSize(file);
      return serve(url);
    });
    const h = buildHarness(db, "libsql", { upstream });
    const res = await h.app.request("/api/sync", { method: "POST" });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("30");
    const body = (await res.json()) as {
      error: { code: string; message: string };
      run: Omit<RunBody, "errors"> & { attempts: number; errors: { kind: string }[] };
    };
    expect(body.error.code).toBe("database_unavailable");
    expect(body.error.message).toMatch(/database or its disk is full/);
    // The run started (its row fit) and says what stopped it.
    expect(body.run).toMatchObject({ status: "failed", pages: 0, attempts: 1 });
    expect(body.run.errors.map((e) => e.kind)).toEqual(["database"]);
    const [{ n }] = await db.all<{ n: number }>(sql`select count(*) as n from tasks`);
    expect(n).toBe(0);
  });
});

describe("a database that fills up while a run ends its listing", () => {
  // The incremental run's listing reaches its last page, then its final batch (the deletions, the end) meets the
  // full disk: the run did not conclude, so its listing is not a complete one the next run continues after.
  it("a listing whose final batch the full disk refused is not taken as complete: Retry applies its deletions", async () => {
    const file = await fileDb();
    const { db } = file;
    const clock = manualClock("2026-03-01T00:00:00Z");
    let fillDuring: number | undefined;
    const h = buildHarness(db, "libsql", {
      env: { SYNC_PAGE_SIZE: "10" },
      sim: { total: 100 },
      clock,
      afterPage: async (run) => {
        if (run === fillDuring) await limitToCurrentSize(file);
      },
    });
    const post = (path: string, body?: object) =>
      h.app.request(path, {
        method: "POST",
        ...(body ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}),
      });
    expect((await post("/api/sync")).status).toBe(200);
    clock.advance(600_000);
    h.simulator.advance({ deletes: 40 });
    // Past the watermark's overlap: a listing that begins now is the last to list these tombstones.
    clock.advance(600_000);
    fillDuring = 2;
    const stopped = await post("/api/sync", { mode: "incremental" });
    const body = (await stopped.json()) as { error: { code: string }; run: { id: number; status: string } };
    expect(stopped.status).toBe(503);
    expect(body.error.code).toBe("database_unavailable");
    expect(body.run).toMatchObject({ id: 2, status: "failed" });

    await file.client.configureConnections("PRAGMA max_page_count = 1073741823");
    clock.advance(600_000);
    const retried = (await (await post("/api/sync/runs/2/retry")).json()) as { status: string };
    expect(retried.status).toBe("success");
    const [{ live }] = await db.all<{ live: number }>(
      sql`select count(*) as live from tasks where deleted_at is null`,
    );
    expect(live).toBe(60);
  });
});
