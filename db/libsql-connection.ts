// One libSQL connection to a local database file with the service's per-connection settings, and the healing
// client over it: shared by the main thread and the write thread (db/write-thread-worker.ts).
import type { Client } from "@libsql/client";
import { HealingClient } from "./healing-client";
import { createFileClient } from "./libsql-file-client";

// SQLite's own busy wait blocks the thread it runs on, so it stays short; the healing client waits between tries.
const BUSY_TIMEOUT_MS = 100;
/** The page cache of the connection that answers reads. */
export const READ_CACHE_KIB = 16 * 1024;

export type FileClientOptions = {
  /** How long one operation may wait for a lock held by another connection. */
  busyWaitMs: number;
  onReplace?: (cause: unknown) => void;
  cacheKib?: number;
};

export async function openFileConnection(url: string, cacheKib = READ_CACHE_KIB): Promise<Client> {
  // One connection (every statement runs synchronously on it, so a pool adds no parallelism) that keeps its
  // prepared statements: @libsql/client's createClient prepares each statement anew (db/libsql-statements.ts).
  // The settings below are run on it as it opens (a failure closes it and is this call's error).
  return createFileClient({
    url,
    setup: [
      `PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`,
      // FULL: a commit survives a power cut before the request that made it is answered.
      "PRAGMA synchronous = FULL",
      // Reads get 16 MiB of page cache (SQLite's default is 2 MiB): the index pages a list or a search walks stay
      // in memory. Over 1,000,000 titles (test/bench/search.ts data, in-process) a search's median went 5.4 ->
      // 3.0 ms with 32 MiB; 16 MiB (and 8 MiB on the write thread) keeps the service's peak RSS during a
      // 100,000-task sync under 200 MB.
      `PRAGMA cache_size = -${cacheKib}`,
    ],
  });
}

/**
 * A healing client on the file: it opens a connection on its first operation (whose error then says why the file
 * cannot be used), and a new one after each busy error.
 */
export function healingFileClient(url: string, { cacheKib, ...options }: FileClientOptions): HealingClient {
  return new HealingClient(undefined, { open: () => openFileConnection(url, cacheKib), ...options });
}
