// One way to advance a run: slices that stop at their budget and continue from the checkpoint, and that commit
// nothing twice when replayed. Run on libSQL (test/node) and D1 (test/workers).
import { describe, expect, it } from "vitest";
import { getRun } from "../../db/sync-runs";
import type { RunView } from "../../functions/routes/sync";
import { advanceRun } from "../../functions/sync/advance";
import { followRun, startSync } from "../../functions/sync/engine";
import { confirmingUpstream, quotaSpent } from "./confirming-upstream";
import { type MakeHarness, PAGE_BY_PAGE } from "./harness";
import { type Rec, rec, scripted } from "./scripted-upstream";
import { expectMirrors, expectRunInvariants, liveRows, sync } from "./sync-checks";

const LOTS = { pages: 1000, statements: 100_000, ms: 60_000 };

export function slicesSuite(make: MakeHarness) {
  describe("slices (issue 10)", () => {
    it("a slice stops at its page budget; the next continues the same listing, which still deletes", async () => {
      const h = await make({ sim: { total: 200 }, env: { SYNC_PAGE_SIZE: "20" } });
      const engine = h.engine();
      const first = await startSync(engine, { trigger: "manual" });
      if (first.kind !== "started") throw new Error(first.kind);
      while (!(await advanceRun(engine, first.run.id, { ...LOTS, pages: 3 })).ended);
      h.simulator.advance({ deletes: 4, updates: 6 });
      const second = await startSync(engine, { trigger: "manual" });
      if (second.kind !== "started") throw new Error(second.kind);
      const slice = await advanceRun(engine, second.run.id, { ...LOTS, pages: 3 });
      expect(slice).toMatchObject({ ended: false, pages: 3 });
      let slices = 1;
      while (!(await advanceRun(engine, second.run.id, { ...LOTS, pages: 3 })).ended) slices++;
      expect(slices).toBe(3); // 10 pages: 3 + 3 + 3 + 1
      const run = (await getRun(h.db, second.run.id))!;
      expect(run).toMatchObject({ status: "success", pages: 10, fetched: 196, updated: 6, deleted: 4 });
      await expectMirrors(h.db, h.simulator);
    });

    it("following a run answers after its in-process driver has ended, not just after its row says so", async () => {
      const h = await make({ sim: { total: 40 }, env: { SYNC_PAGE_SIZE: "20" } });
      const engine = h.engine();
      const started = await startSync(engine, { trigger: "manual" });
      if (started.kind !== "started") throw new Error(started.kind);
      // A driver that still works (logs, stops its heartbeat) after it concluded the run, past the first poll.
      let driverEnded = false;
      const outcome = await followRun(
        engine,
        started.run,
        async (deps, run) => {
          while (!(await advanceRun(deps, run.id, LOTS)).ended);
          await new Promise((r) => setTimeout(r, 250));
          driverEnded = true;
          return { ended: true };
        },
        10_000,
      );
      expect(outcome).toMatchObject({ kind: "finished", run: { status: "success", fetched: 40 } });
      expect(driverEnded).toBe(true);
    });

    it("a statement budget ends the slice before it would be exceeded", async () => {
      const h = await make({ sim: { total: 300 }, env: { SYNC_PAGE_SIZE: "20" } });
      const engine = h.engine();
      const started = await startSync(engine, { trigger: "manual" });
      if (started.kind !== "started") throw new Error(started.kind);
      for (;;) {
        const slice = await advanceRun(engine, started.run.id, { ...LOTS, statements: 45 });
        expect(slice.statements).toBeLessThanOrEqual(45);
        if (slice.ended) break;
      }
      expect((await getRun(h.db, started.run.id))!).toMatchObject({ status: "success", fetched: 300 });
    });

    it("two copies of the same slice (a replayed step) commit each page once", async () => {
      const h = await make({ sim: { total: 120 }, env: { SYNC_PAGE_SIZE: "20" } });
      const engine = h.engine();
      const started = await startSync(engine, { trigger: "manual" });
      if (started.kind !== "started") throw new Error(started.kind);
      const budget = { ...LOTS, pages: 2 };
      const copies = await Promise.all([
        advanceRun(engine, started.run.id, budget),
        advanceRun(engine, started.run.id, budget),
      ]);
      expect(copies.map((c) => c.ended)).toEqual([false, false]);
      while (!(await advanceRun(engine, started.run.id, budget)).ended);
      const run = (await getRun(h.db, started.run.id))!;
      expect(run).toMatchObject({ status: "success", pages: 6, fetched: 120, created: 120 });
      await expectMirrors(h.db, h.simulator);
    });

    it("a task tombstoned in one slice and listed live in a later one (its delete undone mid-listing) stays", async () => {
      let pages: Rec[][] = [[rec("a"), rec("b"), rec("c"), rec("d")]];
      const { upstream } = scripted(() => pages);
      const h = await make({ upstream, env: { SYNC_SLICE_PAGES: "1" } });
      await sync(h);
      // Upstream deletes "a" and undoes it while the incremental listing runs: its tombstone is on the first page,
      // its live copy (newer) on the second, which the next slice reads. The later entry wins.
      pages = [
        [{ ...rec("a", "2026-01-02T00:00:00.000Z"), deleted: true }, rec("b", "2026-01-02T00:00:01.000Z")],
        [rec("a", "2026-01-03T00:00:00.000Z")],
      ];
      const { run } = await sync(h, { mode: "incremental" });
      expect(run).toMatchObject({ status: "success", pages: 2, counts: { deleted: 0 } });
      expect((await liveRows(h.db)).map((r) => r.external_id)).toEqual(["a", "b", "c", "d"]);
      await expectRunInvariants(h.db, run);
    });

    it("a rate limit met while confirming deletions is waited out without listing everything again", async () => {
      // A page-number upstream confirms absent tasks one by one; the first confirmation is rate-limited for a
      // minute, which a Workflow sleeps through (maxWaitMs) before the run's next slice.
      let limited = true;
      const { sim, upstream } = confirmingUpstream(60, async (ids, inner, ctx) => {
        if (!limited) return inner(ids);
        limited = false;
        throw quotaSpent(ctx);
      });
      const { h, engine, started } = await startAfterDeletes(make, sim, upstream);
      const waiting = await advanceRun(engine, started.run.id, LOTS, { maxWaitMs: 3_600_000 });
      expect(waiting).toMatchObject({ ended: false, pages: 3 });
      expect(waiting.waitUntil).not.toBeNull();
      // While the Workflow sleeps, the run says which request waits and when it is tried again.
      const asleep = (await (await h.app.request(`/api/sync/runs/${started.run.id}`)).json()) as RunView;
      expect(asleep).toMatchObject({ status: "running", next_allowed_at: waiting.waitUntil });
      expect(asleep.progress?.retrying).toMatchObject({
        page: null,
        attempt: 2,
        kind: "rate_limited",
        next_attempt_at: waiting.waitUntil,
      });
      const listed = sim.stats.requests;
      expect(await advanceRun(engine, started.run.id, LOTS, { maxWaitMs: 3_600_000 })).toMatchObject({
        ended: true,
      });
      // After the wait only the confirmations are asked: the listing was complete.
      expect(sim.stats.requests).toBe(listed);
      const run = (await getRun(h.db, started.run.id))!;
      expect(run).toMatchObject({ status: "success", pages: 3, fetched: 57, deleted: 3 });
    });

    it("a page a Workflow waits for shows as the retry in progress, cleared once the next slice gets it", async () => {
      const h = await make({
        sim: { total: 120, retry_after_s: 600, fail_next: ["rate_limit"] },
        env: { ...PAGE_BY_PAGE, SYNC_PAGE_SIZE: "50" },
      });
      const engine = h.engine();
      const started = await startSync(engine, { trigger: "manual" });
      if (started.kind !== "started") throw new Error(started.kind);
      const progress = async () =>
        ((await (await h.app.request(`/api/sync/runs/${started.run.id}`)).json()) as RunView).progress;
      const waiting = await advanceRun(engine, started.run.id, LOTS, { maxWaitMs: 3_600_000 });
      expect(waiting).toMatchObject({ ended: false, pages: 0 });
      expect((await progress())?.retrying).toMatchObject({
        page: 1,
        attempt: 2,
        kind: "rate_limited",
        next_attempt_at: waiting.waitUntil,
      });
      const next = await advanceRun(engine, started.run.id, { ...LOTS, pages: 1 }, { maxWaitMs: 3_600_000 });
      expect(next).toMatchObject({ ended: false, pages: 1 });
      expect(await progress()).toMatchObject({ pages: 1, retrying: null });
    });

    it("confirmations a rate limit cuts short are kept across the wait: the next slice asks only the rest", async () => {
      // Each window holds one confirmation: upstream answers the first task asked about, then defers the rest.
      const asked: string[] = [];
      const { sim, upstream } = confirmingUpstream(60, async (ids, inner, ctx) => {
        const answer = await inner(ids.slice(0, 1));
        asked.push(ids[0]!);
        if (ids.length === 1) return answer;
        throw quotaSpent(ctx, { ...answer, answered: ids.slice(0, 1) });
      });
      const { h, engine, started } = await startAfterDeletes(make, sim, upstream);
      const slices = [];
      for (let n = 0; n < 6 && !slices.at(-1)?.ended; n++)
        slices.push(await advanceRun(engine, started.run.id, LOTS, { maxWaitMs: 3_600_000 }));
      expect(slices.map((s) => s.ended)).toEqual([false, false, true]);
      expect(asked).toHaveLength(3);
      expect(new Set(asked).size).toBe(3);
      const run = (await getRun(h.db, started.run.id))!;
      expect(run).toMatchObject({ status: "success", pages: 3, fetched: 57, deleted: 3, attempts: 3 + 3 });
    });

    it("an invalid record repeated on the page after a slice boundary is quarantined and counted once", async () => {
      const bad = { id: "x", title: "", status: "todo", updated_at: "2026-01-01T00:00:00.000Z" };
      // A page boundary shifted by one (an insert upstream): the invalid record ends one page and starts the next.
      const { upstream } = scripted([
        [rec("a"), bad as Rec],
        [bad as Rec, rec("b")],
      ]);
      const h = await make({ upstream, env: { SYNC_SLICE_PAGES: "1" } });
      const { run } = await sync(h);
      expect(run).toMatchObject({ status: "partial", counts: { fetched: 4, invalid: 1, skipped: 1 } });
      await expectRunInvariants(h.db, run);
    });
  });
}

/** Syncs the page-numbered simulator in pages of 20, deletes 3 of its tasks upstream, and starts (but does not drive) a full sync. */
async function startAfterDeletes(
  make: MakeHarness,
  sim: ReturnType<typeof confirmingUpstream>["sim"],
  upstream: ReturnType<typeof confirmingUpstream>["upstream"],
) {
  const h = await make({ upstream, env: { SYNC_PAGE_SIZE: "20" } });
  const engine = h.engine();
  await sync(h);
  sim.advance({ deletes: 3 });
  const started = await startSync(engine, { trigger: "manual" });
  if (started.kind !== "started") throw new Error(started.kind);
  return { h, engine, started };
}
