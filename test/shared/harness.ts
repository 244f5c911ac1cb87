// What a sync test needs, the same on libSQL (Node pool) and D1 (Workers pool): an app, its db, a simulator.
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import type { App } from "../../functions/app";
import { createApp } from "../../functions/app";
import { type Config, parseConfig } from "../../functions/config";
import { createLogger } from "../../functions/logger";
import { type AppDeps, type ResolvedDeps, resolveDeps } from "../../functions/router";
import { type SimConfigPatch, Simulator } from "../../functions/simulator/dataset";
import type { SyncDeps } from "../../functions/sync/engine";
import type { Upstream } from "../../functions/sync/upstream-client";
import { syncDeps } from "../../functions/sync-deps";
import { upstreamFor } from "../../functions/upstream";

export type HarnessOptions = {
  env?: Partial<Record<keyof Config, string>>;
  /** Simulator settings; by default no faults, so each test opts into the ones it exercises. */
  sim?: SimConfigPatch;
  upstream?: Upstream;
  clock?: () => Date;
  afterPage?: AppDeps["afterPage"];
};

export type Harness = {
  app: App;
  config: Config;
  db: Db;
  simulator: Simulator;
  deps: ResolvedDeps;
  /** Every wait the sync asked for (backoff, Retry-After); tests never really sleep. */
  sleeps: number[];
  engine: () => SyncDeps;
};

export type MakeHarness = (options?: HarnessOptions) => Promise<Harness>;

export function buildHarness(db: Db, dbKind: "d1" | "libsql", options: HarnessOptions = {}): Harness {
  const config = parseConfig({
    LOG_LEVEL: (globalThis as { TEST_LOG?: string }).TEST_LOG ?? "silent",
    SYNC_CRON: "*/5 * * * *",
    ...options.env,
  });
  const simulator = new Simulator({ failure_rate: 0, total: 50, ...options.sim });
  const sleeps: number[] = [];
  const deps = resolveDeps({
    config,
    dbKind,
    db: () => db,
    logger: createLogger(config.LOG_LEVEL),
    upstream: options.upstream ?? upstreamFor(config, simulator),
    simulator,
    clock: options.clock,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    afterPage: options.afterPage,
  });
  return { app: createApp(deps), config, db, simulator, deps, sleeps, engine: () => syncDeps(deps, db) };
}

/** Empties every table and frees the lease, for pools that share one database across a file's tests. */
export async function resetDb(db: Db) {
  await db.batch([
    db.run(sql`delete from tasks`),
    db.run(sql`delete from sync_errors`),
    db.run(sql`delete from sync_delete_candidates`),
    db.run(sql`delete from sync_runs`),
    db.run(sql`update sync_lock set holder_run_id = null, lease_expires_at = null`),
  ]);
}

/** A controllable clock: starts at `start`, moves only when told to (plus 1 ms a reading, to keep order). */
export function manualClock(start: string) {
  let now = Date.parse(start);
  const clock = () => new Date(now++);
  return Object.assign(clock, {
    advance(ms: number) {
      now += ms;
    },
  });
}
