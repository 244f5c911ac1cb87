// Builds the app over a fresh in-memory libSQL database with the real migrations, for one test.
import type { Db } from "../../db/client";
import { createLibsqlDb } from "../../db/libsql";
import { createApp } from "../../functions/app";
import { type Config, parseConfig } from "../../functions/config";
import { createLogger } from "../../functions/logger";
import { type AppDeps, resolveDeps } from "../../functions/router";
import { type SimConfigPatch, Simulator } from "../../functions/simulator/dataset";
import { upstreamFor } from "../../functions/sync/upstream";
import type { Upstream } from "../../functions/sync/upstream-client";
import { syncDeps } from "../../functions/sync-deps";

export async function createTestDb(): Promise<Db> {
  const { db } = await createLibsqlDb(":memory:");
  return db;
}

export type TestAppOptions = {
  env?: Partial<Record<keyof Config, string>>;
  /** Simulator settings; by default no faults, so a test opts into each one it exercises. */
  sim?: SimConfigPatch;
  upstream?: Upstream;
  clock?: () => Date;
  afterPage?: AppDeps["afterPage"];
};

/** The app over a fresh database and its own simulator; sleeps are instant so retries cost no wall time. */
export async function createTestApp(options: TestAppOptions = {}) {
  const db = await createTestDb();
  const config = parseConfig({ LOG_LEVEL: "silent", ...options.env });
  const simulator = new Simulator({ failure_rate: 0, total: 50, ...options.sim });
  const sleeps: number[] = [];
  const deps = resolveDeps({
    config,
    dbKind: "libsql",
    db: () => db,
    logger: createLogger(process.env.TEST_LOG === "1" ? "debug" : "silent"),
    upstream: options.upstream ?? upstreamFor(config, simulator),
    simulator,
    clock: options.clock,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    afterPage: options.afterPage,
  });
  const app = createApp(deps);
  return { app, db, config, simulator, deps, sleeps, engine: () => syncDeps(deps, db) };
}
