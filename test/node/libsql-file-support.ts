// What the file client tests share: temporary database files, and what an operation answers through
// @libsql/client and through the file client (db/libsql-file-client.ts), in a shape toEqual can compare.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Client, createClient, type IntMode, type ResultSet } from "@libsql/client";
import { afterEach, expect } from "vitest";
import { databaseFault } from "../../db/database-faults";
import { createFileClient } from "../../db/libsql-file-client";

/** Run after the test; tempUrl and track add to it. */
export const cleanups: (() => void)[] = [];

/** Call at a test file's top level: closes what track() tracked and removes tempUrl's folders after each test. */
export function cleanUpAfterEach() {
  afterEach(() => {
    for (const c of cleanups.splice(0).reverse()) c();
  });
}

export function tempUrl(): string {
  const dir = mkdtempSync(join(tmpdir(), "tasksync-fileclient-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return `file:${join(dir, "db.sqlite")}`;
}

export function track<T extends { close(): void }>(client: T): T {
  cleanups.push(() => client.close());
  return client;
}

/** The same fresh schema through @libsql/client (`old`) and the file client (`ours`), each on its own file. */
export async function pair(intMode: IntMode = "number", cacheSize?: number) {
  const old = track(createClient({ url: tempUrl(), intMode, concurrency: 1 }));
  const ours = track(createFileClient({ url: tempUrl(), intMode, cacheSize }));
  for (const client of [old, ours]) {
    await client.execute(`create table t (id integer primary key, name text unique, n integer, r real,
      b blob, flag integer, d integer, note text check (note is null or note <> 'bad'))`);
  }
  return { old, ours };
}

export const bytes = (value: unknown) =>
  value instanceof ArrayBuffer ? { bytes: [...new Uint8Array(value)] } : value;

/** Everything a caller can read of a row: keys in order, and each property's value and attributes. */
export function rowShape(row: object) {
  return Reflect.ownKeys(row).map((key) => {
    const { value, ...attributes } = Object.getOwnPropertyDescriptor(row, key)!;
    return [String(key), bytes(value), attributes];
  });
}

export function resultShape(rs: ResultSet) {
  return {
    class: rs.constructor.name,
    columns: rs.columns,
    columnTypes: rs.columnTypes,
    rowsAffected: rs.rowsAffected,
    lastInsertRowid: rs.lastInsertRowid,
    rows: rs.rows.map(rowShape),
    byIndex: rs.rows.map((row) => Array.from(row, bytes)),
    byName: rs.rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, bytes(v)]))),
    json: JSON.stringify(rs.toJSON()),
  };
}

export function errorShape(err: unknown): unknown {
  if (!(err instanceof Error)) return { thrown: err };
  const e = err as Error & Record<string, unknown>;
  return {
    class: e.constructor.name,
    name: e.name,
    message: e.message,
    code: e.code,
    extendedCode: e.extendedCode,
    rawCode: e.rawCode,
    statementIndex: e.statementIndex,
    cause: e.cause === undefined ? undefined : errorShape(e.cause),
    fault: databaseFault(e),
  };
}

/** What an operation answers: its results' shapes, or its error's. */
export async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    const got = await run();
    if (got === undefined) return "done";
    return Array.isArray(got) ? got.map(resultShape) : resultShape(got as ResultSet);
  } catch (err) {
    return errorShape(err);
  }
}

export async function expectSame(old: Client, ours: Client, run: (c: Client) => Promise<unknown>) {
  const expected = await outcome(() => run(old));
  expect(await outcome(() => run(ours))).toEqual(expected);
  return expected;
}
