// The upstream simulator: a seeded, versioned task dataset computed on demand. Its behaviour can be made as
// hostile as real upstreams are: ids in any order, a skewed clock, data changing mid-listing, future dates,
// misbehaving cursors, page-number pagination, plus failures, rate limits, invalid records and duplicates.
// The class holds the state; the parts that need none are beside it: task content (content.ts), how a task is
// served at its current version (served.ts), listing positions (listing.ts), the change log and sampling
// (changes.ts), and the faults one request can draw (faults.ts).
import { ChangeLog, sampleLive } from "./changes";
import { changedContent, hash, originalContent, prng, SALT, seed32, taskIndex } from "./content";
import {
  addDuplicates,
  countOutcome,
  drawFaults,
  failureResponse,
  listQueryOf,
  truncatedResponse,
} from "./faults";
import { emptyStats, errorResponse, jsonResponse, type SimStats, waitOrAbort } from "./http";
import { encodeCursor, type ListPlan, type ListQuery, type Position, planListing } from "./listing";
import {
  BASE_TIME_MS,
  contentOf,
  invalidLiveIds,
  liveSnapshot,
  msOf,
  type Overlay,
  type ServedData,
  type SnapshotTask,
  serveTask,
  type UpstreamRecord,
} from "./served";
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
export type { SimStats } from "./http";
export { parseIsoTime } from "./listing";
export { BASE_TIME_MS, FUTURE_TIME_MS, type SnapshotTask, type UpstreamRecord } from "./served";
export * from "./settings";

export type UpstreamPage = { data: UpstreamRecord[]; next_cursor: string | null };
export type AdvanceResult = { version: number; updated: number; created: number; deleted: number };
/** What GET/PUT /simulator/config answer: the settings, flat, plus the dataset's state. */
export type SimulatorState = SimSettings & {
  version: number;
  live_count: number;
  fail_next: ScriptedFault[];
  stats: SimStats;
};

/** Every change is stamped after this; every base time is earlier. */
export const CHANGE_EPOCH_MS = BASE_TIME_MS + MAX_TOTAL * 1000;

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
      const current = contentOf(this.#overlay, seed, index);
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
    return serveTask(this.#served(), index);
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
  snapshot(): Generator<SnapshotTask> {
    return liveSnapshot(this.#served(), this.#count);
  }

  /** Ids of live tasks whose current version is served invalid, in index order. */
  invalidIds(): string[] {
    return invalidLiveIds(this.#served(), this.#count);
  }

  // --- internals ---

  /** What serving a task reads (served.ts); taken once per listing, as the settings and overlay can be replaced. */
  #served(): ServedData {
    return { settings: this.#settings, overlay: this.#overlay };
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
    const served = this.#served();
    const data = indexes.map((index) => serveTask(served, index));
    let next_cursor: string | null = null;
    if (more) {
      const last = indexes[indexes.length - 1];
      next_cursor = encodeCursor(
        start.kind === "page"
          ? { kind: "page", page: start.page + 1 }
          : start.kind === "full"
            ? { kind: "full", index: last }
            : { kind: "incremental", ms: msOf(this.#overlay, last), index: last },
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

  /** The record a cursor points at (the previous page's last), as it is served now, if it is still there. */
  #recordAt(start: Position): UpstreamRecord | undefined {
    if (start.kind === "page") return undefined;
    const index = start.index;
    if (!Number.isFinite(index) || index < 0 || index >= this.#count) return undefined;
    const o = this.#overlay.get(index);
    if (start.kind === "full") return o?.deleted ? undefined : serveTask(this.#served(), index);
    return msOf(this.#overlay, index) === start.ms ? serveTask(this.#served(), index) : undefined;
  }
}
