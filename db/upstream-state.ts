// Reads and writes the upstream adapters' key/value state (ETags, the last quota); one row per key.
import { eq } from "drizzle-orm";
import type { Db } from "./client";
import { upstreamState } from "./schema";

/** Matches the adapters' UpstreamStateStore structurally (db/ imports nothing from functions/). */
export type StateStore = {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
};

export async function readUpstreamState(db: Db, key: string): Promise<string | null> {
  const rows = await db
    .select({ value: upstreamState.value })
    .from(upstreamState)
    .where(eq(upstreamState.key, key));
  return rows[0]?.value ?? null;
}

export async function writeUpstreamState(db: Db, key: string, value: string, at: string): Promise<void> {
  await db
    .insert(upstreamState)
    .values({ key, value, updatedAt: at })
    .onConflictDoUpdate({ target: upstreamState.key, set: { value, updatedAt: at } });
}

export function upstreamStateStore(db: Db, clock: () => Date): StateStore {
  return {
    get: (key) => readUpstreamState(db, key),
    set: (key, value) => writeUpstreamState(db, key, value, clock().toISOString()),
  };
}
