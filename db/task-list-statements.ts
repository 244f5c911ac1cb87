// The task list's statements, by shape: a bounded count, and keyset pages that each walk one named index in sort
// order. Every value is a slot bound when the statement runs, so each shape's text is built once (task-list.ts).
import { and, type SQL, sql } from "drizzle-orm";
import { slot } from "./compiled-statement";
import { titleContains } from "./task-search";
import type { DeletedFilter, TaskRow, TaskSort } from "./tasks";

/** Counting stops past this many matches: the answer is then "at least COUNT_LIMIT" (the dashboard's "1,000+"). */
export const COUNT_LIMIT = 1000;

/**
 * A trigram search that matches at most this many rows reads them all through the index and sorts their keys;
 * past it, the page walks the sort index instead (matches are then dense enough to fill a page soon, unless they
 * all sit at the far end of the sort order). Counting that far costs a search one id lookup per match.
 */
export const SORTED_SEARCH_LIMIT = 2000;

/**
 * A filter as the statements see it: what their text depends on. The values are slots: `status0`, `status1`,
 * `needle` (see titleTest), `trigrams` (see trigramQuery), `updatedAfter`, `updatedBefore`.
 */
export type ListTerms = {
  deleted: DeletedFilter;
  /** How many distinct statuses are filtered on; all three is no filter at all. */
  statuses: 0 | 1 | 2;
  /** How the title is tested for the search, if there is one. */
  search?: "exact" | "folded";
  /** The search is long enough for the trigram index. */
  trigrams: boolean;
  updatedAfter: boolean;
  updatedBefore: boolean;
};

/**
 * A page's shape besides its filter. Its values are slots too: `limit`, and after a cursor `afterValue`, `afterId`.
 * `fewMatches`: a trigram search known to match at most SORTED_SEARCH_LIMIT rows (see pageStatement).
 */
export type PageShape = { sort: TaskSort; cursor: boolean; fewMatches: boolean };

type SortField = "updated_at" | "title" | "external_id";

export function sortParts(sort: TaskSort) {
  const descending = sort.startsWith("-");
  const field = (descending ? sort.slice(1) : sort) as SortField;
  return { descending, field };
}

// Partial indexes of deleted rows only, one per sort: the "deleted" view reads them and a sync never writes them.
const DELETED_INDEX: Record<SortField, string> = {
  updated_at: "tasks_deleted_updated_idx",
  title: "tasks_deleted_title_idx",
  external_id: "tasks_deleted_external_idx",
};
/**
 * The index a page walks. For updated_at and external_id it is already in the sort's order, so a page costs its
 * own rows plus the ones the filter skips, never a sort of every match. Title has no index of its own (it cost
 * the sync more than any other, see db/schema.ts): a title page reads every match from a covering index and keeps
 * the best `limit` (SQLite's sorter with a LIMIT holds only those). The index is named with INDEXED BY rather
 * than left to the planner, which has no statistics and would seek on a filter and sort all its matches; and a
 * dropped index then fails loudly.
 */
function pageIndex(terms: ListTerms, sort: TaskSort): string {
  const { field } = sortParts(sort);
  if (terms.deleted === "only") return DELETED_INDEX[field];
  if (field === "external_id") return "tasks_external_id_unique";
  return terms.statuses === 1 ? "tasks_status_updated_idx" : "tasks_updated_idx";
}

/**
 * Where a bounded count reads: the deleted rows' own index, or one of the two that carry every filtered column
 * (deleted_at, status, title), so counting never reads the table.
 */
function countSource(terms: ListTerms): SQL {
  if (terms.deleted === "only") return sql.raw("tasks indexed by tasks_deleted_updated_idx");
  if (terms.statuses === 1) return sql.raw("tasks indexed by tasks_status_updated_idx");
  return sql.raw("tasks indexed by tasks_updated_idx");
}

function filterConditions(terms: ListTerms): SQL[] {
  const where: SQL[] = [];
  if (terms.deleted === "exclude") where.push(sql`tasks.deleted_at is null`);
  else if (terms.deleted === "only") where.push(sql`tasks.deleted_at is not null`);
  if (terms.statuses === 1) where.push(sql`tasks.status = ${slot("status0")}`);
  else if (terms.statuses === 2) where.push(sql`tasks.status in (${slot("status0")}, ${slot("status1")})`);
  if (terms.search) where.push(titleContains(terms.search === "folded", slot("needle")));
  if (terms.updatedAfter) where.push(sql`tasks.updated_at > ${slot("updatedAfter")}`);
  if (terms.updatedBefore) where.push(sql`tasks.updated_at < ${slot("updatedBefore")}`);
  return where;
}

const whereAll = (terms: SQL[]) => and(...terms) ?? sql`1`;

/**
 * How many tasks match, counted up to COUNT_LIMIT + 1 rows (a trigram search: SORTED_SEARCH_LIMIT + 1). A search
 * of 3+ characters walks the trigram index's candidates and checks each row, so it stops after that many real
 * matches whatever the table's size.
 */
export function countStatement(terms: ListTerms): SQL {
  const where = whereAll(filterConditions(terms));
  const rows = terms.trigrams
    ? sql`select 1 from tasks_title_fts cross join tasks on tasks.id = tasks_title_fts.rowid
        where tasks_title_fts match ${slot("trigrams")} and ${where} limit ${SORTED_SEARCH_LIMIT + 1}`
    : sql`select 1 from ${countSource(terms)} where ${where} limit ${COUNT_LIMIT + 1}`;
  return sql`select count(*) as n from (${rows})`;
}

// The page comes back as one JSON cell: libSQL's client builds every cell of a result with defineProperty
// (measured: ~0.9 ms for 50 rows of 9 columns, against 0.3 ms for the same rows read raw), one cell costs one.
// It is built after the sort and limit, from the page's ids, so only the page's rows are read from the table.
// Each row is an array, not an object: half the text for SQLite to write and for the route to parse.
const ROW_JSON = sql.raw(
  "json_array(tasks.id, tasks.external_id, tasks.title, tasks.status, tasks.remote_updated_at, tasks.created_at, " +
    "tasks.updated_at, tasks.deleted_at, tasks.deleted_by, tasks.source_url)",
);

/** One row of ROW_JSON, in its column order. */
export type RowCells = [
  TaskRow["id"],
  TaskRow["external_id"],
  TaskRow["title"],
  TaskRow["status"],
  TaskRow["remote_updated_at"],
  TaskRow["created_at"],
  TaskRow["updated_at"],
  TaskRow["deleted_at"],
  TaskRow["deleted_by"],
  TaskRow["source_url"],
];

export const rowOf = (c: RowCells): TaskRow => ({
  id: c[0],
  external_id: c[1],
  title: c[2],
  status: c[3],
  remote_updated_at: c[4],
  created_at: c[5],
  updated_at: c[6],
  deleted_at: c[7],
  deleted_by: c[8],
  source_url: c[9],
});

/**
 * Up to `limit` rows after the cursor in the sort's order, ties broken by id in the same direction, as one `page`
 * cell of ROW_JSON arrays gathered in no set order.
 *
 * `fewMatches`: fetch the trigram index's candidates by id and sort their keys, instead of walking the sort index
 * past every row the search rejects.
 *
 * SQLite seeks on a row value `(value, id) < (?, ?)` by its first column only when the second is the rowid,
 * so a page after a run of equal values (a sync stamps a whole page with one `updated_at`) would rescan
 * the run. A page after a cursor is therefore two seeks: the rest of the cursor's tie (`value = ? AND id
 * beyond`), then the values beyond it; each arm is limited, so the final sort handles at most 2 x limit rows.
 * A title page outside the deleted view has no index to seek in: it reads its matches once, past the cursor's
 * row value, and keeps the best `limit`.
 */
export function pageStatement(terms: ListTerms, { sort, cursor, fewMatches }: PageShape): SQL {
  const { descending, field } = sortParts(sort);
  const dir = sql.raw(descending ? "desc" : "asc");
  const beyond = sql.raw(descending ? "<" : ">");
  const column = sql.raw(`tasks.${field}`);
  const sorted = fewMatches && terms.trigrams;
  const source = sorted
    ? sql.raw("tasks not indexed")
    : sql.raw(`tasks indexed by ${pageIndex(terms, sort)}`);
  const where = filterConditions(terms);
  if (sorted) {
    where.push(
      sql`tasks.id in (select rowid from tasks_title_fts where tasks_title_fts match ${slot("trigrams")})`,
    );
  }
  const order = sql`${column} ${dir}, tasks.id ${dir}`;
  const limit = slot("limit");
  const arm = (extra: SQL[], armOrder: SQL) =>
    sql`select ${column} as k, tasks.id as id from ${source}
      where ${whereAll([...where, ...extra])} order by ${armOrder} limit ${limit}`;
  const tie = [sql`${column} = ${slot("afterValue")}`, sql`tasks.id ${beyond} ${slot("afterId")}`];
  const seeks = sorted || field !== "title" || terms.deleted === "only";
  const past = sql`(${column}, tasks.id) ${beyond} (${slot("afterValue")}, ${slot("afterId")})`;
  const afterCursor = () =>
    seeks
      ? sql`select * from (${arm(tie, sql`tasks.id ${dir}`)})
      union all
      select * from (${arm([sql`${column} ${beyond} ${slot("afterValue")}`], order)})
      order by k ${dir}, id ${dir} limit ${limit}`
      : arm([past], order);
  const rows = cursor ? afterCursor() : arm([], order);
  return sql`select json_group_array(${ROW_JSON}) as page
    from (${rows}) as page cross join tasks on tasks.id = page.id`;
}
