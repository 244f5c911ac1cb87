// The upstream simulator: a seeded, versioned task dataset computed on demand. Its behaviour can be made as
// hostile as real upstreams are: ids in any order, a skewed clock, data changing mid-listing, future dates,
// misbehaving cursors, page-number pagination, plus failures, rate limits, invalid records and duplicates.
import {
  type Content,
  changedContent,
  hash,
  INVALID_KINDS,
  originalContent,
  prng,
  SALT,
  seed32,
  type TaskStatus,
  taskId,
  taskIndex,
  unit,
} from "./content";
import { emptyStats, errorResponse, JSON_HEADERS, jsonResponse, waitOrAbort } from "./http";
import {
  compareKey,
  decodeCursor,
  encodeCursor,
  type ListPlan,
  type ListQuery,
  type Position,
  parseIsoTime,
} from "./listing";
import {
  type AdvanceRequest,
  advanceSchema,
  DEFAULT_PAGE_SIZE,
  DEFAULT_SIM_SETTINGS,
  FAILURE_KINDS,
  MAX_PAGE_SIZE,
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

export { TASK_STATUSES, type TaskStatus, taskId, taskIndex } from "./content";
export { parseIsoTime } from "./listing";
export * from "./settings";

/** A record as served; fields are `unknown` because invalid records are served on purpose. */
export type UpstreamRecord = {
  id: string;
  title?: unknown;
  status?: unknown;
  updated_at?: unknown;
  deleted?: boolean;
};

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
export const OVERSIZED_TITLE_LENGTH = 5000;

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
  // The change log, as parallel arrays: entries are appended in (ms, index) order because every advance's
  // times are later than all earlier ones. An entry is stale once its task changed again (ms no longer matches).
  #logMs: number[] = [];
  #logIdx: number[] = [];
  #failNext: ScriptedFault[] = [];
  #stats = emptyStats();

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
    this.#logMs = [];
    this.#logIdx = [];
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
    const picked = this.#sampleLive(updates + deletes, rng);
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
      this.#logMs.push(ms++);
      this.#logIdx.push(index);
    }
    for (let index = this.#count; index < this.#count + creates; index++) {
      const c = originalContent(seed, index);
      this.#overlay.set(index, { title: c.title, status: c.status, ms, rev: version, deleted: false });
      this.#logMs.push(ms++);
      this.#logIdx.push(index);
    }
    this.#lastChangeMs = ms - 1;
    this.#count += creates;
    this.#version = version;
    this.#compactLog();
    return { version, updated: updates, created: creates, deleted: deletes };
  }

  /** The listing without faults: invalid records are served (they are data), duplicates and failures are not. */
  listPage(q: ListQuery): UpstreamPage {
    return this.#list(this.#plan(q));
  }

  /** One task as upstream has it now (GET /simulator/tasks/:id), or undefined when it is deleted or unknown. */
  lookup(id: string): UpstreamRecord | undefined {
    const index = taskIndex(id, this.#settings.id_style, this.#settings.seed);
    if (index === undefined || index >= this.#count || this.#overlay.get(index)?.deleted) return undefined;
    return this.#serve(index);
  }

  /** GET /tasks with latency, scripted or random failures, rate limits, duplicates and cursor faults applied. */
  async handle(req: Request): Promise<Response> {
    this.#stats.requests++;
    const rng = prng(hash(seed32(this.#settings.seed), this.#stats.requests, 0, SALT.request));
    const params = new URL(req.url).searchParams;
    let plan: ListPlan;
    let cursor: string | undefined;
    try {
      const limitParam = params.get("limit") || undefined;
      if (limitParam !== undefined && !/^\d{1,7}$/.test(limitParam)) {
        throw new SimulatorInputError("Invalid limit: use an integer from 1 to 1000", [
          { field: "limit", message: "must be an integer from 1 to 1000" },
        ]);
      }
      cursor = params.get("cursor") || undefined;
      plan = this.#plan({
        limit: limitParam === undefined ? DEFAULT_PAGE_SIZE : Number(limitParam),
        cursor,
        updated_since: params.get("updated_since") || undefined,
      });
    } catch (err) {
      if (!(err instanceof SimulatorInputError)) throw err;
      this.#stats.bad_request++;
      return errorResponse(400, "validation_error", err.message, err.details);
    }

    await waitOrAbort(this.#settings.latency_ms, req.signal);

    // Always draw the same number of values so one knob never shifts the choices of another.
    const [rFail, rKind, rLimit, rWithin, rCross, rPick, rPlace] = [
      rng(),
      rng(),
      rng(),
      rng(),
      rng(),
      rng(),
      rng(),
    ];
    const s = this.#settings;
    let outcome: ScriptedFault | "ok" = "ok";
    if (this.#failNext.length > 0) outcome = this.#failNext.shift()!;
    else if (rFail < s.failure_rate) outcome = s.failure_kinds[Math.floor(rKind * s.failure_kinds.length)];
    else if (rLimit < s.rate_limit_rate) outcome = "rate_limit";
    const date = { date: new Date(this.now()).toUTCString() };

    switch (outcome) {
      case "http_500":
        this.#stats.http_500++;
        return errorResponse(500, "internal", "Simulated upstream failure (http_500)");
      case "http_503":
        this.#stats.http_503++;
        return errorResponse(503, "unavailable", "Simulated upstream failure (http_503)");
      case "rate_limit":
        this.#stats.rate_limited++;
        return jsonResponse(
          429,
          {
            error: {
              code: "rate_limited",
              message: `Simulated rate limit; retry after ${s.retry_after_s} s`,
            },
          },
          { "retry-after": String(s.retry_after_s), ...date },
        );
      case "timeout":
        this.#stats.timeout++;
        // The client is expected to give up first; if it does not, it gets the page late.
        await waitOrAbort(s.hang_ms, req.signal);
        break;
      case "malformed":
        break;
      case "ok":
        this.#stats.ok++;
        break;
    }

    // Duplicates take slots of the page so it never exceeds `limit`, and at least one real record always
    // remains so a cursor keeps moving even when every page duplicates.
    const hasCursor = cursor !== undefined;
    let cross = hasCursor && rCross < s.duplicate_rate && plan.start.kind !== "page";
    let within = rWithin < s.duplicate_rate;
    if (plan.limit - Number(cross) - Number(within) < 1) within = false;
    if (plan.limit - Number(cross) < 1) cross = false;
    const page = this.#list({ ...plan, limit: plan.limit - Number(cross) - Number(within) });
    if (within && page.data.length > 0) {
      const from = Math.floor(rPick * page.data.length);
      const at = from + 1 + Math.floor(rPlace * (page.data.length - from));
      page.data.splice(at, 0, { ...page.data[from] });
    }
    if (cross) {
      const previous = this.#recordAt(plan.start);
      if (previous) page.data.unshift(previous);
    }
    this.#misbehaveCursor(page, plan, cursor);

    if (outcome === "malformed") {
      this.#stats.malformed++;
      const text = JSON.stringify(page);
      // A strict prefix of a JSON object is never valid JSON: the closing brace is missing.
      return new Response(text.slice(0, Math.max(1, Math.floor(text.length / 2))), {
        status: 200,
        headers: { ...JSON_HEADERS, ...date },
      });
    }
    // The data changes while the listing is under way: between this page and the next.
    if (page.next_cursor !== null) this.#churn();
    return jsonResponse(200, page, date);
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

  #plan(q: ListQuery): ListPlan {
    if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_PAGE_SIZE) {
      throw new SimulatorInputError(`Invalid limit: use an integer from 1 to ${MAX_PAGE_SIZE}`, [
        { field: "limit", message: `must be an integer from 1 to ${MAX_PAGE_SIZE}` },
      ]);
    }
    let since: number | undefined;
    if (q.updated_since !== undefined) {
      since = parseIsoTime(q.updated_since);
      if (since === undefined) {
        throw new SimulatorInputError("Invalid updated_since: use an ISO 8601 date-time with a zone", [
          {
            field: "updated_since",
            message: "must be an ISO 8601 date-time such as 2026-01-01T00:00:00.000Z",
          },
        ]);
      }
    }
    const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    if (cursor?.kind === "full" || cursor?.kind === "page") {
      if (since !== undefined) {
        throw new SimulatorInputError(
          "Invalid cursor: it belongs to a full listing, not an updated_since one",
          [{ field: "cursor", message: "belongs to a full listing" }],
        );
      }
      return { limit: q.limit, start: cursor };
    }
    if (cursor === undefined && since === undefined) {
      const start: Position =
        this.#settings.pagination === "page" ? { kind: "page", page: 1 } : { kind: "full", index: -1 };
      return { limit: q.limit, start };
    }
    // An incremental cursor carries its own position, so updated_since may be repeated or left out.
    // Infinity as the index means "every record at exactly `since` is already seen": updated_at > since.
    let start: Position = { kind: "incremental", ms: since ?? Number.NEGATIVE_INFINITY, index: Infinity };
    if (cursor && compareKey(cursor.ms, cursor.index, start.ms, start.index) > 0) start = cursor;
    return { limit: q.limit, start };
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
      if (this.#overlay.get(index)?.deleted) continue;
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
    const logMs = this.#logMs;
    const logIdx = this.#logIdx;
    let lo = 0;
    let hi = logMs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKey(logMs[mid], logIdx[mid], start.ms, start.index) > 0) hi = mid;
      else lo = mid + 1;
    }
    for (let p = lo; p < logMs.length && out.length < n; p++) {
      if (this.#overlay.get(logIdx[p])!.ms === logMs[p]) out.push(logIdx[p]);
    }
    return out;
  }

  /** Drops superseded log entries once they outnumber the live ones, so the log stays O(overlay). */
  #compactLog(): void {
    if (this.#logMs.length <= 2 * this.#overlay.size + 1024) return;
    const ms: number[] = [];
    const idx: number[] = [];
    for (let p = 0; p < this.#logMs.length; p++) {
      if (this.#overlay.get(this.#logIdx[p])!.ms === this.#logMs[p]) {
        ms.push(this.#logMs[p]);
        idx.push(this.#logIdx[p]);
      }
    }
    this.#logMs = ms;
    this.#logIdx = idx;
  }

  /**
   * k distinct live indexes in random order. Rejection sampling costs O(k) while live tasks are dense and k
   * is at most half of them; otherwise one O(count) pass lists the live indexes for a partial shuffle.
   */
  #sampleLive(k: number, rng: () => number): Int32Array {
    const out = new Int32Array(k);
    if (k === 0) return out;
    const live = this.liveCount();
    const count = this.#count;
    if (k * 2 <= live && live * 2 >= count) {
      const chosen = new Set<number>();
      let n = 0;
      while (n < k) {
        const index = Math.floor(rng() * count);
        if (chosen.has(index) || this.#overlay.get(index)?.deleted) continue;
        chosen.add(index);
        out[n++] = index;
      }
      return out;
    }
    const all = new Int32Array(live);
    let n = 0;
    for (let index = 0; index < count; index++) if (!this.#overlay.get(index)?.deleted) all[n++] = index;
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(rng() * (live - i));
      const t = all[i];
      all[i] = all[j];
      all[j] = t;
    }
    out.set(all.subarray(0, k));
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
  #invalidKind(seed: number, index: number, rev: number): (typeof INVALID_KINDS)[number] | undefined {
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
    const updated_at = this.#servedTime(seed, index);
    const { title, status } = o ?? originalContent(seed, index);
    switch (this.#invalidKind(seed, index, o?.rev ?? 0)) {
      case undefined:
        return { id, title, status, updated_at };
      case "missing_title":
        return { id, status, updated_at };
      case "empty_title":
        return { id, title: "", status, updated_at };
      case "unknown_status":
        return { id, title, status: "blocked", updated_at };
      case "oversized_title":
        return { id, title: `${title} `.padEnd(OVERSIZED_TITLE_LENGTH, "x"), status, updated_at };
      case "bad_updated_at":
        return { id, title, status, updated_at: "not-a-date" };
    }
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
