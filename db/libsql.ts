// Builds the Db over libSQL (Node, tests, Turso) and applies the migrations in db/migrations.
import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Client, createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import type { Db } from "./client";
import { databaseFault, FAULT_MESSAGES } from "./database-faults";
import { probeWrite } from "./health";
import { healingFileClient } from "./libsql-connection";
import { PROJECT_ROOT } from "./project-root";
import * as schema from "./schema";
import { ThreadedClient } from "./write-thread";

export const MIGRATIONS_DIR = fileURLToPath(new URL("db/migrations", PROJECT_ROOT));

/** How long a write waits for a lock held by another process before the request answers 503. */
export const DEFAULT_BUSY_WAIT_MS = 5000;

export type LibsqlOptions = {
  authToken?: string;
  busyWaitMs?: number;
  /** Create the file's directory when missing (the default path); a configured path must already exist. */
  createDirectory?: boolean;
  onReplace?: (cause: unknown) => void;
  /** Batches run on a write thread with their own connection (file databases; the default). */
  writeThread?: boolean;
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

/**
 * Applies the pending migrations. drizzle's migrator reads which ones are applied before its batch takes the write
 * lock, so a second process booting on the same database at the same moment applies the same ones again once the
 * first has committed them, and fails ("table … already exists"): reading again finds nothing left to apply. A
 * real failure (read-only, full, corrupt) fails the second attempt the same way.
 */
async function migrateShared(db: Parameters<typeof migrate>[0]): Promise<void> {
  try {
    await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  } catch {
    await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  }
}

/** Opens a libSQL file (with the healing client), `:memory:`, or a remote libSQL/Turso URL, and migrates it. */
export async function createLibsqlDb(url: string, options: LibsqlOptions = {}): Promise<LibsqlDb> {
  const path = filePath(url);
  if (!path) {
    const client = createClient({ url, authToken: options.authToken, concurrency: 1 });
    const db = drizzle(client, { schema });
    await migrateShared(db);
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
  const busyWaitMs = options.busyWaitMs ?? DEFAULT_BUSY_WAIT_MS;
  let client: Client | undefined;
  try {
    const main = healingFileClient(url, { busyWaitMs, onReplace: options.onReplace });
    client = main;
    // WAL lets the dashboard read while a sync writes; the mode is stored in the file.
    await main.execute("PRAGMA journal_mode = WAL");
    const db = drizzle(main, { schema });
    await migrateShared(db);
    // A file that opens and migrates may still refuse writes (a read-only file with nothing to migrate).
    await probeWrite(db as unknown as Db);
    if (options.writeThread === false)
      return { db: db as unknown as Db, close: () => main.close(), client: main };
    const threaded = new ThreadedClient(main, { url, busyWaitMs }, options.onReplace);
    client = threaded;
    await threaded.open();
    return {
      db: drizzle(threaded, { schema }) as unknown as Db,
      close: () => threaded.close(),
      client: threaded,
    };
  } catch (err) {
    client?.close();
    throw describeOpenFailure(path, err);
  }
}
