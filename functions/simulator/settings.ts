// The simulator's settings and inputs: their shapes, defaults and bounds, and the one error bad input raises.
import { z } from "zod";

export const FAILURE_KINDS = ["http_500", "http_503", "timeout", "malformed"] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];
/** What a scripted request can be told to do: one of the failures, or a 429. */
export type ScriptedFault = FailureKind | "rate_limit";
export const SCRIPTED_FAULTS = [...FAILURE_KINDS, "rate_limit"] as const;

/** How task ids look: zero-padded (sorts as text), plain numbers (sorts numerically, not as text), or uuids (random order). */
export const ID_STYLES = ["padded", "numeric", "uuid"] as const;
export type IdStyle = (typeof ID_STYLES)[number];

/** Cursor misbehaviour after the first page: repeat the cursor asked for, cycle back to page 2, or serve empty pages. */
export const CURSOR_FAULTS = ["none", "repeat", "cycle", "empty"] as const;
export type CursorFault = (typeof CURSOR_FAULTS)[number];

/** `cursor`: stable cursors. `page`: page numbers over the live set at request time (pages shift on deletes). */
export const PAGINATIONS = ["cursor", "page"] as const;
export type Pagination = (typeof PAGINATIONS)[number];

export type Churn = { updates: number; creates: number; deletes: number };

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
  id_style: IdStyle;
  /** Upstream's clock minus ours: its `Date` header and the times it stamps on changes. */
  clock_skew_ms: number;
  /** Changes made after each page served to a listing that has more pages (the data changes mid-listing). */
  churn: Churn;
  /** Share of records served dated in 2099 (fixed per task version; set 0 to "correct" them). */
  future_rate: number;
  cursor_fault: CursorFault;
  pagination: Pagination;
};

export const NO_CHURN: Churn = Object.freeze({ updates: 0, creates: 0, deletes: 0 }) as Churn;

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
  id_style: "padded",
  clock_skew_ms: 0,
  churn: NO_CHURN,
  future_rate: 0,
  cursor_fault: "none",
  pagination: "cursor",
}) as SimSettings;

/** Largest base dataset; base times stay below the first change time only up to this many tasks. */
export const MAX_TOTAL = 5_000_000;
/** Ids have 7 digits, so creates may take the index space up to this many tasks. */
export const MAX_TASK_COUNT = 10_000_000;
/** One advance changes at most this many tasks (each touched task is held in memory). */
export const MAX_ADVANCE = 100_000;
export const MAX_CHURN = 1_000;
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;
const DAY_MS = 86_400_000;

const rate = z.number().min(0).max(1);
const churnCount = z.int().min(0).max(MAX_CHURN).optional();
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
  id_style: z.enum(ID_STYLES).optional(),
  clock_skew_ms: z
    .int()
    .min(-30 * DAY_MS)
    .max(30 * DAY_MS)
    .optional(),
  churn: z.strictObject({ updates: churnCount, creates: churnCount, deletes: churnCount }).optional(),
  future_rate: rate.optional(),
  cursor_fault: z.enum(CURSOR_FAULTS).optional(),
  pagination: z.enum(PAGINATIONS).optional(),
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

export function parseInput<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
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

/** Applies a validated patch over settings (undefined fields keep their value). */
export function mergeSettings(
  base: SimSettings,
  patch: Omit<z.output<typeof simConfigPatchSchema>, "fail_next">,
): SimSettings {
  const next: SimSettings = { ...base };
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) (next as Record<string, unknown>)[k] = v;
  if (patch.failure_kinds) next.failure_kinds = [...new Set(patch.failure_kinds)];
  if (patch.churn) next.churn = { ...NO_CHURN, ...dropUndefined(patch.churn) };
  return next;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
