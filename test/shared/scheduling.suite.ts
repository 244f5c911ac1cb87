// Incremental and scheduled syncs (registered by sync-operations.suite.ts, so every runtime runs them): an
// incremental request with nothing to continue, what the cron lists (what changed, or everything once a day), and
// the engine entry points the cron and scripts use.
import { describe, expect, it } from "vitest";
import { runScheduledSync, runSync } from "../../functions/sync/engine";
import { type MakeHarness, manualClock } from "./harness";
import { scheduledRun, sync } from "./sync-checks";

export function schedulingSuite(make: MakeHarness) {
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

    it("a scheduled sync lists everything once the latest complete full listing is SYNC_FULL_EVERY_HOURS old, retrying hourly", async () => {
      const hour = 3_600_000;
      const clock = manualClock("2026-05-01T00:00:00.000Z");
      const h = await make({ clock, sim: { total: 20 }, env: { SYNC_FULL_EVERY_HOURS: "24" } });
      // A full listing that did not complete does not count.
      h.simulator.failNext(["malformed"]);
      expect(await scheduledRun(h)).toMatchObject({ mode: "full", status: "failed" });
      expect(await scheduledRun(h)).toMatchObject({ mode: "full", status: "success" });
      clock.advance(23 * hour);
      expect((await scheduledRun(h)).mode).toBe("incremental");
      clock.advance(hour);
      // Due; when it fails, the ticks of the next hour stay incremental, then it is tried again.
      h.simulator.failNext(["malformed"]);
      expect(await scheduledRun(h)).toMatchObject({ mode: "full", status: "failed" });
      clock.advance(5 * 60_000);
      expect((await scheduledRun(h)).mode).toBe("incremental");
      clock.advance(hour);
      expect(await scheduledRun(h)).toMatchObject({ mode: "full", status: "success" });
      // A manual full sync counts as well: the next full listing is due a day after it.
      clock.advance(12 * hour);
      expect((await sync(h)).run.mode).toBe("full");
      clock.advance(20 * hour);
      expect((await scheduledRun(h)).mode).toBe("incremental");
      clock.advance(4 * hour);
      expect((await scheduledRun(h)).mode).toBe("full");
    });

    it("with SYNC_FULL_EVERY_HOURS=0 scheduled syncs stay incremental after the first listing", async () => {
      const clock = manualClock("2026-05-01T00:00:00.000Z");
      const h = await make({ clock, sim: { total: 5 }, env: { SYNC_FULL_EVERY_HOURS: "0" } });
      const modes: (string | undefined)[] = [];
      for (let i = 0; i < 3; i++) {
        const outcome = await runScheduledSync(h.engine(), "*/5 * * * *");
        modes.push(outcome?.kind === "finished" ? outcome.run.mode : outcome?.kind);
        clock.advance(1000 * 3_600_000);
      }
      expect(modes).toEqual(["full", "incremental", "incremental"]);
    });

    it("runSync is the same engine the route uses", async () => {
      const h = await make({ sim: { total: 4 } });
      const outcome = await runSync(h.engine(), { trigger: "manual" });
      expect(outcome).toMatchObject({ kind: "finished", run: { status: "success", created: 4 } });
    });
  });
}
