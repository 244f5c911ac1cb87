// What crosses between the main thread and the write thread: batches one way; result sets and errors back,
// rebuilt on arrival so that drizzle, databaseFault() and isLeaseLost() read them as they read libSQL's own.
import type { InArgs, InStatement, ResultSet, Row, TransactionMode, Value } from "@libsql/client";
import { DatabaseBusyError } from "./database-faults";

/** What the write thread is started with. */
export type WriteThreadData = { url: string; busyWaitMs: number };

/** A batch, or one plain statement on the thread's connection (a per-connection setting). */
export type WriteRequest = { id: number } & (
  | { batch: Array<InStatement | [string, InArgs?]>; mode?: TransactionMode }
  | { execute: string }
);

export type WireResultSet = {
  columns: string[];
  columnTypes: string[];
  rows: Value[][];
  rowsAffected: number;
  lastInsertRowid: bigint | undefined;
};

/** One error of a cause chain, outermost first, with the fields fault detection reads. */
export type WireError = {
  name: string;
  message: string;
  code?: string;
  extendedCode?: string;
  rawCode?: number;
  waitedMs?: number;
};

export type WriteReply =
  | { kind: "done"; id: number; results: WireResultSet[] }
  | { kind: "failed"; id: number; error: WireError[] }
  | { kind: "replaced"; cause: WireError[] };

export function resultToWire(rs: ResultSet): WireResultSet {
  return {
    columns: rs.columns,
    columnTypes: rs.columnTypes,
    rows: rs.rows.map((row) => Array.prototype.slice.call(row) as Value[]),
    rowsAffected: rs.rowsAffected,
    lastInsertRowid: rs.lastInsertRowid,
  };
}

// As libSQL builds a row: values by index and length not enumerable, values by column name enumerable.
function rowFromWire(values: Value[], columns: string[]): Row {
  const row = {} as Row;
  Object.defineProperty(row, "length", { value: values.length });
  values.forEach((value, i) => {
    Object.defineProperty(row, i, { value });
    const column = columns[i]!;
    if (!Object.hasOwn(row, column))
      Object.defineProperty(row, column, { value, enumerable: true, configurable: true, writable: true });
  });
  return row;
}

export function resultFromWire(wire: WireResultSet): ResultSet {
  const rows = wire.rows.map((values) => rowFromWire(values, wire.columns));
  return {
    ...wire,
    rows,
    toJSON: () => ({ ...wire, lastInsertRowid: wire.lastInsertRowid?.toString() }),
  };
}

export function errorToWire(err: unknown): WireError[] {
  const chain: WireError[] = [];
  for (let e = err; e && chain.length < 8; e = (e as { cause?: unknown }).cause) {
    const { name, message, code, extendedCode, rawCode, waitedMs } = e as Partial<WireError>;
    chain.push({
      name: String(name ?? "Error"),
      message: String(message ?? e),
      ...(typeof code === "string" ? { code } : {}),
      ...(typeof extendedCode === "string" ? { extendedCode } : {}),
      ...(typeof rawCode === "number" ? { rawCode } : {}),
      ...(typeof waitedMs === "number" ? { waitedMs } : {}),
    });
  }
  return chain;
}

/** The chain rebuilt innermost first; a busy timeout is a DatabaseBusyError again, as callers test for it. */
export function errorFromWire(chain: WireError[]): Error {
  let cause: Error | undefined;
  for (const link of [...chain].reverse()) {
    const options = cause ? { cause } : undefined;
    if (link.name === "DatabaseBusyError" && link.waitedMs !== undefined) {
      cause = new DatabaseBusyError(link.waitedMs, options);
      continue;
    }
    const err = new Error(link.message, options) as Error & Partial<WireError>;
    err.name = link.name;
    if (link.code !== undefined) err.code = link.code;
    if (link.extendedCode !== undefined) err.extendedCode = link.extendedCode;
    if (link.rawCode !== undefined) err.rawCode = link.rawCode;
    cause = err;
  }
  return cause ?? new Error("The write thread failed without an error");
}
