// Task content as a pure function of (seed, index, revision): ids in several styles, titles, statuses, and the
// deterministic hashing every "random" choice of the simulator is made with.
import { mix32 } from "../hash";
import { type IdStyle, MAX_TASK_COUNT } from "./settings";

export const TASK_STATUSES = ["todo", "in_progress", "done"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

// --- Deterministic hashing: every "random" choice is a pure function of its inputs. ---

/** Folds a safe-integer seed into 32 bits without dropping its high half. */
export function seed32(seed: number): number {
  return (seed | 0) ^ mix32(Math.floor(seed / 4294967296) | 0);
}

export function hash(seed: number, a: number, b: number, salt: number): number {
  let h = mix32(seed + Math.imul(salt, 0x9e3779b9));
  h = mix32(h ^ a);
  return mix32(h ^ Math.imul(b + 1, 0x27d4eb2f));
}

export function unit(h: number): number {
  return h / 4294967296;
}

/** mulberry32: small, fast and good enough for choosing faults and samples. */
export function prng(state: number): () => number {
  let a = state | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Salts keep the hash streams of unrelated choices independent.
export const SALT = {
  verb: 1,
  subject: 2,
  object: 3,
  status: 4,
  invalid: 5,
  invalidKind: 6,
  updateMode: 7,
  advance: 8,
  request: 9,
  uuid: 10,
  future: 11,
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

/** Task i's id in the given style; every style is invertible (taskIndex) and unique per index. */
export function taskId(index: number, style: IdStyle = "padded", seed = 0): string {
  if (style === "numeric") return String(index + 1);
  if (style === "uuid") {
    // Random-looking leading groups (so the listing's index order is not the ids' text order), the index last.
    const a = hash(seed, index, 0, SALT.uuid).toString(16).padStart(8, "0");
    const b = hash(seed, index, 1, SALT.uuid).toString(16).padStart(8, "0");
    return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-8000-${index.toString(16).padStart(12, "0")}`;
  }
  return `T-${String(index).padStart(7, "0")}`;
}

const ID_PATTERNS: Record<IdStyle, RegExp> = {
  padded: /^T-(\d{7})$/,
  numeric: /^([1-9]\d{0,7})$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8000-([0-9a-f]{12})$/,
};

/** The index behind an id, or undefined for an id this simulator never issues in this style. */
export function taskIndex(id: string, style: IdStyle = "padded", seed = 0): number | undefined {
  const m = ID_PATTERNS[style].exec(id);
  if (!m) return undefined;
  const index =
    style === "uuid" ? Number.parseInt(m[1]!, 16) : style === "numeric" ? Number(m[1]) - 1 : Number(m[1]);
  return index < MAX_TASK_COUNT && taskId(index, style, seed) === id ? index : undefined;
}

function titleFor(seed: number, index: number, rev: number, shift = 0): string {
  const verb = VERBS[(hash(seed, index, rev, SALT.verb) + shift) % VERBS.length];
  const subject = SUBJECTS[hash(seed, index, rev, SALT.subject) % SUBJECTS.length];
  const object = OBJECTS[hash(seed, index, rev, SALT.object) % OBJECTS.length];
  // The index in the title makes every task findable by a search for its number.
  return `${verb} ${subject} ${object} ${index}`;
}

export type Content = { title: string; status: TaskStatus };

export function originalContent(seed: number, index: number): Content {
  return {
    title: titleFor(seed, index, 0),
    status: TASK_STATUSES[hash(seed, index, 0, SALT.status) % 3],
  };
}

/** New content for an update, guaranteed to differ from `current` so a sync sees a real change. */
export function changedContent(seed: number, index: number, rev: number, current: Content): Content {
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

export const INVALID_KINDS = [
  "missing_title",
  "empty_title",
  "unknown_status",
  "oversized_title",
  "bad_updated_at",
] as const;
export type InvalidKind = (typeof INVALID_KINDS)[number];

export const OVERSIZED_TITLE_LENGTH = 5000;

/** A task's fields as served; `unknown` because a broken version is served on purpose. */
export type ServedFields = { id: string; title?: unknown; status?: unknown; updated_at?: unknown };

/** A task's version as served: as it is, or broken in `kind`'s way. */
export function servedFields(
  kind: InvalidKind | undefined,
  id: string,
  { title, status }: Content,
  updated_at: string,
): ServedFields {
  switch (kind) {
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
