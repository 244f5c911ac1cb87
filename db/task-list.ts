// The task list's reads: a bounded count, and keyset pages that each walk one named index in sort order.
import { and, type SQL, sql } from "drizzle-orm";
import type { Db } from "./client";
import { titleContains, trigramQuery } from "./task-search";
import type { TaskFilter, TaskKey, TaskRow, TaskSort } from "./tasks";
import { compareText } from "./text-order";

/** Counting stops past this many matches: the answer is then "at least COUNT_LIMIT" (the dashboard's "1,000+"). */
export const COUNT_LIMIT = 1000;

/**
 * A trigram search that matches at most this many rows reads them all through the index and sorts their keys;
 * past it, the page walks the sort index instead (matches are then dense enough to fill a page soon, unless they
 * all sit at the far end of the sort order). Counting that far costs a search one id lookup per match.
 */
export const SORTED_SEARCH_LIMIT = 2000;

/** `fewMatches`: a trigram search known to match at most SORTED_SEARCH_LIMIT rows (see taskPageQuery). */
export type TaskCount = { count: number; exact: boolean; fewMatches: boolean };

type SortField = "updated_at" | "title" | "external_id";

function sortParts(sort: TaskSort) {
  const descending = sort.startsWith("-");
  const field = (descending ? sort.slice(1) : sort) as SortField;
  return { descending, field };
}

/** The sort value of a row, for building the cursor of the page after it. */
export function sortKeyOf(row: TaskRow, sort: TaskSort): TaskKey {
  return { value: row[sortParts(sort).field], id: row.id };
}

const singleStatus = (filter: TaskFilter) => new Set(filter.statuses ?? []).size === 1;

// Partial indexes of deleted rows only, one per sort: the "deleted" view reads them and a sync never writes them.
const DELETED_INDEX: Record<SortField, string> = {
  updated_at: "tasks_deleted_updated_idx",
  title: "tasks_deleted_title_idx",
  external_id: "tasks_deleted_external_idx",
};
const SORT_INDEX: Record<SortField, string> = {
  updated_at: "tasks_updated_idx",
  title: "tasks_title_idx",
  external_id: "tasks_external_id_unique",
};

/**
 * The index a page walks: already in the sort's order, so a page costs its own rows plus the ones the filter
 * skips, never a sort of every match. It is named with INDEXED BY rather than left to the planner, which has no
 * statistics and would seek on a filter and sort all its matches; and a dropped index then fails loudly.
 */
export function pageIndex(filter: TaskFilter, sort: TaskSort): string {
  const { field } = sortParts(sort);
  if (filter.deleted === "only") return DELETED_INDEX[field];
  if (field === "updated_at" && singleStatus(filter)) return "tasks_status_updated_idx";
  return SORT_INDEX[field];
}

/**
 * Where a bounded count reads: the deleted rows' own index, or one of the two that carry every filtered column
 * (deleted_at, status, title), so counting never reads the table.
 */
function countSource(filter: TaskFilter): SQL {
  if (filter.deleted === "only") return sql.raw("tasks indexed by tasks_deleted_updated_idx");
  if (singleStatus(filter)) return sql.raw("tasks indexed by tasks_status_updated_idx");
  return sql.raw("tasks indexed by tasks_updated_idx");
}

function filterConditions(filter: TaskFilter): SQL[] {
  const where: SQL[] = [];
  if (filter.deleted === "exclude") where.push(sql`tasks.deleted_at is null`);
  else if (filter.deleted === "only") where.push(sql`tasks.deleted_at is not null`);
  const statuses = [...new Set(filter.statuses ?? [])];
  // All three statuses is no filter at all.
  if (statuses.length === 1) where.push(sql`tasks.status = ${statuses[0]}`);
  else if (statuses.length === 2) {
    where.push(
      sql`tasks.status in (${sql.join(
        statuses.map((s) => sql`${s}`),
        sql`, `,
      )})`,
    );
  }
  if (filter.search) where.push(titleContains(filter.search));
  if (filter.updatedAfter) where.push(sql`tasks.updated_at > ${filter.updatedAfter}`);
  if (filter.updatedBefore) where.push(sql`tasks.updated_at < ${filter.updatedBefore}`);
  return where;
}

const whereAll = (terms: SQL[]) => and(...terms) ?? sql`1`;

/**
 * How many tasks match, counted up to COUNT_LIMIT + 1 rows (a trigram search: SORTED_SEARCH_LIMIT + 1). A search
 * of 3+ characters walks the trigram index's candidates and checks each row, so it stops after that many real
 * matches whatever the table's size.
 */
export function taskCountQuery(filter: TaskFilter): SQL {
  const where = filterConditions(filter);
  const trigrams = filter.search ? trigramQuery(filter.search) : undefined;
  const rows = trigrams
    ? sql`select 1 from tasks_title_fts cross join tasks on tasks.id = tasks_title_fts.rowid
        where tasks_title_fts match ${trigrams} and ${whereAll(where)} limit ${SORTED_SEARCH_LIMIT + 1}`
    : sql`select 1 from ${countSource(filter)} where ${whereAll(where)} limit ${COUNT_LIMIT + 1}`;
  return sql`select count(*) as n from (${rows})`;
}

const searchesTrigrams = (filter: TaskFilter) =>
  filter.search !== undefined && trigramQuery(filter.search) !== undefined;

function toCount(filter: TaskFilter, rows: unknown): TaskCount {
  const n = Number(rows ?? 0);
  return {
    count: Math.min(n, COUNT_LIMIT),
    exact: n <= COUNT_LIMIT,
    fewMatches: searchesTrigrams(filter) && n <= SORTED_SEARCH_LIMIT,
  };
}

export async function countTasks(db: Db, filter: TaskFilter): Promise<TaskCount> {
  const [row] = await db.all<{ n: number }>(taskCountQuery(filter));
  return toCount(filter, row?.n);
}

// The page comes back as one JSON cell: libSQL's client builds every cell of a result with defineProperty
// (measured: ~0.9 ms for 50 rows of 9 columns, against 0.3 ms for the same rows read raw), one cell costs one.
// It is built after the sort and limit, from the page's ids, so only the page's rows are read from the table.
// Each row is an array, not an object: half the text for SQLite to write and for the route to parse (pageRows).
const ROW_JSON = sql.raw(
  "json_array(tasks.id, tasks.external_id, tasks.title, tasks.status, tasks.remote_updated_at, tasks.created_at, " +
    "tasks.updated_at, tasks.deleted_at, tasks.deleted_by, tasks.source_url)",
);

/** One row of ROW_JSON, in its column order. */
type RowCells = [
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

const rowOf = (c: RowCells): TaskRow => ({
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
 * The rows of a page cell (taskPageQuery's `page`), in the sort's order. SQLite picks the rows in that order, but
 * json_group_array may gather them in any order; sorting the ≤ limit rows here again is cheaper than having
 * SQLite sort them for the aggregate (measured: ~45 µs of 135 µs for 51 rows).
 */
export function pageRows(page: string | null | undefined, sort: TaskSort): TaskRow[] {
  const rows = (JSON.parse(page ?? "[]") as RowCells[]).map(rowOf);
  const { descending, field } = sortParts(sort);
  const direction = descending ? -1 : 1;
  return rows.sort((a, b) => direction * (compareText(a[field], b[field]) || a.id - b.id));
}

/**
 * The statement behind listTasks, exported so a test can check its query plan. Up to `limit` rows after `after`
 * in the sort's order, ties broken by id in the same direction, as one `page` cell for pageRows to read.
 *
 * `fewMatches` (a trigram search known to match at most SORTED_SEARCH_LIMIT rows): fetch the index's candidates
 * by id and sort their keys, instead of walking the sort index past every row the search rejects.
 *
 * SQLite seeks on a row value `(value, id) < (?, ?)` by its first column only when the second is the rowid,
 * so a page after a run of equal values (a sync stamps a whole page with one `updated_at`) would rescan
 * the run. A page after a cursor is therefore two seeks: the rest of the cursor's tie (`value = ? AND id
 * beyond`), then the values beyond it; each arm is limited, so the final sort handles at most 2 x limit rows.
 */
export function taskPageQuery(
  filter: TaskFilter,
  sort: TaskSort,
  limit: number,
  after?: TaskKey,
  fewMatches = false,
): SQL {
  const { descending, field } = sortParts(sort);
  const dir = sql.raw(descending ? "desc" : "asc");
  const beyond = sql.raw(descending ? "<" : ">");
  const column = sql.raw(`tasks.${field}`);
  const trigrams = fewMatches && filter.search ? trigramQuery(filter.search) : undefined;
  const source = trigrams
    ? sql.raw("tasks not indexed")
    : sql.raw(`tasks indexed by ${pageIndex(filter, sort)}`);
  const where = filterConditions(filter);
  if (trigrams) {
    where.push(sql`tasks.id in (select rowid from tasks_title_fts where tasks_title_fts match ${trigrams})`);
  }
  const order = sql`${column} ${dir}, tasks.id ${dir}`;
  const arm = (extra: SQL[], armOrder: SQL) =>
    sql`select ${column} as k, tasks.id as id from ${source}
      where ${whereAll([...where, ...extra])} order by ${armOrder} limit ${limit}`;
  const rows = after
    ? sql`select * from (${arm([sql`${column} = ${after.value}`, sql`tasks.id ${beyond} ${after.id}`], sql`tasks.id ${dir}`)})
      union all
      select * from (${arm([sql`${column} ${beyond} ${after.value}`], order)})
      order by k ${dir}, id ${dir} limit ${limit}`
    : arm([], order);
  return sql`select json_group_array(${ROW_JSON}) as page
    from (${rows}) as page cross join tasks on tasks.id = page.id`;
}

/**
 * One keyset page. `count` (from countTasks for the same filter) says whether a trigram search matches few
 * enough rows to sort them; without it the count is taken here.
 */
export async function listTasks(
  db: Db,
  filter: TaskFilter,
  sort: TaskSort,
  limit: number,
  after?: TaskKey,
  count?: TaskCount,
): Promise<TaskRow[]> {
  const fewMatches = searchesTrigrams(filter) && (count ?? (await countTasks(db, filter))).fewMatches;
  const [row] = await db.all<{ page: string }>(taskPageQuery(filter, sort, limit, after, fewMatches));
  return pageRows(row?.page, sort);
}

/**
 * A page and the count of the whole result. One statement holds both, except for a trigram search, whose count
 * must come first to decide how its page is read.
 */
export async function listTaskPage(
  db: Db,
  filter: TaskFilter,
  sort: TaskSort,
  limit: number,
  after?: TaskKey,
): Promise<{ rows: TaskRow[]; count: TaskCount }> {
  if (searchesTrigrams(filter)) {
    const count = await countTasks(db, filter);
    return { rows: await listTasks(db, filter, sort, limit, after, count), count };
  }
  const [row] = await db.all<{ n: number; page: string }>(
    sql`select (${taskCountQuery(filter)}) as n, (${taskPageQuery(filter, sort, limit, after)}) as page`,
  );
  return { rows: pageRows(row?.page, sort), count: toCount(filter, row?.n) };
}
