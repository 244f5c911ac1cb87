// What the sync suites check after a run, on either runtime: the stored rows against upstream's snapshot, a run's
// own bookkeeping, and a sync triggered through the API.
import { sql } from "drizzle-orm";
import { expect } from "vitest";
import type { Db } from "../../db/client";
import type { RunView } from "../../functions/routes/sync";
import type { Simulator } from "../../functions/simulator/dataset";
import { runScheduledSync } from "../../functions/sync/engine";
import type { Harness } from "./harness";

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

/** A cron tick's run, driven to its end (a tick that starts none fails the test). */
export async function scheduledRun(h: Harness) {
  const outcome = await runScheduledSync(h.engine(), "*/5 * * * *");
  if (outcome?.kind !== "finished") throw new Error(`scheduled run did not finish: ${outcome?.kind}`);
  return outcome.run;
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
