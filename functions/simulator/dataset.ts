// The upstream simulator: a seeded, versioned task dataset computed on demand, served with scripted or random faults.
import { z } from "zod";

export const FAILURE_KINDS = ["http_500", "http_503", "timeout", "malformed"] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];
/** What a scripted request can be told to do: one of the failures, or a 429. */
export type ScriptedFault = FailureKind | "rate_limit";
export const SCRIPTED_FAULTS = [...FAILURE_KINDS, "rate_limit"] as const;

export const TASK_STATUSES = ["todo", "in_progress", "done"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export type SimSettings = {
  seed: number;
  total: number;
  failure_rate: number;
  rate_limit_rate: number;
  invalid_rate: number;
  duplicate_rate: number;
  latency_ms: number;
  failure_kinds: FailureKind[];
  retry_after_s: number;
  hang_ms: number;
};

export const DEFAULT_SIM_SETTINGS: SimSettings = Object.freeze({
  seed: 42,
  total: 500,
  failure_rate: 0,
  rate_limit_rate: 0,
  invalid_rate: 0,
  duplicate_rate: 0,
  latency_ms: 0,
  failure_kinds: [...FAILURE_KINDS],
  retry_after_s: 1,
  hang_ms: 30_000,
}) as SimSettings;

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

/** Largest base dataset; base times stay below the first change time only up to this many tasks. */
export const MAX_TOTAL = 5_000_000;
/** Ids have 7 digits, so creates may take the index space up to this many tasks. */
export const MAX_TASK_COUNT = 10_000_000;
export const MAX_ADVANCE = 1_000_000;
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;
export const BASE_TIME_MS = Date.UTC(2026, 0, 1);
/** Version v's changes start at CHANGE_EPOCH_MS + v hours; every base time is earlier than that. */
export const CHANGE_EPOCH_MS = BASE_TIME_MS + MAX_TOTAL * 1000;
const VERSION_STEP_MS = 3_600_000;
export const OVERSIZED_TITLE_LENGTH = 5000;

const rate = z.number().min(0).max(1);
export const simConfigPatchSchema = z.strictObject({
  seed: z.int().optional(),
  total: z.int().min(0).max(MAX_TOTAL).optional(),
  failure_rate: rate.optional(),
  rate_limit_rate: rate.optional(),
  invalid_rate: rate.optional(),
  duplicate_rate: rate.optional(),
  latency_ms: z.int().min(0).max(60_000).optional(),
  failure_kinds: z.array(z.enum(FAILURE_KINDS)).min(1).max(16).optional(),
  retry_after_s: z.int().min(0).max(3600).optional(),
  hang_ms: z.int().min(0).max(600_000).optional(),
  // Replaces the pending script, so a PUT is idempotent and `[]` clears it.
  fail_next: z.array(z.enum(SCRIPTED_FAULTS)).max(1000).optional(),
});
export type SimConfigPatch = z.input<typeof simConfigPatchSchema>;

const count = z.int().min(0).max(MAX_ADVANCE).optional();
export const advanceSchema = z.strictObject({ updates: count, creates: count, deletes: count });
export type AdvanceRequest = z.input<typeof advanceSchema>;

export type InputIssue = { field: string; message: string };

/** Bad input from a caller (settings, advance counts, listing parameters); routes answer it with 400. */
export class SimulatorInputError extends RangeError {
  override readonly name = "SimulatorInputError";
  constructor(
    message: string,
    readonly details?: InputIssue[],
  ) {
    super(message);
  }
}

function parseInput<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.map((i) => ({
    field: i.path.join(".") || "(root)",
    message: i.message,
  }));
  throw new SimulatorInputError(
    `Invalid ${what}: ${details.map((d) => `${d.field}: ${d.message}`).join("; ")}`,
    details,
  );
}

// --- Deterministic hashing: every "random" choice is a pure function of its inputs. ---

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Folds a safe-integer seed into 32 bits without dropping its high half. */
function seed32(seed: number): number {
  return (seed | 0) ^ mix(Math.floor(seed / 4294967296) | 0);
}

function hash(seed: number, a: number, b: number, salt: number): number {
  let h = mix(seed + Math.imul(salt, 0x9e3779b9));
  h = mix(h ^ a);
  return mix(h ^ Math.imul(b + 1, 0x27d4eb2f));
}

function unit(h: number): number {
  return h / 4294967296;
}

/** mulberry32: small, fast and good enough for choosing faults and samples. */
function prng(state: number): () => number {
  let a = state | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Salts keep the hash streams of unrelated choices independent.
const SALT = {
  verb: 1,
  subject: 2,
  object: 3,
  status: 4,
  invalid: 5,
  invalidKind: 6,
  updateMode: 7,
  advance: 8,
  request: 9,
} as const;

// --- Task content ---

const VERBS = [
  "Review",
  "Update",
  "Draft",
  "Fix",
  "Plan",
  "Ship",
  "Test",
  "Archive",
  "Prepare",
  "Audit",
  "Refactor",
  "Document",
  "Migrate",
  "Schedule",
  "Verify",
  "Design",
];
const SUBJECTS = [
  "invoice",
  "release",
  "customer",
  "billing",
  "onboarding",
  "security",
  "database",
  "marketing",
  "support",
  "payroll",
  "inventory",
  "analytics",
  "mobile",
  "search",
  "shipping",
  "vendor",
];
const OBJECTS = [
  "batch",
  "report",
  "checklist",
  "notes",
  "plan",
  "dashboard",
  "backlog",
  "contract",
  "migration",
  "budget",
  "roadmap",
  "survey",
  "pipeline",
  "ticket",
  "policy",
  "feedback",
];

export function taskId(index: number): string {
  return `T-${String(index).padStart(7, "0")}`;
}

const ID_PATTERN = /^T-(\d{7})$/;

/** The index behind an id, or undefined for an id this simulator never issues. */
export function taskIndex(id: string): number | undefined {
  const m = ID_PATTERN.exec(id);
  return m ? Number(m[1]) : undefined;
}

function titleFor(seed: number, index: number, rev: number, shift = 0): string {
  const verb = VERBS[(hash(seed, index, rev, SALT.verb) + shift) % VERBS.length];
  const subject = SUBJECTS[hash(seed, index, rev, SALT.subject) % SUBJECTS.length];
  const object = OBJECTS[hash(seed, index, rev, SALT.object) % OBJECTS.length];
  // The index in the title makes every task findable by a search for its number.
  return `${verb} ${subject} ${object} ${index}`;
}

type Content = { title: string; status: TaskStatus };

function originalContent(seed: number, index: number): Content {
  return {
    title: titleFor(seed, index, 0),
    status: TASK_STATUSES[hash(seed, index, 0, SALT.status) % 3],
  };
}

/** New content for an update, guaranteed to differ from `current` so a sync sees a real change. */
function changedContent(seed: number, index: number, rev: number, current: Content): Content {
  const mode = hash(seed, index, rev, SALT.updateMode) % 3; // 0 title, 1 status, 2 both
  let title = current.title;
  if (mode !== 1) {
    title = titleFor(seed, index, rev);
    if (title === current.title) title = titleFor(seed, index, rev, 1);
  }
  let status = current.status;
  if (mode !== 0) {
    const step = 1 + (hash(seed, index, rev, SALT.status) % 2);
    status = TASK_STATUSES[(TASK_STATUSES.indexOf(current.status) + step) % 3];
  }
  return { title, status };
}

const INVALID_KINDS = [
  "missing_title",
  "empty_title",
  "unknown_status",
  "oversized_title",
  "bad_updated_at",
] as const;

/** A task's content once it has been touched by an advance (or created by one). */
type Overlay = Content & { ms: number; rev: number; deleted: boolean };

// --- Listing positions ---

/** Full listings resume after an index; incremental ones after an (updated_at ms, index) key. */
type Position = { kind: "full"; index: number } | { kind: "incremental"; ms: number; index: number };

function encodeCursor(p: Position): string {
  return p.kind === "full" ? `i:${p.index}` : `u:${p.ms}:${p.index}`;
}

const CURSOR_PATTERN = /^(?:i:(\d{1,8})|u:(-?\d{1,16}):(\d{1,8}))$/;

function decodeCursor(cursor: string): Position {
  const m = CURSOR_PATTERN.exec(cursor);
  if (m) {
    if (m[1] !== undefined) {
      const index = Number(m[1]);
      if (index < MAX_TASK_COUNT) return { kind: "full", index };
    } else {
      const ms = Number(m[2]);
      const index = Number(m[3]);
      if (Number.isSafeInteger(ms) && index < MAX_TASK_COUNT) return { kind: "incremental", ms, index };
    }
  }
  throw new SimulatorInputError("Invalid cursor: use the next_cursor of a previous page", [
    { field: "cursor", message: "not a cursor this upstream issued" },
  ]);
}

const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** Parses an ISO 8601 date-time with a zone; rejects what Date.parse would silently roll over (Feb 30). */
export function parseIsoTime(value: string): number | undefined {
  const m = ISO_PATTERN.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return undefined;
  if (m[7] !== undefined && (Number(m[7]) > 23 || Number(m[8]) > 59)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export type ListQuery = { limit: number; cursor?: string; updated_since?: string };

type ListPlan = { limit: number; start: Position };

function compareKey(msA: number, idxA: number, msB: number, idxB: number): number {
  return msA !== msB ? msA - msB : idxA - idxB;
}

// --- HTTP helpers (Web APIs only, so the same code runs on Workers and Node) ---

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

function errorResponse(status: number, code: string, message: string, details?: unknown): Response {
  return jsonResponse(status, {
    error: details === undefined ? { code, message } : { code, message, details },
  });
}

/** Waits `ms`, ending early when the caller aborts; resolves false if it was aborted. */
function sleep(ms: number, signal?: AbortSignal | null): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Waits like sleep, then rejects with the abort reason as fetch would, so an in-process caller sees its timeout. */
async function waitOrAbort(ms: number, signal?: AbortSignal | null): Promise<void> {
  if (await sleep(ms, signal)) return;
  throw signal?.reason ?? new DOMException("The operation was aborted", "AbortError");
}

function emptyStats(): SimStats {
  return {
    requests: 0,
    ok: 0,
    bad_request: 0,
    http_500: 0,
    http_503: 0,
    timeout: 0,
    malformed: 0,
    rate_limited: 0,
  };
}

/**
 * A versioned upstream. Task i of the base dataset is a pure function of (seed, i); an advance records only
 * the tasks it touches in an overlay, plus an append-only change log ordered by (updated_at, index) for
 * incremental listings. All state lives on the instance (no module state), as Workers isolates require.
 */
export class Simulator {
  #settings: SimSettings;
  #version = 0;
  /** Number of indexes ever issued: the base total plus every create. */
  #count = 0;
  #deleted = 0;
  #overlay = new Map<number, Overlay>();
  // The change log, as parallel arrays: entries are appended in (ms, index) order because every advance's
  // times are later than all earlier ones. An entry is stale once its task changed again (ms no longer matches).
  #logMs: number[] = [];
  #logIdx: number[] = [];
  #failNext: ScriptedFault[] = [];
  #stats = emptyStats();

  constructor(settings: SimConfigPatch = {}) {
    const { fail_next, ...patch } = parseInput(simConfigPatchSchema, settings, "simulator settings");
    this.#settings = { ...DEFAULT_SIM_SETTINGS, ...dropUndefined(patch) };
    this.#settings.failure_kinds = [...new Set(patch.failure_kinds ?? FAILURE_KINDS)];
    if (fail_next) this.#failNext = [...fail_next];
    this.reset();
  }

  get settings(): SimSettings {
    return { ...this.#settings, failure_kinds: [...this.#settings.failure_kinds] };
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

  /** Applies a settings patch; a changed seed or total resets the dataset to version 0. Throws SimulatorInputError. */
  configure(patch: SimConfigPatch): SimSettings {
    const valid = parseInput(simConfigPatchSchema, patch, "simulator settings");
    const { fail_next, ...rest } = valid;
    const next: SimSettings = { ...this.#settings, ...dropUndefined(rest) };
    if (rest.failure_kinds) next.failure_kinds = [...new Set(rest.failure_kinds)];
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
   * Changes get times after every earlier time, in index order, one millisecond apart.
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
    let ms = CHANGE_EPOCH_MS + version * VERSION_STEP_MS;
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
    this.#count += creates;
    this.#version = version;
    this.#compactLog();
    return { version, updated: updates, created: creates, deleted: deletes };
  }

  /** The listing without faults: invalid records are served (they are data), duplicates and failures are not. */
  listPage(q: ListQuery): UpstreamPage {
    return this.#list(this.#plan(q));
  }

  /** GET /tasks with latency, scripted or random failures, rate limits and duplicates applied. */
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
          { "retry-after": String(s.retry_after_s) },
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
    let cross = hasCursor && rCross < s.duplicate_rate;
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

    if (outcome === "malformed") {
      this.#stats.malformed++;
      const text = JSON.stringify(page);
      // A strict prefix of a JSON object is never valid JSON: the closing brace is missing.
      return new Response(text.slice(0, Math.max(1, Math.floor(text.length / 2))), {
        status: 200,
        headers: JSON_HEADERS,
      });
    }
    return jsonResponse(200, page);
  }

  /** The true live dataset in id order, without the records served invalid: what a perfect sync stores. */
  *snapshot(): Generator<SnapshotTask> {
    const seed = seed32(this.#settings.seed);
    for (let index = 0; index < this.#count; index++) {
      const o = this.#overlay.get(index);
      if (o?.deleted) continue;
      const rev = o?.rev ?? 0;
      if (this.#invalidKind(seed, index, rev) !== undefined) continue;
      const c = o ?? originalContent(seed, index);
      const ms = o?.ms ?? BASE_TIME_MS + index * 1000;
      yield { id: taskId(index), title: c.title, status: c.status, updated_at: new Date(ms).toISOString() };
    }
  }

  /** Ids of live tasks whose current version is served invalid, in id order. */
  invalidIds(): string[] {
    const out: string[] = [];
    if (this.#settings.invalid_rate === 0) return out;
    const seed = seed32(this.#settings.seed);
    for (let index = 0; index < this.#count; index++) {
      const o = this.#overlay.get(index);
      if (o?.deleted) continue;
      if (this.#invalidKind(seed, index, o?.rev ?? 0) !== undefined) out.push(taskId(index));
    }
    return out;
  }

  // --- internals ---

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
    if (cursor?.kind === "full") {
      if (since !== undefined) {
        throw new SimulatorInputError(
          "Invalid cursor: it belongs to a full listing, not an updated_since one",
          [{ field: "cursor", message: "belongs to a full listing" }],
        );
      }
      return { limit: q.limit, start: cursor };
    }
    if (cursor === undefined && since === undefined)
      return { limit: q.limit, start: { kind: "full", index: -1 } };
    // An incremental cursor carries its own position, so updated_since may be repeated or left out.
    // Infinity as the index means "every record at exactly `since` is already seen": updated_at > since.
    let start: Position = { kind: "incremental", ms: since ?? Number.NEGATIVE_INFINITY, index: Infinity };
    if (cursor && compareKey(cursor.ms, cursor.index, start.ms, start.index) > 0) start = cursor;
    return { limit: q.limit, start };
  }

  #list(plan: ListPlan): UpstreamPage {
    const want = plan.limit + 1; // one look-ahead record tells whether another page exists
    const indexes =
      plan.start.kind === "full" ? this.#scanFull(plan.start.index, want) : this.#scanSince(plan.start, want);
    const more = indexes.length > plan.limit;
    if (more) indexes.length = plan.limit;
    const data = indexes.map((index) => this.#serve(index));
    let next_cursor: string | null = null;
    if (more) {
      const last = indexes[indexes.length - 1];
      next_cursor = encodeCursor(
        plan.start.kind === "full"
          ? { kind: "full", index: last }
          : { kind: "incremental", ms: this.#msOf(last), index: last },
      );
    }
    return { data, next_cursor };
  }

  /** Live indexes after `after`, in index order: O(n + deleted tasks skipped). */
  #scanFull(after: number, n: number): number[] {
    const out: number[] = [];
    for (let index = after + 1; index < this.#count && out.length < n; index++) {
      if (!this.#overlay.get(index)?.deleted) out.push(index);
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

  /** Which way (if any) the current version of a task is served broken: fixed until the task changes. */
  #invalidKind(seed: number, index: number, rev: number): (typeof INVALID_KINDS)[number] | undefined {
    const r = this.#settings.invalid_rate;
    if (r === 0 || unit(hash(seed, index, rev, SALT.invalid)) >= r) return undefined;
    return INVALID_KINDS[hash(seed, index, rev, SALT.invalidKind) % INVALID_KINDS.length];
  }

  #serve(index: number): UpstreamRecord {
    const seed = seed32(this.#settings.seed);
    const o = this.#overlay.get(index);
    const id = taskId(index);
    const ms = o?.ms ?? BASE_TIME_MS + index * 1000;
    const updated_at = new Date(ms).toISOString();
    // Tombstones are never broken: a quarantined tombstone would leave a deleted task alive forever.
    if (o?.deleted) return { id, updated_at, deleted: true };
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
    const index = start.index;
    if (!Number.isFinite(index) || index < 0 || index >= this.#count) return undefined;
    const o = this.#overlay.get(index);
    if (start.kind === "full") return o?.deleted ? undefined : this.#serve(index);
    return this.#msOf(index) === start.ms ? this.#serve(index) : undefined;
  }
}

function dropUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
