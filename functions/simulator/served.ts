// How the dataset serves a task at its current version: its content, its time, whether it is served broken.
// Task i of the base dataset is a pure function of (seed, i); an advance records the tasks it touched in an
// overlay (dataset.ts), which these functions read and never change.
import {
  type Content,
  hash,
  INVALID_KINDS,
  type InvalidKind,
  originalContent,
  SALT,
  type ServedFields,
  seed32,
  servedFields,
  type TaskStatus,
  taskId,
  unit,
} from "./content";
import type { SimSettings } from "./settings";

export const BASE_TIME_MS = Date.UTC(2026, 0, 1);
/** Where future-dated records are put. */
export const FUTURE_TIME_MS = Date.UTC(2099, 0, 1);

/** A record as served: a task's fields (`unknown`, as invalid ones are served on purpose), or a tombstone. */
export type UpstreamRecord = ServedFields & { deleted?: boolean };

/** A task's content once it has been touched by an advance (or created by one). */
export type Overlay = Content & { ms: number; rev: number; deleted: boolean };

/** What serving reads: the settings, and the tasks advances have touched, by index. */
export type ServedData = { settings: SimSettings; overlay: ReadonlyMap<number, Overlay> };

export function contentOf(overlay: ReadonlyMap<number, Overlay>, seed: number, index: number): Content {
  const o = overlay.get(index);
  return o ? { title: o.title, status: o.status } : originalContent(seed, index);
}

/** A task's upstream time: its latest change's, or its base time (BASE_TIME_MS + index seconds). */
export function msOf(overlay: ReadonlyMap<number, Overlay>, index: number): number {
  return overlay.get(index)?.ms ?? BASE_TIME_MS + index * 1000;
}

/** The `updated_at` served for a task's current version: its real time, or 2099 if it is future-dated. */
export function servedTime({ settings, overlay }: ServedData, seed: number, index: number): string {
  const rate = settings.future_rate;
  const rev = overlay.get(index)?.rev ?? 0;
  if (rate > 0 && unit(hash(seed, index, rev, SALT.future)) < rate)
    return new Date(FUTURE_TIME_MS + index * 1000).toISOString();
  return new Date(msOf(overlay, index)).toISOString();
}

/** Which way (if any) the current version of a task is served broken: fixed until the task changes. */
export function invalidKind(
  settings: SimSettings,
  seed: number,
  index: number,
  rev: number,
): InvalidKind | undefined {
  const r = settings.invalid_rate;
  if (r === 0 || unit(hash(seed, index, rev, SALT.invalid)) >= r) return undefined;
  return INVALID_KINDS[hash(seed, index, rev, SALT.invalidKind) % INVALID_KINDS.length];
}

export function servedId(settings: SimSettings, index: number): string {
  return taskId(index, settings.id_style, settings.seed);
}

/** Task `index` as upstream serves it now: a tombstone, its fields, or its fields broken (see invalidKind). */
export function serveTask(data: ServedData, index: number): UpstreamRecord {
  const seed = seed32(data.settings.seed);
  const o = data.overlay.get(index);
  const id = servedId(data.settings, index);
  // Tombstones are never broken: a quarantined tombstone would leave a deleted task alive forever.
  if (o?.deleted) return { id, updated_at: new Date(o.ms).toISOString(), deleted: true };
  const kind = invalidKind(data.settings, seed, index, o?.rev ?? 0);
  return servedFields(kind, id, o ?? originalContent(seed, index), servedTime(data, seed, index));
}

export type SnapshotTask = { id: string; title: string; status: TaskStatus; updated_at: string };

/**
 * The live tasks among the first `count` indexes, in index order, each with how its current version is served
 * broken, if it is (see invalidKind).
 */
function* liveVersions(data: ServedData, count: number) {
  const seed = seed32(data.settings.seed);
  for (let index = 0; index < count; index++) {
    const o = data.overlay.get(index);
    if (o?.deleted) continue;
    yield { index, seed, kind: invalidKind(data.settings, seed, index, o?.rev ?? 0) };
  }
}

/** The live tasks among the first `count` indexes, in index order, without those served invalid. */
export function* liveSnapshot(data: ServedData, count: number): Generator<SnapshotTask> {
  for (const { index, seed, kind } of liveVersions(data, count)) {
    if (kind !== undefined) continue;
    const c = contentOf(data.overlay, seed, index);
    const id = servedId(data.settings, index);
    yield { id, title: c.title, status: c.status, updated_at: servedTime(data, seed, index) };
  }
}

/** Ids of the live tasks among the first `count` indexes whose current version is served invalid. */
export function invalidLiveIds(data: ServedData, count: number): string[] {
  if (data.settings.invalid_rate === 0) return [];
  const out: string[] = [];
  for (const { index, kind } of liveVersions(data, count))
    if (kind !== undefined) out.push(servedId(data.settings, index));
  return out;
}
