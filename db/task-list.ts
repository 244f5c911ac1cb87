// The task list's reads: a bounded count and keyset pages (task-list-statements.ts), bound to a filter's values.
import type { SQL } from "drizzle-orm";
import { sql } from "drizzle-orm";
import type { Db } from "./client";
import { type Bindings, statementCache } from "./compiled-statement";
import {
  COUNT_LIMIT,
  countStatement,
  type ListTerms,
  type PageShape,
  pageStatement,
  type RowCells,
  rowOf,
  SORTED_SEARCH_LIMIT,
  sortParts,
} from "./task-list-statements";
import { titleTest, trigramQuery } from "./task-search";
import type { TaskFilter, TaskKey, TaskRow, TaskSort } from "./tasks";
import { compareText } from "./text-order";

/** `fewMatches`: a trigram search known to match at most SORTED_SEARCH_LIMIT rows (see pageStatement). */
export type TaskCount = { count: number; exact: boolean; fewMatches: boolean };

/** The sort value of a row, for building the cursor of the page after it. */
export function sortKeyOf(row: TaskRow, sort: TaskSort): TaskKey {
  return { value: row[sortParts(sort).field], id: row.id };
}

type ListInput = { terms: ListTerms; values: Bindings };

/** A filter's shape and the values its statements bind (the slots named in ListTerms). */
function listInput(filter: TaskFilter): ListInput {
  const distinct = [...new Set(filter.statuses ?? [])];
  const statuses = distinct.length === 3 ? [] : distinct;
  const values: Bindings = {};
  statuses.forEach((status, i) => {
    values[`status${i}`] = status;
  });
  const test = filter.search ? titleTest(filter.search) : undefined;
  if (test) values.needle = test.needle;
  const trigrams = filter.search ? trigramQuery(filter.search) : undefined;
  if (trigrams) values.trigrams = trigrams;
  if (filter.updatedAfter) values.updatedAfter = filter.updatedAfter;
  if (filter.updatedBefore) values.updatedBefore = filter.updatedBefore;
  const terms: ListTerms = {
    deleted: filter.deleted,
    statuses: statuses.length as ListTerms["statuses"],
    search: test ? (test.folded ? "folded" : "exact") : undefined,
    trigrams: trigrams !== undefined,
    updatedAfter: values.updatedAfter !== undefined,
    updatedBefore: values.updatedBefore !== undefined,
  };
  return { terms, values };
}

// A few hundred shapes cover every list a dashboard asks for; a client trying them all only churns this.
const statements = statementCache(256);

const countOf = ({ terms, values }: ListInput): SQL =>
  statements(`count ${JSON.stringify(terms)}`, () => countStatement(terms), values);

function pageShape(
  terms: ListTerms,
  sort: TaskSort,
  after: TaskKey | undefined,
  fewMatches: boolean,
): PageShape {
  return { sort, cursor: after !== undefined, fewMatches: fewMatches && terms.trigrams };
}

const pageValues = (values: Bindings, limit: number, after?: TaskKey): Bindings =>
  after ? { ...values, limit, afterValue: after.value, afterId: after.id } : { ...values, limit };

function pageOf({ terms, values }: ListInput, limit: number, page: PageShape, after?: TaskKey): SQL {
  const shape = `page ${JSON.stringify([terms, page])}`;
  return statements(shape, () => pageStatement(terms, page), pageValues(values, limit, after));
}

/** The count statement for `filter`, exported so a test can check its query plan. */
export function taskCountQuery(filter: TaskFilter): SQL {
  return countOf(listInput(filter));
}

/** The page statement behind listTasks (see pageStatement), exported so a test can check its query plan. */
export function taskPageQuery(
  filter: TaskFilter,
  sort: TaskSort,
  limit: number,
  after?: TaskKey,
  fewMatches = false,
): SQL {
  const input = listInput(filter);
  return pageOf(input, limit, pageShape(input.terms, sort, after, fewMatches), after);
}

function toCount(terms: ListTerms, rows: unknown): TaskCount {
  const n = Number(rows ?? 0);
  return {
    count: Math.min(n, COUNT_LIMIT),
    exact: n <= COUNT_LIMIT,
    fewMatches: terms.trigrams && n <= SORTED_SEARCH_LIMIT,
  };
}

async function countInput(db: Db, input: ListInput): Promise<TaskCount> {
  const [row] = await db.all<{ n: number }>(countOf(input));
  return toCount(input.terms, row?.n);
}

export function countTasks(db: Db, filter: TaskFilter): Promise<TaskCount> {
  return countInput(db, listInput(filter));
}

/**
 * The rows of a page cell (pageStatement's `page`), in the sort's order. SQLite picks the rows in that order, but
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
  const input = listInput(filter);
  const fewMatches = input.terms.trigrams && (count ?? (await countInput(db, input))).fewMatches;
  const statement = pageOf(input, limit, pageShape(input.terms, sort, after, fewMatches), after);
  const [row] = await db.all<{ page: string }>(statement);
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
  const input = listInput(filter);
  if (input.terms.trigrams) {
    const count = await countInput(db, input);
    return { rows: await listTasks(db, filter, sort, limit, after, count), count };
  }
  const { terms, values } = input;
  const page = pageShape(terms, sort, after, false);
  const statement = statements(
    `count+page ${JSON.stringify([terms, page])}`,
    () => sql`select (${countStatement(terms)}) as n, (${pageStatement(terms, page)}) as page`,
    pageValues(values, limit, after),
  );
  const [row] = await db.all<{ n: number; page: string }>(statement);
  return { rows: pageRows(row?.page, sort), count: toCount(terms, row?.n) };
}
