// Run retention runs when every run ends, and the scheduler's question before every scheduled run, on a history as
// long as SYNC_RUN_RETENTION_DAYS allows (a run a minute keeps ~130,000): their plans, pinned, seek indexes and
// never read or sort the whole history (on D1 each row read is billed).
import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { expiredRunStatements, fullListingTimesQuery } from "../../db/sync-runs";
import { createTestDb } from "./support";

it("retention seeks the finished runs' index and walks the status index back from the newest run", async () => {
  const db = await createTestDb();
  const [errors, runs] = expiredRunStatements(db, "2026-01-01T00:00:00.000Z").map((statement) =>
    db.all<{ detail: string }>(sql`explain query plan ${statement.getSQL()}`),
  );
  const details = async (plan: Promise<{ detail: string }[]> | undefined) =>
    (await plan!).map((step) => step.detail);
  const subqueries = [
    "SEARCH sync_runs USING COVERING INDEX sync_runs_finished_idx (finished_at<?)",
    "SEARCH sync_runs USING COVERING INDEX sync_runs_status_idx (status=?)",
  ];
  for (const [plan, target] of [
    [errors, "SEARCH sync_errors USING COVERING INDEX sync_errors_run_idx (run_id=?)"],
    [runs, "SEARCH sync_runs USING INTEGER PRIMARY KEY (rowid=?)"],
  ] as const) {
    const steps = await details(plan);
    expect(steps).toContain(target);
    for (const step of subqueries) expect(steps).toContain(step);
    expect(steps.filter((s) => /^SCAN|TEMP B-TREE/.test(s))).toEqual([]);
  }
});

it("the latest full listings are read from the partial index of full listings, newest first", async () => {
  const db = await createTestDb();
  const plan = await db.all<{ detail: string }>(sql`explain query plan ${fullListingTimesQuery}`);
  const steps = plan.map((step) => step.detail);
  expect(steps.filter((s) => s.startsWith("SCAN sync_runs"))).toEqual([
    "SCAN sync_runs USING INDEX sync_runs_full_idx",
    "SCAN sync_runs USING INDEX sync_runs_full_idx",
  ]);
  expect(steps.filter((s) => /TEMP B-TREE/.test(s))).toEqual([]);
});
