// Decides, without I/O, what one upstream page changes: which rows to write, which stored tasks it showed or
// tombstoned, and the counts. Versions are compared for change, never for order: clocks disagree.
import { type NewError, noCounts, type PageCounts } from "../../db/sync-runs";
import type { StoredTask, TaskWrite } from "../../db/task-sync";
import type { FetchedPage, LiveRecord, Tombstone } from "../upstreams/adapter";

/** What a record looked like when last planned in this listing: a repeat equal to it is a duplicate. */
export type SeenVersions = ReadonlyMap<string, string>;

const versionKey = (rec: LiveRecord | Tombstone) =>
  rec.deleted === true
    ? `deleted\u0000${rec.updated_at}`
    : `${rec.updated_at}\u0000${rec.status}\u0000${rec.title}`;

export type PagePlan = {
  writes: TaskWrite[];
  counts: PageCounts;
  errors: NewError[];
  /** Stored tasks the page showed (live or invalid): not absent from this listing. */
  shownTaskIds: number[];
  /** Stored live tasks upstream tombstoned: deletion candidates. */
  tombstonedTaskIds: number[];
  /** Stored tasks listed live: no longer candidates if an earlier page tombstoned them. */
  liveTaskIds: number[];
  /** Versions planned by this page, for spotting repeats on the next. */
  versions: Map<string, string>;
};

/** Where SeenVersions keeps an invalid payload (by its fingerprint), beside the records' ids. */
export const invalidKey = (fingerprint: string) => `invalid:${fingerprint}`;

/**
 * Collapses duplicates (within the page the later copy wins; a repeat of the previous page counts as a duplicate
 * only when it is the same version), then classifies each record against the stored row. Every live or invalid
 * record received lands in exactly one of created/updated/unchanged/skipped/invalid, so `fetched` equals their
 * sum; tombstones are counted when the listing applies them.
 */
export function planPage(args: {
  page: FetchedPage;
  stored: Map<string, StoredTask>;
  previous: SeenVersions;
  runId: number;
  now: string;
  /** One per invalid record, in order: the quarantine keeps one row per distinct payload. */
  fingerprints: string[];
}): PagePlan {
  const { page, stored, previous, runId, now } = args;
  const counts: PageCounts = { ...noCounts(), fetched: page.live.length + page.invalid.length };
  const errors: NewError[] = [];
  const versions = new Map<string, string>();
  const shown = new Set<number>();

  page.invalid.forEach((rec, i) => {
    const fingerprint = args.fingerprints[i]!;
    const key = invalidKey(fingerprint);
    if (versions.has(key) || previous.has(key)) {
      counts.skipped++;
      return;
    }
    versions.set(key, "");
    counts.invalid++;
    errors.push({
      at: now,
      kind: "invalid_record",
      message: `Quarantined invalid record: ${rec.reason}`,
      externalId: rec.externalId,
      rawPayload: rec.raw,
      retryable: false,
      fingerprint,
    });
    const row = rec.externalId === null ? undefined : stored.get(rec.externalId);
    if (row) shown.add(row.id);
  });

  // The later copy of an id in a page wins; every other copy is a duplicate.
  const latest = new Map<string, LiveRecord | Tombstone>();
  for (const rec of [...page.live, ...page.tombstones]) {
    const dropped = latest.get(rec.id);
    if (dropped && dropped.deleted !== true) counts.skipped++;
    latest.set(rec.id, rec);
  }

  const writes: TaskWrite[] = [];
  const tombstoned: number[] = [];
  const live: number[] = [];
  for (const rec of latest.values()) {
    const key = versionKey(rec);
    versions.set(rec.id, key);
    const row = stored.get(rec.id);
    if (previous.get(rec.id) === key) {
      if (rec.deleted !== true) counts.skipped++;
      if (row) shown.add(row.id);
      continue;
    }
    if (rec.deleted === true) {
      if (row && row.deletedAt === null) tombstoned.push(row.id);
      continue;
    }
    if (row) {
      shown.add(row.id);
      live.push(row.id);
    }
    const write: TaskWrite = {
      externalId: rec.id,
      title: rec.title,
      status: rec.status,
      remoteUpdatedAt: rec.updated_at,
      createdAt: now,
      updatedAt: now,
      lastRunId: runId,
      sourceUrl: rec.source_url ?? null,
      seenUserDeletion: null,
    };
    const versionChanged = row !== undefined && row.remoteUpdatedAt !== rec.updated_at;
    if (!row) {
      writes.push(write);
      counts.created++;
    } else if (row.deletedBy === "user") {
      // A user's deletion holds until upstream's version of the task differs from the one stored then.
      if (versionChanged) {
        writes.push({ ...write, seenUserDeletion: row.deletedAt });
        counts.updated++;
      } else {
        counts.skipped++;
      }
    } else if (row.deletedBy === "upstream" || row.title !== rec.title || row.status !== rec.status) {
      writes.push(write);
      counts.updated++;
    } else {
      // Same content: only a new version stamp or link is recorded (the row's updated_at does not move).
      if (versionChanged || row.sourceUrl !== write.sourceUrl) writes.push(write);
      counts.unchanged++;
    }
  }
  return {
    writes,
    counts,
    errors,
    shownTaskIds: [...shown],
    tombstonedTaskIds: tombstoned,
    liveTaskIds: live,
    versions,
  };
}
