// The sync contract, written once and run on libSQL (test/node) and on D1 in the Workers runtime (test/workers):
// the legacy service's defects here, faults, the status routes and incremental mode in sync-operations.suite.ts.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { acquireLease } from "../../db/lease";
import type { RunView } from "../../functions/routes/sync";
import { runScheduledSync } from "../../functions/sync/engine";
import { httpUpstream, type MakeHarness, manualClock, PAGE_BY_PAGE } from "./harness";
import { dataDigest, expectMirrors, expectRunInvariants, liveRows, sync, taskRows } from "./sync-checks";
import { syncOperationsSuite } from "./sync-operations.suite";

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

  syncOperationsSuite(make);
}
