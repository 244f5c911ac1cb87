// Builds the Db over libSQL (Node, tests, Turso) and applies the migrations in db/migrations.
import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Client, createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import type { Db } from "./client";
import { databaseFault, FAULT_MESSAGES } from "./database-faults";
import { HealingClient } from "./healing-client";
import { probeWrite } from "./health";
import * as schema from "./schema";

export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "migrations");

/** How long a write waits for a lock held by another process before the request answers 503. */
export const DEFAULT_BUSY_WAIT_MS = 5000;
// SQLite's own busy wait blocks Node's event loop, so it stays short; the healing client waits between tries.
const BUSY_TIMEOUT_MS = 100;
const CACHE_KIB = 16 * 1024;

export type LibsqlOptions = {
  authToken?: string;
  busyWaitMs?: number;
  /** Create the file's directory when missing (the default path); a configured path must already exist. */
  createDirectory?: boolean;
  onReplace?: (cause: unknown) => void;
};

export type LibsqlDb = { db: Db; close: () => void; client: Client };

/** A database that cannot be opened, written or migrated at boot: the message names the file and the fix. */
export class DatabaseOpenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DatabaseOpenError";
  }
}

const HINTS: Record<string, string> = {
  busy: "another process holds a lock on it; stop that process or try again",
  full: "free disk space, or raise the volume's size",
  readonly: "make the file, its -wal/-shm files and its directory writable by the user running the service",
  cantopen: "check that the path is right and its directory is writable by the user running the service",
  corrupt: "restore it from a backup, or point DATABASE_URL at a new file",
  ioerr: "check the disk and the volume it is mounted from",
};

function describeOpenFailure(path: string, err: unknown): DatabaseOpenError {
  const kind = databaseFault(err);
  const detail = String((err as Error)?.message ?? err).split("\n")[0];
  const what = kind ? `${FAULT_MESSAGES[kind]} (${detail}); ${HINTS[kind]}` : detail;
  return new DatabaseOpenError(`Cannot use the database ${path}: ${what}.`, { cause: err });
}

function filePath(url: string): string | undefined {
  if (!url.startsWith("file:") || url === "file::memory:") return undefined;
  return resolve(url.slice("file:".length).split("?")[0]!);
}

async function openFileConnection(url: string): Promise<Client> {
  // One connection: every statement runs synchronously inside the client, so a pool adds no parallelism.
  const client = createClient({ url, concurrency: 1 });
  try {
    await client.execute(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // FULL: a commit survives a power cut before the request that made it is answered.
    await client.execute("PRAGMA synchronous = FULL");
    // 16 MiB of page cache (SQLite's default is 2 MiB): the index pages a list or a search walks stay in memory.
    // Over 1,000,000 titles (test/bench/search.ts data, in-process) a search's median went 5.4 -> 3.0 ms with
    // 32 MiB; 16 MiB keeps the service's peak RSS during a 100,000-task sync under 200 MB.
    await client.execute(`PRAGMA cache_size = -${CACHE_KIB}`);
  } catch (err) {
    client.close();
    throw err;
  }
  return client;
}

/** Opens a libSQL file (with the healing client), `:memory:`, or a remote libSQL/Turso URL, and migrates it. */
export async function createLibsqlDb(url: string, options: LibsqlOptions = {}): Promise<LibsqlDb> {
  const path = filePath(url);
  if (!path) {
    const client = createClient({ url, authToken: options.authToken, concurrency: 1 });
    const db = drizzle(client, { schema });
    await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
    return { db: db as unknown as Db, close: () => client.close(), client };
  }
  if (!existsSync(dirname(path))) {
    if (!options.createDirectory) {
      throw new DatabaseOpenError(
        `Cannot use the database ${path}: its directory ${dirname(path)} does not exist; create it, or check that the volume is mounted.`,
      );
    }
    mkdirSync(dirname(path), { recursive: true });
  }
  let client: HealingClient | undefined;
  try {
    const first = await openFileConnection(url);
    client = new HealingClient(first, {
      open: () => openFileConnection(url),
      busyWaitMs: options.busyWaitMs ?? DEFAULT_BUSY_WAIT_MS,
      onReplace: options.onReplace,
    });
    // WAL lets the dashboard read while a sync writes; the mode is stored in the file.
    await client.execute("PRAGMA journal_mode = WAL");
    const db = drizzle(client, { schema });
    await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
    // A file that opens and migrates may still refuse writes (a read-only file with nothing to migrate).
    await probeWrite(db as unknown as Db);
    const opened = client;
    return { db: db as unknown as Db, close: () => opened.close(), client: opened };
  } catch (err) {
    client?.close();
    throw describeOpenFailure(path, err);
  }
}
