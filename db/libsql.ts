// Builds the Db over libSQL (Node, tests, Turso) and applies the migrations in db/migrations.
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import type { Db } from "./client";
import * as schema from "./schema";

export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "migrations");

export async function createLibsqlDb(
  url: string,
  authToken?: string,
): Promise<{ db: Db; close: () => void }> {
  if (url.startsWith("file:") && url !== "file::memory:") {
    mkdirSync(dirname(resolve(url.slice("file:".length))), { recursive: true });
  }
  // One connection for a local file: the pragmas below are per connection, and every statement runs
  // synchronously inside the client anyway, so a pool would add no parallelism.
  const client = createClient({ url, authToken, concurrency: 1 });
  if (url.startsWith("file:") || url === ":memory:") {
    // WAL lets the dashboard read while a sync writes; NORMAL sync is durable enough with WAL.
    await client.execute("PRAGMA journal_mode = WAL");
    await client.execute("PRAGMA synchronous = NORMAL");
    await client.execute("PRAGMA busy_timeout = 5000");
  }
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  return { db: db as unknown as Db, close: () => client.close() };
}
