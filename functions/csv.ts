// The task CSV export: RFC 4180 rows streamed one keyset page at a time, spreadsheet formulas neutralised.
import { stringify } from "csv-stringify/sync";
import type { Db } from "../db/client";
import { countTasks, listTasks, sortKeyOf } from "../db/task-list";
import type { TaskFilter, TaskKey, TaskRow, TaskSort } from "../db/tasks";
import type { Logger } from "./logger";

export const CSV_COLUMNS = [
  "id",
  "external_id",
  "title",
  "status",
  "remote_updated_at",
  "created_at",
  "updated_at",
  "deleted_at",
  "deleted_by",
  "source_url",
] as const;

/** Rows per database page: memory stays flat however many tasks there are. */
export const EXPORT_PAGE_SIZE = 1000;

// CRLF line ends, as RFC 4180 writes them; quoting only where a cell needs it. A cell holding a lone LF or CR
// needs it too (most readers end a record at either); with record_delimiter set, csv-stringify quotes only CRLF.
const OPTIONS = { record_delimiter: "windows", quote_record_delimiter: true, eof: true } as const;

/**
 * A cell starting with = + - @ (or tab/CR) is a formula to Excel and LibreOffice, which turns an export
 * of upstream-controlled titles into an injection vector (OWASP "CSV injection"); a leading ' makes it text.
 */
export function neutralizeFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

function toCells(row: TaskRow): string[] {
  return CSV_COLUMNS.map((column) => {
    const value = row[column];
    return value === null ? "" : neutralizeFormula(String(value));
  });
}

export function csvChunk(rows: readonly TaskRow[], withHeader: boolean): string {
  const records = rows.map(toCells);
  return stringify(withHeader ? [[...CSV_COLUMNS], ...records] : records, OPTIONS);
}

/** `tasks-20250131T120000Z.csv` */
export function csvFilename(now: Date): string {
  return `tasks-${now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z")}.csv`;
}

/**
 * Every task matching the filter, as a byte stream pulled page by page (the reader's pace sets the query
 * pace). The first page is read before the response starts, so a failing database still answers a JSON
 * error; a failure later can only cut the download short, and is logged.
 */
export async function exportStream(
  db: Db,
  filter: TaskFilter,
  sort: TaskSort,
  logger: Logger,
): Promise<ReadableStream<Uint8Array>> {
  const encoder = new TextEncoder();
  // Counted once: it picks how every page of a search is read (see listTasks).
  const count = await countTasks(db, filter);
  let pending: TaskRow[] | undefined = await listTasks(db, filter, sort, EXPORT_PAGE_SIZE, undefined, count);
  let after: TaskKey | undefined;
  let first = true;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const rows = pending ?? (await listTasks(db, filter, sort, EXPORT_PAGE_SIZE, after, count));
        pending = undefined;
        const text = csvChunk(rows, first);
        first = false;
        if (text !== "") controller.enqueue(encoder.encode(text));
        const last = rows[rows.length - 1];
        if (rows.length < EXPORT_PAGE_SIZE || !last) controller.close();
        else after = sortKeyOf(last, sort);
      } catch (err) {
        logger.error("csv export failed mid-stream", {
          error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        });
        controller.error(err);
      }
    },
  });
}
