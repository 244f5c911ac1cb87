// The sync contract, written once and run on libSQL (test/node) and on D1 in the Workers runtime (test/workers).
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { Db } from "../../db/client";
import { acquireLease } from "../../db/lease";
import type { RunView } from "../../functions/routes/sync";
import type { Simulator } from "../../functions/simulator/dataset";
import { runScheduledSync, runSync } from "../../functions/sync/engine";
import { type Harness, httpUpstream, type MakeHarness, manualClock, PAGE_BY_PAGE } from "./harness";

type Row = {
  external_id: string;
  title: string;
  status: string;
  remote_updated_at: string;
  deleted_at: string | null;
};

export async function taskRows(db: Db): Promise<Row[]> {
  return db.all<Row>(
    sql`select external_id, title, status, remote_updated_at, deleted_at from tasks order by external_id`,
  );
}

export async function liveRows(db: Db) {
  return (await taskRows(db)).filter((r) => r.deleted_at === null);
}

/** Everything a sync could write, to prove a run wrote nothing. */
export async function dataDigest(db: Db): Promise<string> {
  const rows = await db.all(sql`select * from tasks order by id`);
  return JSON.stringify(rows);
}

/** Upstream's valid tasks in the database's order (external_id as text), whatever the simulator's id style. */
export function snapshotRows(sim: Simulator) {
  return [...sim.snapshot()]
    .map((t) => ({
      external_id: t.id,
      title: t.title,
      status: t.status,
      remote_updated_at: t.updated_at,
    }))
    .sort((a, b) => (a.external_id < b.external_id ? -1 : a.external_id > b.external_id ? 1 : 0));
}

/** The database's live tasks equal upstream's valid ones, field for field. */
export async function expectMirrors(db: Db, sim: Simulator) {
  const live = (await liveRows(db)).map(({ deleted_at: _, ...r }) => r);
  expect(live).toEqual(snapshotRows(sim));
}

/**
 * No duplicate ids; counts add up; the run's counts equal what the database shows. `relisted`: the upstream may
 * list one task twice in a listing (it changed mid-listing), so one row can account for two counted changes.
 */
export async function expectRunInvariants(db: Db, run: RunView, opts: { relisted?: boolean } = {}) {
  const [dup] = await db.all<{ n: number; d: number }>(
    sql`select count(*) n, count(distinct external_id) d from tasks`,
  );
  expect(dup!.n).toBe(dup!.d);
  const c = run.counts;
  expect(c.fetched).toBe(c.created + c.updated + c.unchanged + c.skipped + c.invalid);
  const [byRun] = await db.all<{ created: number; deleted: number; changed: number }>(sql`
    select sum(case when created_at = updated_at and deleted_at is null then 1 else 0 end) created,
           sum(case when deleted_by = 'upstream' then 1 else 0 end) deleted,
           count(*) changed
    from tasks where last_run_id = ${run.id}`);
  // Rows this run last wrote are exactly its creates, updates and deletions (no later run touched them here).
  if (opts.relisted) expect(byRun!.changed).toBeLessThanOrEqual(c.created + c.updated + c.deleted);
  else expect(byRun!.changed).toBe(c.created + c.updated + c.deleted);
  expect(byRun!.deleted ?? 0).toBe(c.deleted);
  const [invalid] = await db.all<{ n: number }>(
    sql`select count(*) n from sync_errors where run_id = ${run.id} and kind = 'invalid_record'`,
  );
  expect(invalid!.n).toBe(c.invalid);
  const [running] = await db.all<{ n: number }>(
    sql`select count(*) n from sync_runs where status = 'running'`,
  );
  expect(running!.n).toBe(0);
}

export async function sync(h: Harness, body?: unknown) {
  const res = await h.app.request("/api/sync", {
    method: "POST",
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as RunView & { error?: { code: string; run_id?: number }; run?: RunView };
  const run = (json.run ?? json) as RunView;
  return { status: res.status, json, run };
}

export function syncSuite(make: MakeHarness) {
  describe("legacy defect 1: duplicate rows", () => {
    it("syncing the same upstream twice stores each external id once", async () => {
      const h = await make({ sim: { total: 120 }, env: { SYNC_PAGE_SIZE: "50" } });
      await sync(h);
      const second = await sync(h);
      expect(second.status).toBe(200);
      expect(second.run.counts).toMatchObject({ fetched: 120, created: 0, unchanged: 120 });
      expect(await taskRows(h.db)).toHaveLength(120);
      await expectRunInvariants(h.db, second.run);
    });

    it("the database refuses a second row with the same external id", async () => {
      const h = await make({ sim: { total: 3 } });
      await sync(h);
      await expect(
        h.db.run(sql`insert into tasks (external_id, title, status, remote_updated_at, created_at, updated_at)
          values ('T-0000000', 'x', 'todo', 'x', 'x', 'x')`),
      ).rejects.toThrow();
    });

    it("a record repeated within and across pages is stored once and counted as skipped", async () => {
      const h = await make({ sim: { total: 200, duplicate_rate: 1 }, env: { SYNC_PAGE_SIZE: "40" } });
      const { run } = await sync(h);
      expect(run.status).toBe("success");
      expect(run.counts.skipped).toBeGreaterThan(0);
      await expectRunInvariants(h.db, run);
      await expectMirrors(h.db, h.simulator);
    });
  });

  describe("legacy defect 2: a failed run that changed data", () => {
    it("a run that fails on its first page commits nothing and says failed", async () => {
      const h = await make({ sim: { total: 60 } });
      await sync(h);
      h.simulator.advance({ updates: 10, creates: 5, deletes: 5 });
      const before = await dataDigest(h.db);
      h.simulator.configure({ failure_rate: 1, failure_kinds: ["http_500"] });
      const { status, run } = await sync(h);
      expect(status).toBe(502);
      expect(run.status).toBe("failed");
      expect(run.counts).toMatchObject({ fetched: 0, created: 0, updated: 0, deleted: 0 });
      expect(await dataDigest(h.db)).toBe(before);
    });

    it("a crash between two pages keeps the committed pages, and the run log says exactly that", async () => {
      const h = await make({
        sim: { total: 150 },
        env: { ...PAGE_BY_PAGE, SYNC_PAGE_SIZE: "50" },
        afterPage: (_run, page) => {
          if (page === 2) throw new Error("injected crash after page 2");
        },
      });
      const { status, run } = await sync(h);
      expect(status).toBe(200);
      expect(run.status).toBe("partial");
      expect(run.pages).toBe(2);
      expect(run.counts.created).toBe(100);
      expect(run.message).toContain("injected crash");
      expect(run.errors[0]).toMatchObject({ kind: "internal" });
      expect(await taskRows(h.db)).toHaveLength(100);
      await expectRunInvariants(h.db, run);
    });
  });

  describe("legacy defect 3: runs stuck in running and bodiless 500s", () => {
    it("an upstream that cannot be reached ends the run failed with a JSON 502", async () => {
      const h = await make({
        upstream: httpUpstream("http://upstream.invalid", () =>
          Promise.reject(new TypeError("fetch failed: connection refused")),
        ),
      });
      const { status, json, run } = await sync(h);
      expect(status).toBe(502);
      expect(json.error).toMatchObject({ code: "upstream_failed", run_id: run.id });
      expect(run.status).toBe("failed");
      expect(run.errors.at(-1)).toMatchObject({ kind: "network", retryable: true });
      expect(run.attempts).toBe(4);
    });

    it("a run whose process died is marked abandoned once its lease expires, and the next run proceeds", async () => {
      const clock = manualClock("2026-06-01T00:00:00.000Z");
      const h = await make({ clock, sim: { total: 10 } });
      const dead = await acquireLease(h.db, {
        now: clock().toISOString(),
        leaseExpiresAt: new Date(clock().getTime() + 60_000).toISOString(),
        trigger: "manual",
        mode: "full",
      });
      expect(dead.acquired).toBe(true);
      expect((await sync(h)).status).toBe(409);
      clock.advance(61_000);
      const status = (await (await h.app.request("/api/sync/status")).json()) as {
        status: string;
        running: boolean;
      };
      expect(status).toMatchObject({ status: "abandoned", running: false });
      const next = await sync(h);
      expect(next.status).toBe(200);
      const old = (await (
        await h.app.request(`/api/sync/runs/${dead.acquired ? dead.run.id : 0}`)
      ).json()) as RunView;
      expect(old.status).toBe("abandoned");
      expect(old.message).toContain("lease expired");
    });

    it("a run that lost its lease to a newer run writes nothing more", async () => {
      const clock = manualClock("2026-06-01T00:00:00.000Z");
      let taken = false;
      const h = await make({
        clock,
        sim: { total: 90 },
        env: { ...PAGE_BY_PAGE, SYNC_PAGE_SIZE: "30", SYNC_LEASE_SECONDS: "5" },
        afterPage: async (_run, page) => {
          if (page !== 1 || taken) return;
          taken = true;
          clock.advance(10_000);
          const usurper = await acquireLease(h.db, {
            now: clock().toISOString(),
            leaseExpiresAt: new Date(clock().getTime() + 60_000).toISOString(),
            trigger: "manual",
            mode: "full",
          });
          expect(usurper.acquired).toBe(true);
        },
      });
      const { run } = await sync(h);
      expect(run.status).toBe("abandoned");
      expect(run.pages).toBe(1);
      expect(await taskRows(h.db)).toHaveLength(30);
    });
  });

  describe("legacy defect 4: the trigger answered 'sync triggered' whatever happened", () => {
    it("answers 200 with the run's real counts and status on success", async () => {
      const h = await make({ sim: { total: 25 } });
      const { status, run } = await sync(h);
      expect(status).toBe(200);
      expect(run).toMatchObject({
        status: "success",
        trigger: "manual",
        mode: "full",
        counts: { fetched: 25, created: 25 },
      });
      expect(run.duration_ms).toBeGreaterThanOrEqual(0);
      expect(run.finished_at).not.toBeNull();
    });

    it("answers 502 naming the upstream failure when the run fails", async () => {
      const h = await make({ sim: { total: 25, fail_next: ["malformed"] } });
      const { status, json, run } = await sync(h);
      expect(status).toBe(502);
      expect(json.error?.code).toBe("upstream_failed");
      expect(run.errors.at(-1)).toMatchObject({ kind: "malformed_response", retryable: false });
      expect(run.attempts).toBe(1);
    });
  });

  describe("legacy defect 6: two syncs at once", () => {
    it("of many simultaneous triggers exactly one runs; the others get 409 with the running run", async () => {
      const h = await make({ sim: { total: 40, latency_ms: 20 }, env: { SYNC_PAGE_SIZE: "10" } });
      const results = await Promise.all(Array.from({ length: 8 }, () => sync(h)));
      const ok = results.filter((r) => r.status === 200);
      const busy = results.filter((r) => r.status === 409);
      expect(ok).toHaveLength(1);
      expect(busy).toHaveLength(7);
      for (const b of busy) {
        expect(b.json.error).toMatchObject({ code: "sync_in_progress", run_id: ok[0]!.run.id });
      }
      const [runs] = await h.db.all<{ n: number }>(sql`select count(*) n from sync_runs`);
      expect(runs!.n).toBe(1);
      expect(await taskRows(h.db)).toHaveLength(40);
    });

    it("a scheduled tick during a manual run is skipped, not an error", async () => {
      let tick: Awaited<ReturnType<typeof runScheduledSync>> | "not run" = "not run";
      const h = await make({
        sim: { total: 30 },
        env: { ...PAGE_BY_PAGE, SYNC_PAGE_SIZE: "10" },
        afterPage: async (_run, page) => {
          if (page === 1) tick = await runScheduledSync(h.engine(), "*/5 * * * *");
        },
      });
      const { status } = await sync(h);
      expect(status).toBe(200);
      expect(tick).toMatchObject({ kind: "busy" });
      const [runs] = await h.db.all<{ n: number }>(sql`select count(*) n from sync_runs`);
      expect(runs!.n).toBe(1);
    });
  });

  describe("legacy defect 7: updated_at moved on every sync", () => {
    it("a sync that finds nothing changed writes no task row", async () => {
      const h = await make({ sim: { total: 80 } });
      await sync(h);
      const before = await dataDigest(h.db);
      const again = await sync(h);
      expect(again.run.counts).toMatchObject({ unchanged: 80, updated: 0, created: 0 });
      expect(await dataDigest(h.db)).toBe(before);
    });

    it("moves updated_at on exactly the tasks whose content changed", async () => {
      const clock = manualClock("2026-06-01T00:00:00.000Z");
      const h = await make({ clock, sim: { total: 80 } });
      await sync(h);
      const before = await h.db.all<{ external_id: string; updated_at: string }>(
        sql`select external_id, updated_at from tasks order by external_id`,
      );
      h.simulator.advance({ updates: 7 });
      clock.advance(3_600_000);
      const { run } = await sync(h);
      expect(run.counts).toMatchObject({ updated: 7, unchanged: 73 });
      const after = await h.db.all<{ external_id: string; updated_at: string }>(
        sql`select external_id, updated_at from tasks order by external_id`,
      );
      const moved = after.filter((r, i) => r.updated_at !== before[i]!.updated_at);
      expect(moved).toHaveLength(7);
    });
  });

  describe("legacy defect 8: free-text status, upstream deletions ignored, user deletions undone", () => {
    it("the database refuses a status outside todo, in_progress, done", async () => {
      const h = await make();
      await expect(
        h.db.run(sql`insert into tasks (external_id, title, status, remote_updated_at, created_at, updated_at)
          values ('x', 'x', 'blocked', 'x', 'x', 'x')`),
      ).rejects.toThrow();
    });

    it("a full sync soft-deletes tasks upstream no longer lists, and a later reappearance revives them", async () => {
      const h = await make({ sim: { total: 100 }, env: { SYNC_PAGE_SIZE: "30" } });
      await sync(h);
      h.simulator.advance({ deletes: 6 });
      const { run } = await sync(h);
      expect(run.counts.deleted).toBe(6);
      const rows = await taskRows(h.db);
      expect(rows.filter((r) => r.deleted_at !== null)).toHaveLength(6);
      await expectMirrors(h.db, h.simulator);
      await expectRunInvariants(h.db, run);
    });

    it("an incremental sync applies upstream tombstones", async () => {
      const h = await make({ sim: { total: 100 } });
      await sync(h);
      h.simulator.advance({ updates: 4, creates: 3, deletes: 2 });
      const { run } = await sync(h, { mode: "incremental" });
      expect(run.mode).toBe("incremental");
      expect(run.counts).toMatchObject({ fetched: 7, created: 3, updated: 4, deleted: 2 });
      await expectMirrors(h.db, h.simulator);
      await expectRunInvariants(h.db, run);
    });

    it("a task the user deleted stays deleted through syncs and is counted as skipped", async () => {
      const h = await make({ sim: { total: 20 } });
      await sync(h);
      await h.db.run(
        sql`update tasks set deleted_at = '2099-01-01T00:00:00.000Z', deleted_by = 'user' where external_id = 'T-0000003'`,
      );
      const { run } = await sync(h);
      expect(run.counts).toMatchObject({ skipped: 1, unchanged: 19 });
      const [row] = await h.db.all<{ deleted_by: string }>(
        sql`select deleted_by from tasks where external_id = 'T-0000003'`,
      );
      expect(row!.deleted_by).toBe("user");
    });

    it("a task the user deleted comes back when upstream changes it after the deletion", async () => {
      const h = await make({ sim: { total: 20 } });
      await sync(h);
      // Simulated upstream times are in early 2026: a deletion before them is "before the change".
      await h.db.run(sql`update tasks set deleted_at = '2026-01-01T00:00:00.000Z', deleted_by = 'user'`);
      h.simulator.advance({ updates: 20 });
      const { run } = await sync(h);
      expect(run.counts.updated).toBe(20);
      await expectMirrors(h.db, h.simulator);
    });

    it("the mass-delete guard refuses to empty the table when upstream suddenly lists nothing", async () => {
      const h = await make({ sim: { total: 40 } });
      await sync(h);
      h.simulator.configure({ total: 0 });
      const { status, run } = await sync(h);
      expect(status).toBe(200);
      expect(run.status).toBe("partial");
      expect(run.errors[0]).toMatchObject({ kind: "mass_delete_guard" });
      expect(await liveRows(h.db)).toHaveLength(40);
    });
  });

  describe("fault matrix", () => {
    const cases = [
      { name: "HTTP 500", faults: ["http_500", "http_500"] as const, kind: "http_error" },
      { name: "HTTP 503", faults: ["http_503"] as const, kind: "http_error" },
      { name: "timeout", faults: ["timeout"] as const, kind: "timeout" },
      { name: "429 with Retry-After", faults: ["rate_limit"] as const, kind: "rate_limited" },
    ];
    for (const c of cases) {
      it(`recovers from a transient ${c.name} by retrying, and mirrors upstream`, async () => {
        const h = await make({
          sim: { total: 90, hang_ms: 5_000, retry_after_s: 2 },
          env: { ...PAGE_BY_PAGE, SYNC_PAGE_SIZE: "40", UPSTREAM_TIMEOUT_MS: "50" },
          afterPage: (_run, page) => {
            if (page === 1) h.simulator.failNext([...c.faults]);
          },
        });
        const { status, run } = await sync(h);
        expect(status).toBe(200);
        expect(run.status).toBe("success");
        expect(run.attempts).toBe(3 + c.faults.length);
        expect(run.errors.map((e) => e.kind)).toEqual(c.faults.map(() => c.kind));
        expect(run.errors.every((e) => e.retryable)).toBe(true);
        if (c.kind === "rate_limited") expect(h.sleeps).toContain(2000);
        await expectMirrors(h.db, h.simulator);
        await expectRunInvariants(h.db, run);
      });
    }

    it("a page that keeps failing ends the run partial at its checkpoint, and a retry resumes there", async () => {
      const h = await make({
        sim: { total: 120 },
        env: { ...PAGE_BY_PAGE, SYNC_PAGE_SIZE: "50" },
        afterPage: (_run, page) => {
          if (page === 1 && h.simulator.pendingFailures.length === 0 && !h.sleeps.length) {
            h.simulator.failNext(["http_503", "http_503", "http_503", "http_503"]);
          }
        },
      });
      const first = await sync(h);
      expect(first.status).toBe(200);
      expect(first.run).toMatchObject({ status: "partial", pages: 1, counts: { created: 50 } });
      expect(first.run.errors.at(-1)).toMatchObject({ kind: "http_error", http_status: 503 });
      expect(await taskRows(h.db)).toHaveLength(50);
      await expectRunInvariants(h.db, first.run);

      const res = await h.app.request(`/api/sync/runs/${first.run.id}/retry`, { method: "POST" });
      expect(res.status).toBe(200);
      const retry = (await res.json()) as RunView;
      expect(retry).toMatchObject({ status: "success", trigger: "retry", retry_of: first.run.id, pages: 2 });
      expect(retry.counts).toMatchObject({ fetched: 70, created: 70 });
      await expectMirrors(h.db, h.simulator);
      await expectRunInvariants(h.db, retry);
    });

    it("a malformed page is not retried and the run fails with nothing committed", async () => {
      const h = await make({ sim: { total: 30, fail_next: ["malformed"] } });
      const { status, run } = await sync(h);
      expect(status).toBe(502);
      expect(run).toMatchObject({ status: "failed", attempts: 1 });
      expect(await taskRows(h.db)).toHaveLength(0);
    });

    it("a Retry-After beyond the budget defers the run with next_allowed_at", async () => {
      const h = await make({ sim: { total: 30, retry_after_s: 600, fail_next: ["rate_limit"] } });
      const { status, json, run } = await sync(h);
      expect(status).toBe(502);
      expect(json.error?.code).toBe("upstream_failed");
      expect(run.status).toBe("deferred");
      expect(run.next_allowed_at).not.toBeNull();
      expect(h.sleeps).toEqual([]);
    });

    it("invalid records are quarantined with their payload and the rest are stored (partial)", async () => {
      const h = await make({ sim: { total: 200, invalid_rate: 0.1 }, env: { SYNC_PAGE_SIZE: "64" } });
      const { status, run } = await sync(h);
      expect(status).toBe(200);
      expect(run.status).toBe("partial");
      expect(run.counts.invalid).toBe(h.simulator.invalidIds().length);
      expect(run.counts.invalid).toBeGreaterThan(0);
      const [err] = await h.db.all<{ raw_payload: string; external_id: string }>(
        sql`select raw_payload, external_id from sync_errors where kind = 'invalid_record' limit 1`,
      );
      expect(h.simulator.invalidIds()).toContain(err!.external_id);
      expect(err!.raw_payload).toContain(err!.external_id);
      await expectMirrors(h.db, h.simulator);
      await expectRunInvariants(h.db, run);
    });

    it("a retry of a successful run is refused with 409 not_retryable; an unknown run is 404", async () => {
      const h = await make({ sim: { total: 5 } });
      const { run } = await sync(h);
      const res = await h.app.request(`/api/sync/runs/${run.id}/retry`, { method: "POST" });
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ error: { code: "not_retryable" } });
      expect((await h.app.request("/api/sync/runs/999999/retry", { method: "POST" })).status).toBe(404);
    });
  });

  describe("GET /api/sync/status and /api/sync/runs", () => {
    it("answers the legacy 'no sync yet' before any run", async () => {
      const h = await make();
      const res = await h.app.request("/api/sync/status/");
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        status: "no sync yet",
        running: false,
        consecutive_failures: 0,
      });
    });

    it("reports the latest run, the last success, consecutive failures and the next tick", async () => {
      const h = await make({ sim: { total: 5 } });
      await sync(h);
      h.simulator.configure({ failure_rate: 1, failure_kinds: ["http_503"] });
      await sync(h);
      await sync(h);
      const body = (await (await h.app.request("/api/sync/status")).json()) as Record<string, unknown>;
      expect(body).toMatchObject({ status: "failed", running: false, consecutive_failures: 2 });
      expect(body.last_success_at).toEqual(expect.any(String));
      expect(body.next_scheduled_at).toEqual(expect.any(String));
      expect(body).toHaveProperty("started_at");
      expect(body).toHaveProperty("finished_at");
      expect(body).toHaveProperty("message");
    });

    it("lists runs newest first with a cursor that walks them all", async () => {
      const h = await make({ sim: { total: 3 } });
      for (let i = 0; i < 5; i++) await sync(h);
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const res = await h.app.request(`/api/sync/runs?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
        const page = (await res.json()) as { results: RunView[]; next_cursor: string | null };
        seen.push(...page.results.map((r) => r.id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toHaveLength(5);
      expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    });

    it("rejects a bad limit or cursor with a 400 naming the field", async () => {
      const h = await make();
      const res = await h.app.request("/api/sync/runs?limit=0");
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        error: { code: "validation_error", details: [{ field: "limit" }] },
      });
      expect((await h.app.request("/api/sync/runs?cursor=abc")).status).toBe(400);
      expect((await h.app.request("/api/sync/runs/abc")).status).toBe(400);
    });

    it("rejects an unknown sync mode with 400 and starts no run", async () => {
      const h = await make();
      const { status } = await sync(h, { mode: "everything" });
      expect(status).toBe(400);
      const [runs] = await h.db.all<{ n: number }>(sql`select count(*) n from sync_runs`);
      expect(runs!.n).toBe(0);
    });
  });

  describe("incremental mode", () => {
    it("with no earlier listing runs as a full sync and says so", async () => {
      const h = await make({ sim: { total: 10 } });
      const { run } = await sync(h, { mode: "incremental" });
      expect(run.mode).toBe("full");
      expect(run.message).toContain("ran as a full sync");
    });

    it("the scheduled handler runs an incremental sync that fetches only what changed", async () => {
      const h = await make({ sim: { total: 300 }, env: { SYNC_PAGE_SIZE: "100" } });
      await sync(h);
      h.simulator.advance({ updates: 3 });
      const outcome = await runScheduledSync(h.engine(), "*/5 * * * *");
      expect(outcome).toMatchObject({
        kind: "finished",
        run: { trigger: "schedule", mode: "incremental", fetched: 3, updated: 3 },
      });
    });

    it("runSync is the same engine the route uses", async () => {
      const h = await make({ sim: { total: 4 } });
      const outcome = await runSync(h.engine(), { trigger: "manual" });
      expect(outcome).toMatchObject({ kind: "finished", run: { status: "success", created: 4 } });
    });
  });
}
