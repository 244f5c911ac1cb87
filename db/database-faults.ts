// Names the database faults a caller can act on (locked, full, read-only, unreadable) from any driver's error.

export type DatabaseFaultKind = "busy" | "full" | "readonly" | "cantopen" | "corrupt" | "ioerr";

/** Thrown when the database stayed locked by another connection for longer than the write wait bound. */
export class DatabaseBusyError extends Error {
  readonly code = "SQLITE_BUSY";
  constructor(
    readonly waitedMs: number,
    options?: { cause?: unknown },
  ) {
    super(`The database stayed locked by another connection for ${Math.round(waitedMs)} ms`, options);
    this.name = "DatabaseBusyError";
  }
}

// SQLite's base result codes (libSQL's `code`) and the messages D1 and other drivers carry instead.
const BY_CODE: Record<string, DatabaseFaultKind> = {
  SQLITE_BUSY: "busy",
  SQLITE_LOCKED: "busy",
  SQLITE_FULL: "full",
  SQLITE_READONLY: "readonly",
  SQLITE_CANTOPEN: "cantopen",
  SQLITE_CORRUPT: "corrupt",
  SQLITE_NOTADB: "corrupt",
  SQLITE_IOERR: "ioerr",
};

const BY_MESSAGE: [RegExp, DatabaseFaultKind][] = [
  [/database is locked|database table is locked|SQLITE_BUSY/i, "busy"],
  [/database or disk is full|SQLITE_FULL/i, "full"],
  [/readonly database|read-only database|SQLITE_READONLY/i, "readonly"],
  [/unable to open database|SQLITE_CANTOPEN/i, "cantopen"],
  [/file is not a database|database disk image is malformed|SQLITE_NOTADB|SQLITE_CORRUPT/i, "corrupt"],
  [/disk I\/O error|SQLITE_IOERR/i, "ioerr"],
];

function causes(err: unknown): unknown[] {
  const out: unknown[] = [];
  // drizzle wraps driver errors ("Failed query: …") with the driver's error as `cause`.
  for (let e = err; e && out.length < 8; e = (e as { cause?: unknown }).cause) out.push(e);
  return out;
}

/** The fault an error (or any error in its `cause` chain) reports, or undefined for everything else. */
export function databaseFault(err: unknown): DatabaseFaultKind | undefined {
  const chain = causes(err);
  for (const e of chain) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code in BY_CODE) return BY_CODE[code];
  }
  for (const e of chain) {
    const message = String((e as { message?: unknown }).message ?? "");
    for (const [pattern, kind] of BY_MESSAGE) if (pattern.test(message)) return kind;
  }
  return undefined;
}

/** What an operator should read for each fault, in one sentence. */
export const FAULT_MESSAGES: Record<DatabaseFaultKind, string> = {
  busy: "the database is locked by another connection",
  full: "the database or its disk is full",
  readonly: "the database is read-only",
  cantopen: "the database file cannot be opened",
  corrupt: "the database file is not a valid SQLite database or is corrupt",
  ioerr: "the database had a disk I/O error",
};
