// One way to advance a run: slices that stop at their budget and continue from the checkpoint, and that commit
// nothing twice when replayed. Run on libSQL (test/node) and D1 (test/workers).
import { describe, expect, it } from "vitest";
import { getRun } from "../../db/sync-runs";
import { advanceRun } from "../../functions/sync/advance";
import { followRun, startSync } from "../../functions/sync/engine";
import type { MakeHarness } from "./harness";
import { expectMirrors } from "./sync-checks";

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
  });
}
