// The cheapest statement that proves the database accepts writes, the same on D1 and libSQL.
import { sql } from "drizzle-orm";
import type { Db } from "./client";
import { syncLock } from "./schema";

/**
 * Takes the write lock and changes nothing: SQLite begins a write transaction for any UPDATE, whatever its
 * WHERE, so a locked, read-only or unopenable database fails here, and nothing reaches the WAL or the file.
 */
export async function probeWrite(db: Db): Promise<void> {
  await db.run(sql`update ${syncLock} set id = id where 0`);
}
