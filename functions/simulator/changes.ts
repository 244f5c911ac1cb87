// The simulator's record of changes: the log an incremental listing reads, and the choice of live tasks an advance
// changes. Both are told about the dataset through small callbacks; the dataset itself is in dataset.ts.
import { compareKey } from "./listing";

/** Whether the log's entry (ms, index) is still its task's latest change. */
export type IsCurrent = (index: number, ms: number) => boolean;

/**
 * Every change as (updated_at ms, index), appended in that order (each advance's times are later than all earlier
 * ones), in parallel arrays. An entry is stale once its task changes again.
 */
export class ChangeLog {
  #ms: number[] = [];
  #index: number[] = [];

  append(ms: number, index: number): void {
    this.#ms.push(ms);
    this.#index.push(index);
  }

  /** Appends to `out`, up to `n` in all, the indexes of current entries whose key follows `start`, in log order. */
  readAfter(start: { ms: number; index: number }, n: number, out: number[], isCurrent: IsCurrent): void {
    const ms = this.#ms;
    const index = this.#index;
    let lo = 0;
    let hi = ms.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKey(ms[mid], index[mid], start.ms, start.index) > 0) hi = mid;
      else lo = mid + 1;
    }
    for (let p = lo; p < ms.length && out.length < n; p++) {
      if (isCurrent(index[p], ms[p])) out.push(index[p]);
    }
  }

  /**
   * Drops the stale entries once the log holds more than twice as many as there are changed tasks (each has one
   * current entry), so it stays as large as they are.
   */
  compact(changedTasks: number, isCurrent: IsCurrent): void {
    if (this.#ms.length <= 2 * changedTasks + 1024) return;
    const ms: number[] = [];
    const index: number[] = [];
    for (let p = 0; p < this.#ms.length; p++) {
      if (isCurrent(this.#index[p], this.#ms[p])) {
        ms.push(this.#ms[p]);
        index.push(this.#index[p]);
      }
    }
    this.#ms = ms;
    this.#index = index;
  }
}

/**
 * k distinct live indexes below `count` (of which `live` are live) in random order. Rejection sampling costs O(k)
 * while live tasks are dense and k is at most half of them; otherwise one O(count) pass lists the live indexes
 * for a partial shuffle.
 */
export function sampleLive(
  k: number,
  count: number,
  live: number,
  isDeleted: (index: number) => boolean,
  rng: () => number,
): Int32Array {
  const out = new Int32Array(k);
  if (k === 0) return out;
  if (k * 2 <= live && live * 2 >= count) {
    const chosen = new Set<number>();
    let n = 0;
    while (n < k) {
      const index = Math.floor(rng() * count);
      if (chosen.has(index) || isDeleted(index)) continue;
      chosen.add(index);
      out[n++] = index;
    }
    return out;
  }
  const all = new Int32Array(live);
  let n = 0;
  for (let index = 0; index < count; index++) if (!isDeleted(index)) all[n++] = index;
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (live - i));
    const t = all[i];
    all[i] = all[j];
    all[j] = t;
  }
  out.set(all.subarray(0, k));
  return out;
}
