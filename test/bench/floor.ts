// The sync's floor: the same rows a full sync writes, upserted into a bare table on a fresh file, timed alone.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type InArgs } from "@libsql/client";
import { Simulator } from "../../functions/simulator/dataset";

/** Each upstream page as the values the sync writes per row, built before the clock starts. */
export function upstreamRows(total: number, pageSize: number): string[][][] {
  const sim = new Simulator({ total, failure_rate: 0, seed: 7 });
  const pages: string[][][] = [];
  let cursor: string | undefined;
  do {
    const page = sim.listPage({ limit: pageSize, cursor });
    pages.push(
      page.data.map((r) => {
        return [r.id, r.title as string, r.status as string, r.updated_at as string];
      }),
    );
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return pages;
}

// The service's columns, none of its secondary indexes, triggers or checks.
const BARE_TABLE = `create table tasks (id integer primary key, external_id text not null unique, title text not null,
  status text not null, remote_updated_at text not null, created_at text not null, updated_at text not null,
  last_run_id integer, deleted_at text, deleted_by text, source_url text)`;

/**
 * Seconds to upsert `pages` into a table with an integer primary key and a unique external_id only: one multi-row
 * upsert and one transaction per page, WAL, and the service's durability (synchronous=FULL, see db/libsql.ts).
 */
export async function floorSeconds(pages: string[][][]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "tasksync-floor-"));
  const client = createClient({ url: `file:${join(dir, "floor.db")}`, concurrency: 1 });
  try {
    await client.execute("PRAGMA journal_mode = WAL");
    await client.execute("PRAGMA synchronous = FULL");
    await client.execute(BARE_TABLE);
    const now = new Date().toISOString();
    const started = performance.now();
    for (const rows of pages) {
      const values = rows.map(() => "(?, ?, ?, ?, ?, ?, 1)").join(", ");
      await client.batch(
        [
          {
            sql: `insert into tasks (external_id, title, status, remote_updated_at, created_at, updated_at,
              last_run_id) values ${values} on conflict (external_id) do update set
              title = excluded.title, status = excluded.status, remote_updated_at = excluded.remote_updated_at,
              updated_at = excluded.updated_at,
              last_run_id = excluded.last_run_id, deleted_at = null, deleted_by = null`,
            args: rows.flatMap((r) => [...r, now, now]) as InArgs,
          },
        ],
        "write",
      );
    }
    return (performance.now() - started) / 1000;
  } finally {
    client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
