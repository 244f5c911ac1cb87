// What the database-fault tests share: a service on a file that outlives it, a second process holding the
// write lock, and reads through a fresh connection.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@libsql/client";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** A database file in its own directory, kept across service restarts; `remove` deletes it. */
export function databaseFile() {
  const dir = mkdtempSync(join(tmpdir(), "tasksync-faults-"));
  const file = join(dir, "faults.db");
  return { dir, file, url: `file:${file}`, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export type LockHolder = {
  /** Settles when the holder has released the lock and exited. */
  released: Promise<void>;
  /** Ends the holder now (the OS releases its lock with its file handles). */
  stop: () => Promise<void>;
};

/** Starts a second process that holds the file's write lock for `ms`; resolves once it holds it. */
export async function holdWriteLock(file: string, ms: number): Promise<LockHolder> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/e2e/lock-holder.ts", file, String(ms)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stopping = false;
  const released = new Promise<void>((resolve, reject) => {
    child.once("exit", (code) =>
      code === 0 || stopping ? resolve() : reject(new Error(`lock holder exited ${code}`)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("locked")) resolve();
    });
    released.then(() => reject(new Error("lock holder exited before it held the lock")), reject);
  });
  const stop = async () => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await released;
  };
  return { released, stop };
}

/** Rows as a connection opened now sees them: only what was committed. */
export async function committedRows<T>(file: string, query: string): Promise<T[]> {
  const client = createClient({ url: `file:${file}` });
  try {
    return (await client.execute(query)).rows as unknown as T[];
  } finally {
    client.close();
  }
}
