// The upstream simulator: a seeded, versioned task dataset computed on demand. Its behaviour can be made as
// hostile as real upstreams are: ids in any order, a skewed clock, data changing mid-listing, future dates,
// misbehaving cursors, page-number pagination, plus failures, rate limits, invalid records and duplicates.
// The class holds the state; the parts that need none are beside it: task content (content.ts), listing positions
// (listing.ts), the change log and sampling (changes.ts), and the faults one request can draw (faults.ts).
import { ChangeLog, sampleLive } from "./changes";
import {
  type Content,
  changedContent,
  hash,
  INVALID_KINDS,
  type InvalidKind,
  originalContent,
  prng,
  SALT,
  type ServedFields,
  seed32,
  servedFields,
  type TaskStatus,
  taskId,
  taskIndex,
  unit,
} from "./content";
import {
  addDuplicates,
  countOutcome,
  drawFaults,
  failureResponse,
  listQueryOf,
  truncatedResponse,
} from "./faults";
import { emptyStats, errorResponse, jsonResponse, waitOrAbort } from "./http";
import { encodeCursor, type ListPlan, type ListQuery, type Position, planListing } from "./listing";
import {
  type AdvanceRequest,
  advanceSchema,
  DEFAULT_SIM_SETTINGS,
  FAILURE_KINDS,
  MAX_TASK_COUNT,
  MAX_TOTAL,
  mergeSettings,
  parseInput,
  type ScriptedFault,
  type SimConfigPatch,
  type SimSettings,
  SimulatorInputError,
  simConfigPatchSchema,
} from "./settings";

export { OVERSIZED_TITLE_LENGTH, TASK_STATUSES, type TaskStatus, taskId, taskIndex } from "./content";
export { parseIsoTime } from "./listing";
export * from "./settings";

/** A record as served: a task's fields (`unknown`, as invalid ones are served on purpose), or a tombstone. */
export type UpstreamRecord = ServedFields & { deleted?: boolean };

export type UpstreamPage = { data: UpstreamRecord[]; next_cursor: string | null };
export type SnapshotTask = { id: string; title: string; status: TaskStatus; updated_at: string };
export type AdvanceResult = { version: number; updated: number; created: number; deleted: number };
export type SimStats = {
  requests: number;
  ok: number;
  bad_request: number;
  http_500: number;
  http_503: number;
  timeout: number;
  malformed: number;
  rate_limited: number;
};
/** What GET/PUT /simulator/config answer: the settings, flat, plus the dataset's state. */
export type SimulatorState = SimSettings & {
  version: number;
  live_count: number;
  fail_next: ScriptedFault[];
  stats: SimStats;
};

export const BASE_TIME_MS = Date.UTC(2026, 0, 1);
/** Every change is stamped after this; every base time is earlier. */
export const CHANGE_EPOCH_MS = BASE_TIME_MS + MAX_TOTAL * 1000;
/** Where future-dated records are put. */
export const FUTURE_TIME_MS = Date.UTC(2099, 0, 1);

/** A task's content once it has been touched by an advance (or created by one). */
type Overlay = Content & { ms: number; rev: number; deleted: boolean };

export type SimulatorOptions = { clock?: () => Date };

/**
 * A versioned upstream. Task i of the base dataset is a pure function of (seed, i); an advance records only
 * the tasks it touches in an overlay, plus an append-only change log ordered by (updated_at, index) for
 * incremental listings. All state lives on the instance (no module state), as Workers isolates require.
 */
export class Simulator {
  #settings: SimSettings;
  #clock: () => Date;
  #version = 0;
  /** Number of indexes ever issued: the base total plus every create. */
  #count = 0;
  #deleted = 0;
  #lastChangeMs = CHANGE_EPOCH_MS;
  #overlay = new Map<number, Overlay>();
  #log = new ChangeLog();
  #failNext: ScriptedFault[] = [];
  #stats = emptyStats();
  // Whether a task is deleted, and whether a log entry is its task's latest change: arrows, as they are also
  // handed to sampleLive and to the log.
  #isDeleted = (index: number): boolean => this.#overlay.get(index)?.deleted === true;
  #isCurrent = (index: number, ms: number): boolean => this.#overlay.get(index)?.ms === ms;

  constructor(settings: SimConfigPatch = {}, options: SimulatorOptions = {}) {
    const { fail_next, ...patch } = parseInput(simConfigPatchSchema, settings, "simulator settings");
    this.#settings = mergeSettings({ ...DEFAULT_SIM_SETTINGS, failure_kinds: [...FAILURE_KINDS] }, patch);
    this.#clock = options.clock ?? (() => new Date());
    if (fail_next) this.#failNext = [...fail_next];
    this.reset();
  }

  get settings(): SimSettings {
    return {
      ...this.#settings,
      failure_kinds: [...this.#settings.failure_kinds],
      churn: { ...this.#settings.churn },
    };
  }

  get version(): number {
    return this.#version;
  }

  get stats(): SimStats {
    return { ...this.#stats };
  }

  /** Failures still scripted for the next requests, in order. */
  get pendingFailures(): ScriptedFault[] {
    return [...this.#failNext];
  }

  /** Upstream's clock: ours plus the configured skew, never behind its own latest change. */
  now(): number {
    return Math.max(this.#clock().getTime() + this.#settings.clock_skew_ms, this.#lastChangeMs);
  }

  /** Applies a settings patch; a changed seed or total resets the dataset to version 0. Throws SimulatorInputError. */
  configure(patch: SimConfigPatch): SimSettings {
    const { fail_next, ...rest } = parseInput(simConfigPatchSchema, patch, "simulator settings");
    const next = mergeSettings(this.#settings, rest);
    const reset = next.seed !== this.#settings.seed || next.total !== this.#settings.total;
    this.#settings = next;
    if (fail_next) this.#failNext = [...fail_next];
    if (reset) this.reset();
    return this.settings;
  }

  /** Back to version 0 of the current (seed, total): every change is forgotten. */
  reset(): void {
    this.#version = 0;
    this.#count = this.#settings.total;
    this.#deleted = 0;
    this.#lastChangeMs = CHANGE_EPOCH_MS;
    this.#overlay = new Map();
    this.#log = new ChangeLog();
  }

  /** Scripts the next requests to fail with these kinds, in order, whatever the rates (appends to the script). */
  failNext(kinds: ScriptedFault[]): void {
    const valid = parseInput(simConfigPatchSchema, { fail_next: kinds }, "fail_next");
    this.#failNext.push(...(valid.fail_next ?? []));
  }

  /** Settings, version, live count, pending script and counters: the body of GET /simulator/config. */
  describe(): SimulatorState {
    return {
      ...this.settings,
      version: this.#version,
      live_count: this.liveCount(),
      fail_next: this.pendingFailures,
      stats: this.stats,
    };
  }

  /** Live tasks, including those served invalid. */
  liveCount(): number {
    return this.#count - this.#deleted;
  }

  /**
   * Makes version v+1: updates and deletes distinct live tasks (never both to one task) and appends creates.
   * Changes are stamped with upstream's clock (after every earlier change), in index order, 1 ms apart.
   */
  advance(req: AdvanceRequest = {}): AdvanceResult {
    const valid = parseInput(advanceSchema, req, "advance request");
    const updates = valid.updates ?? 0;
    const creates = valid.creates ?? 0;
    const deletes = valid.deletes ?? 0;
    const live = this.liveCount();
    if (updates + deletes > live) {
      throw new SimulatorInputError(
        `Cannot update ${updates} and delete ${deletes} tasks: only ${live} are live`,
        [{ field: updates > live ? "updates" : "deletes", message: `at most ${live} live tasks in all` }],
      );
    }
    if (this.#count + creates > MAX_TASK_COUNT) {
      throw new SimulatorInputError(`Cannot create ${creates} tasks: ids run out at ${MAX_TASK_COUNT}`, [
        { field: "creates", message: `at most ${MAX_TASK_COUNT - this.#count}` },
      ]);
    }
    const seed = seed32(this.#settings.seed);
    const version = this.#version + 1;
    const rng = prng(hash(seed, version, 0, SALT.advance));
    const picked = sampleLive(updates + deletes, this.#count, live, this.#isDeleted, rng);
    // Changes are applied in index order; the low bit of each key marks a delete, so one numeric sort does it.
    const keys = new Float64Array(picked.length);
    for (let i = 0; i < picked.length; i++) keys[i] = picked[i] * 2 + (i < updates ? 0 : 1);
    keys.sort();
    let ms = Math.max(this.now(), this.#lastChangeMs + 1);
    for (const key of keys) {
      const index = key >>> 1;
      const current = this.#content(index, seed);
      // Plain literals, not spreads: V8 builds a million of these several times faster.
      if (key & 1) {
        this.#overlay.set(index, {
          title: current.title,
          status: current.status,
          ms,
          rev: version,
          deleted: true,
        });
        this.#deleted++;
      } else {
        const next = changedContent(seed, index, version, current);
        this.#overlay.set(index, {
          title: next.title,
          status: next.status,
          ms,
          rev: version,
          deleted: false,
        });
      }
      this.#log.append(ms++, index);
    }
    for (let index = this.#count; index < this.#count + creates; index++) {
      const c = originalContent(seed, index);
      this.#overlay.set(index, { title: c.title, status: c.status, ms, rev: version, deleted: false });
      this.#log.append(ms++, index);
    }
    this.#lastChangeMs = ms - 1;
    this.#count += creates;
    this.#version = version;
    this.#log.compact(this.#overlay.size, this.#isCurrent);
    return { version, updated: updates, created: creates, deleted: deletes };
  }

  /** The listing without faults: invalid records are served (they are data), duplicates and failures are not. */
  listPage(q: ListQuery): UpstreamPage {
    return this.#list(planListing(q, this.#settings.pagination));
  }

  /** One task as upstream has it now (GET /simulator/tasks/:id), or undefined when it is deleted or unknown. */
  lookup(id: string): UpstreamRecord | undefined {
    const index = taskIndex(id, this.#settings.id_style, this.#settings.seed);
    if (index === undefined || index >= this.#count || this.#isDeleted(index)) return undefined;
    return this.#serve(index);
  }

  /** GET /tasks with latency, scripted or random failures, rate limits, duplicates and cursor faults applied. */
  async handle(req: Request): Promise<Response> {
    this.#stats.requests++;
    const rng = prng(hash(seed32(this.#settings.seed), this.#stats.requests, 0, SALT.request));
    let query: ListQuery;
    let plan: ListPlan;
    try {
      query = listQueryOf(new URL(req.url).searchParams);
      plan = planListing(query, this.#settings.pagination);
    } catch (err) {
      if (!(err instanceof SimulatorInputError)) throw err;
      this.#stats.bad_request++;
      return errorResponse(400, "validation_error", err.message, err.details);
    }

    await waitOrAbort(this.#settings.latency_ms, req.signal);

    const resumes = query.cursor !== undefined && plan.start.kind !== "page";
    const faults = drawFaults(rng, this.#settings, this.#failNext.shift(), { resumes, limit: plan.limit });
    const date = new Date(this.now()).toUTCString();
    countOutcome(this.#stats, faults.outcome);
    const failed = failureResponse(faults.outcome, this.#settings, date);
    if (failed) return failed;
    // The client is expected to give up first; if it does not, it gets the page late.
    if (faults.outcome === "timeout") await waitOrAbort(this.#settings.hang_ms, req.signal);

    const page = this.#list({ ...plan, limit: plan.limit - Number(faults.cross) - Number(faults.within) });
    addDuplicates(page, faults, faults.cross ? this.#recordAt(plan.start) : undefined);
    this.#misbehaveCursor(page, plan, query.cursor);
    if (faults.outcome === "malformed") return truncatedResponse(page, date);
    // The data changes while the listing is under way: between this page and the next.
    if (page.next_cursor !== null) this.#churn();
    return jsonResponse(200, page, { date });
  }

  /** The true live dataset in index order, without the records served invalid: what a perfect sync stores. */
  *snapshot(): Generator<SnapshotTask> {
    const seed = seed32(this.#settings.seed);
    for (let index = 0; index < this.#count; index++) {
      const o = this.#overlay.get(index);
      if (o?.deleted) continue;
      const rev = o?.rev ?? 0;
      if (this.#invalidKind(seed, index, rev) !== undefined) continue;
      const c = o ?? originalContent(seed, index);
      yield {
        id: this.#id(index),
        title: c.title,
        status: c.status,
        updated_at: this.#servedTime(seed, index),
      };
    }
  }

  /** Ids of live tasks whose current version is served invalid, in index order. */
  invalidIds(): string[] {
    const out: string[] = [];
    if (this.#settings.invalid_rate === 0) return out;
    const seed = seed32(this.#settings.seed);
    for (let index = 0; index < this.#count; index++) {
      const o = this.#overlay.get(index);
      if (o?.deleted) continue;
      if (this.#invalidKind(seed, index, o?.rev ?? 0) !== undefined) out.push(this.#id(index));
    }
    return out;
  }

  // --- internals ---

  #id(index: number): string {
    return taskId(index, this.#settings.id_style, this.#settings.seed);
  }

  #churn(): void {
    const { updates, creates, deletes } = this.#settings.churn;
    if (updates + creates + deletes === 0 || updates + deletes > this.liveCount()) return;
    this.advance({ updates, creates, deletes });
  }

  /** Cursor faults after the first page: repeat the cursor asked for, cycle back, or hide the page's records. */
  #misbehaveCursor(page: UpstreamPage, plan: ListPlan, cursor: string | undefined): void {
    const fault = this.#settings.cursor_fault;
    if (fault === "none" || cursor === undefined || page.next_cursor === null) return;
    if (fault === "repeat") page.next_cursor = cursor;
    else if (fault === "empty") page.data = [];
    else {
      const first = this.#list({ limit: plan.limit, start: this.#firstPosition(plan.start) }).next_cursor;
      if (first !== null && cursor !== first) page.next_cursor = first;
    }
  }

  #firstPosition(start: Position): Position {
    if (start.kind === "incremental")
      return { kind: "incremental", ms: Number.NEGATIVE_INFINITY, index: Infinity };
    return { kind: "full", index: -1 };
  }

  #list(plan: ListPlan): UpstreamPage {
    const want = plan.limit + 1; // one look-ahead record tells whether another page exists
    const start = plan.start;
    const indexes =
      start.kind === "full"
        ? this.#scanFull(start.index, want)
        : start.kind === "page"
          ? this.#scanFull(-1, want, (start.page - 1) * plan.limit)
          : this.#scanSince(start, want);
    const more = indexes.length > plan.limit;
    if (more) indexes.length = plan.limit;
    const data = indexes.map((index) => this.#serve(index));
    let next_cursor: string | null = null;
    if (more) {
      const last = indexes[indexes.length - 1];
      next_cursor = encodeCursor(
        start.kind === "page"
          ? { kind: "page", page: start.page + 1 }
          : start.kind === "full"
            ? { kind: "full", index: last }
            : { kind: "incremental", ms: this.#msOf(last), index: last },
      );
    }
    return { data, next_cursor };
  }

  /** Live indexes after `after`, in index order, skipping the first `skip`: O(n + skip + deleted tasks skipped). */
  #scanFull(after: number, n: number, skip = 0): number[] {
    const out: number[] = [];
    let skipped = 0;
    for (let index = after + 1; index < this.#count && out.length < n; index++) {
      if (this.#isDeleted(index)) continue;
      if (skipped < skip) skipped++;
      else out.push(index);
    }
    return out;
  }

  /** Indexes whose (updated_at, index) key follows `start`, tombstones included: untouched base tasks, then the log. */
  #scanSince(start: { ms: number; index: number }, n: number): number[] {
    const out: number[] = [];
    const total = this.#settings.total;
    // Base times are BASE_TIME + i seconds and all earlier than any change, so the untouched base tasks
    // after `start` are one index range, and they all come before the log.
    const offset = start.ms - BASE_TIME_MS;
    let first = 0;
    if (offset >= 0) {
      first = Math.ceil(offset / 1000);
      if (first * 1000 === offset && first <= start.index) first++;
    }
    for (let index = Math.min(first, total); index < total && out.length < n; index++) {
      if (!this.#overlay.has(index)) out.push(index);
    }
    this.#log.readAfter(start, n, out, this.#isCurrent);
    return out;
  }

  #content(index: number, seed: number): Content {
    const o = this.#overlay.get(index);
    return o ? { title: o.title, status: o.status } : originalContent(seed, index);
  }

  #msOf(index: number): number {
    return this.#overlay.get(index)?.ms ?? BASE_TIME_MS + index * 1000;
  }

  /** The `updated_at` served for a task's current version: its real time, or 2099 if it is future-dated. */
  #servedTime(seed: number, index: number): string {
    const rate = this.#settings.future_rate;
    const rev = this.#overlay.get(index)?.rev ?? 0;
    if (rate > 0 && unit(hash(seed, index, rev, SALT.future)) < rate)
      return new Date(FUTURE_TIME_MS + index * 1000).toISOString();
    return new Date(this.#msOf(index)).toISOString();
  }

  /** Which way (if any) the current version of a task is served broken: fixed until the task changes. */
  #invalidKind(seed: number, index: number, rev: number): InvalidKind | undefined {
    const r = this.#settings.invalid_rate;
    if (r === 0 || unit(hash(seed, index, rev, SALT.invalid)) >= r) return undefined;
    return INVALID_KINDS[hash(seed, index, rev, SALT.invalidKind) % INVALID_KINDS.length];
  }

  #serve(index: number): UpstreamRecord {
    const seed = seed32(this.#settings.seed);
    const o = this.#overlay.get(index);
    const id = this.#id(index);
    // Tombstones are never broken: a quarantined tombstone would leave a deleted task alive forever.
    if (o?.deleted) return { id, updated_at: new Date(o.ms).toISOString(), deleted: true };
    const kind = this.#invalidKind(seed, index, o?.rev ?? 0);
    return servedFields(kind, id, o ?? originalContent(seed, index), this.#servedTime(seed, index));
  }

  /** The record a cursor points at (the previous page's last), as it is served now, if it is still there. */
  #recordAt(start: Position): UpstreamRecord | undefined {
    if (start.kind === "page") return undefined;
    const index = start.index;
    if (!Number.isFinite(index) || index < 0 || index >= this.#count) return undefined;
    const o = this.#overlay.get(index);
    if (start.kind === "full") return o?.deleted ? undefined : this.#serve(index);
    return this.#msOf(index) === start.ms ? this.#serve(index) : undefined;
  }
}
