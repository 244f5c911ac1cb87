// Decides, without I/O, what one upstream page changes: which rows to write, which to soft-delete, the counts.
import type { NewError, PageCounts } from "../../db/sync-runs";
import type { StoredTask, TaskWrite } from "../../db/task-sync";
import type { LiveRecord, Page, Tombstone } from "./upstream-client";

/** cyrb53: a fast 53-bit string hash, the same on every runtime; content = what a user sees (title, status). */
export function contentHash(title: string, status: string): string {
  const str = `${title}\u0000${status}`;
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, "0");
}

/**
 * Orders ids as SQLite's BINARY collation does (UTF-8 bytes, i.e. code points), which the absence merge's
 * range queries use; JS's `<` and default sort compare UTF-16 units and differ past U+FFFF.
 */
export function compareIds(a: string, b: string): number {
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(j)!;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

export type PagePlan = {
  writes: TaskWrite[];
  deleteIds: number[];
  counts: PageCounts;
  errors: NewError[];
  /** External ids this page vouches for (live, tombstoned or invalid), for the absence merge. */
  ids: string[];
  maxUpdatedAt: string | null;
};

/**
 * Collapses duplicates (within the page, and repeats of the previous page), then classifies each record against
 * the stored row. Every live or invalid record received lands in exactly one of created/updated/unchanged/
 * skipped/invalid, so `fetched` always equals their sum; tombstones count only in `deleted`.
 */
export function planPage(args: {
  page: Page;
  stored: Map<string, StoredTask>;
  previousPageIds: ReadonlySet<string>;
  runId: number;
  now: string;
}): PagePlan {
  const { page, stored, previousPageIds, runId, now } = args;
  const counts: PageCounts = {
    fetched: page.live.length + page.invalid.length,
    created: 0,
    updated: 0,
    unchanged: 0,
    deleted: 0,
    skipped: 0,
    invalid: page.invalid.length,
  };
  const errors: NewError[] = page.invalid.map((rec) => ({
    at: now,
    kind: "invalid_record",
    message: `Quarantined invalid record: ${rec.reason}`,
    externalId: rec.externalId,
    rawPayload: rec.raw,
    retryable: false,
  }));

  // The newest version of each id wins; every other copy is a duplicate and is skipped.
  const latest = new Map<string, LiveRecord | Tombstone>();
  for (const rec of [...page.live, ...page.tombstones]) {
    const isLive = rec.deleted !== true;
    if (previousPageIds.has(rec.id)) {
      if (isLive) counts.skipped++;
      continue;
    }
    const seen = latest.get(rec.id);
    if (!seen) {
      latest.set(rec.id, rec);
      continue;
    }
    const keepNew = rec.updated_at > seen.updated_at;
    const dropped = keepNew ? seen : rec;
    if (dropped.deleted !== true) counts.skipped++;
    if (keepNew) latest.set(rec.id, rec);
  }

  const writes: TaskWrite[] = [];
  const deleteIds: number[] = [];
  let maxUpdatedAt: string | null = null;
  for (const rec of latest.values()) {
    if (maxUpdatedAt === null || rec.updated_at > maxUpdatedAt) maxUpdatedAt = rec.updated_at;
    const row = stored.get(rec.id);
    if (rec.deleted === true) {
      if (row && row.deletedAt === null) {
        deleteIds.push(row.id);
        counts.deleted++;
      }
      continue;
    }
    const hash = contentHash(rec.title, rec.status);
    const write: TaskWrite = {
      externalId: rec.id,
      title: rec.title,
      status: rec.status,
      remoteUpdatedAt: rec.updated_at,
      contentHash: hash,
      createdAt: now,
      updatedAt: now,
      lastRunId: runId,
    };
    if (!row) {
      writes.push(write);
      counts.created++;
    } else if (row.deletedBy === "user") {
      // A user's deletion holds until upstream changes the task after it.
      if (row.deletedAt !== null && rec.updated_at > row.deletedAt) {
        writes.push(write);
        counts.updated++;
      } else {
        counts.skipped++;
      }
    } else if (row.deletedBy === "upstream" || row.contentHash !== hash) {
      writes.push(write);
      counts.updated++;
    } else {
      counts.unchanged++;
    }
  }

  const ids = [...latest.keys()];
  for (const rec of page.invalid) if (rec.externalId) ids.push(rec.externalId);
  return { writes, deleteIds, counts, errors, ids, maxUpdatedAt };
}
