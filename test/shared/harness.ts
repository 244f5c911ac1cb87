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
import { syncDeps } from "../../functions/sync-deps";
import { retryPolicy, type UpstreamFactory, upstreamFromConfig } from "../../functions/upstreams";
import { httpContractAdapter, type UpstreamFetch } from "../../functions/upstreams/http-contract";

export type HarnessOptions = {
  env?: Partial<Record<keyof Config, string>>;
  /** Simulator settings; by default no faults, so each test opts into the ones it exercises. */
  sim?: SimConfigPatch;
  /** Another upstream than the simulator (see httpUpstream). */
  upstream?: (config: Config) => UpstreamFactory;
  clock?: () => Date;
  /** Every wait the sync asks for, after it is recorded in `sleeps`; by default none really waits. */
  sleep?: (ms: number) => Promise<void>;
  afterPage?: AppDeps["afterPage"];
};

/**
 * Every page committed alone, the next requested only after it: for tests that act between two pages (a crash,
 * a fault armed for the next request, another process taking the lease). By default a commit gathers pages
 * and the next page is requested while the current one is written.
 */
export const PAGE_BY_PAGE = { SYNC_COMMIT_RECORDS: "1", SYNC_READ_AHEAD: "false" } as const;

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
  const simulator = new Simulator({ failure_rate: 0, total: 50, ...options.sim }, { clock: options.clock });
  const sleeps: number[] = [];
  const deps = resolveDeps({
    config,
    dbKind,
    db: () => db,
    logger: createLogger(config.LOG_LEVEL),
    upstream: options.upstream?.(config) ?? upstreamFromConfig(config, simulator),
    simulator,
    clock: options.clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      await options.sleep?.(ms);
    },
    afterPage: options.afterPage,
  });
  return { app: createApp(deps), config, db, simulator, deps, sleeps, engine: () => syncDeps(deps, db) };
}

/** An upstream speaking the HTTP contract at `baseUrl` through `fetch` (a real server, or a scripted one). */
export function httpUpstream(baseUrl: string, fetch: UpstreamFetch) {
  return (config: Config): UpstreamFactory =>
    (ctx) =>
      httpContractAdapter({
        baseUrl,
        fetch,
        maxPageBytes: config.UPSTREAM_MAX_PAGE_BYTES,
        retry: { policy: retryPolicy(config), clock: ctx.clock, sleep: ctx.sleep },
      });
}

/** Empties every table and frees the lease, for pools that share one database across a file's tests. */
export async function resetDb(db: Db) {
  await db.batch([
    db.run(sql`delete from tasks`),
    db.run(sql`delete from sync_errors`),
    db.run(sql`delete from sync_delete_candidates`),
    db.run(sql`delete from sync_seen`),
    db.run(sql`delete from upstream_state`),
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
