// Builds the app over a fresh in-memory libSQL database with the real migrations, for one test.
import type { Db } from "../../db/client";
import { createLibsqlDb } from "../../db/libsql";
import { createApp } from "../../functions/app";
import { type Config, parseConfig } from "../../functions/config";
import { createLogger } from "../../functions/logger";

export async function createTestDb(): Promise<Db> {
  const { db } = await createLibsqlDb(":memory:");
  return db;
}

export async function createTestApp(overrides: Partial<Record<keyof Config, string>> = {}) {
  const db = await createTestDb();
  const config = parseConfig({ LOG_LEVEL: "silent", ...overrides });
  const app = createApp({ config, dbKind: "libsql", db: () => db, logger: createLogger("silent") });
  return { app, db, config };
}
