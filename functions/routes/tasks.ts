// /api/tasks: the filtered, keyset-paginated task list, one task, the user's delete and restore, CSV export.
import { createRoute, z } from "@hono/zod-openapi";
import { TASK_STATUSES, type TaskStatus } from "../../db/schema";
import { listTaskPage, sortKeyOf } from "../../db/task-list";
import { COUNT_LIMIT } from "../../db/task-list-statements";
import {
  DELETED_FILTERS,
  getTask,
  restoreTask,
  softDeleteTask,
  TASK_SORTS,
  type TaskFilter,
  type TaskKey,
  type TaskSort,
} from "../../db/tasks";
import { csvFilename, exportStream } from "../csv";
import { ApiError } from "../http/errors";
import { idParam, isoInstant } from "../http/params";
import { createRouter, errorResponse, mutatingRoute } from "../router";

export const TaskSchema = z
  .object({
    id: z.number().int(),
    external_id: z.string(),
    title: z.string(),
    status: z.enum(TASK_STATUSES),
    remote_updated_at: z.string().openapi({ format: "date-time" }),
    created_at: z.string().openapi({ format: "date-time" }),
    updated_at: z
      .string()
      .openapi({ format: "date-time", description: "Moves only when the task's content changes" }),
    deleted_at: z.string().nullable().openapi({ format: "date-time" }),
    deleted_by: z.enum(["user", "upstream"]).nullable(),
    source_url: z.string().nullable().openapi({
      format: "uri",
      description: "The task's page upstream (a GitHub issue's html_url); null if none",
    }),
  })
  .openapi("Task");

const TaskPageSchema = z
  .object({
    results: z.array(TaskSchema),
    next_cursor: z
      .string()
      .nullable()
      .openapi({ description: "Pass as `cursor` for the next page; null on the last" }),
    count: z
      .number()
      .int()
      .openapi({
        description: `Tasks matching the filter, on all pages, counted up to ${COUNT_LIMIT}; see count_exact`,
      }),
    count_exact: z.boolean().openapi({
      description: `false when more than ${COUNT_LIMIT} tasks match: count is then a lower bound ("${COUNT_LIMIT.toLocaleString("en")}+")`,
    }),
  })
  .openapi("TaskPage");

// An empty parameter (`?status=&search=`, as an HTML form sends it) means "not given".
const blankAsMissing = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === "" ? undefined : v), schema);

const instant = (name: string, roundUp = false) =>
  blankAsMissing(isoInstant(name, roundUp).optional()).openapi({
    type: "string",
    format: "date-time",
    example: "2025-01-31T12:00:00Z",
  });

const statusList = blankAsMissing(
  z
    .string()
    .max(100)
    .transform((v, ctx) => {
      const parts = v
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
      const unknown = parts.filter((s) => !(TASK_STATUSES as readonly string[]).includes(s));
      if (unknown.length > 0) {
        ctx.addIssue({
          code: "custom",
          message: `Unknown status ${unknown.map((s) => JSON.stringify(s)).join(", ")}; use ${TASK_STATUSES.join(", ")}`,
        });
        return z.NEVER;
      }
      return parts as TaskStatus[];
    })
    .optional(),
).openapi({
  type: "string",
  description: `One or more of ${TASK_STATUSES.join(", ")}, comma-separated`,
  example: "todo,in_progress",
});

const searchText = blankAsMissing(z.string().max(200).optional());

const FilterQuery = z.object({
  status: statusList,
  search: searchText.openapi({ description: "Case-insensitive substring of the title", example: "invoice" }),
  q: searchText.openapi({ description: "Alias of `search` (used when `search` is absent)" }),
  updated_after: instant("updated_after").openapi({ description: "Only tasks whose updated_at is later" }),
  updated_before: instant("updated_before", true).openapi({
    description: "Only tasks whose updated_at is earlier",
  }),
  deleted: blankAsMissing(z.enum(DELETED_FILTERS).default("exclude")).openapi({
    description: "`exclude` hides deleted tasks, `only` shows just them, `include` shows both",
  }),
  sort: blankAsMissing(z.enum(TASK_SORTS).default("-updated_at")).openapi({
    description: "A leading `-` sorts descending; ties are broken by id",
  }),
});

const ListQuery = FilterQuery.extend({
  limit: blankAsMissing(z.coerce.number().int().min(1).max(500).default(50)),
  cursor: blankAsMissing(z.string().max(8192).optional()).openapi({
    description: "`next_cursor` of the previous page, with the same `sort`",
  }),
});

type FilterInput = z.infer<typeof FilterQuery>;

function toFilter(q: FilterInput): TaskFilter {
  return {
    statuses: q.status,
    search: q.search ?? q.q,
    updatedAfter: q.updated_after,
    updatedBefore: q.updated_before,
    deleted: q.deleted,
  };
}

// Cursors: base64url of JSON [sort, value, id]. The sort is inside so a cursor used with another sort is
// refused instead of silently starting somewhere meaningless.
function encodeCursor(sort: TaskSort, key: TaskKey): string {
  const bytes = new TextEncoder().encode(JSON.stringify([sort, key.value, key.id]));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function decodeCursor(cursor: string, sort: TaskSort): TaskKey {
  const invalid = (message: string) =>
    new ApiError("validation_error", `Invalid cursor: ${message}`, [{ field: "cursor", message }]);
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error("not base64url");
    const binary = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch {
    throw invalid("use a next_cursor value exactly as returned");
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    typeof parsed[1] !== "string" ||
    !Number.isSafeInteger(parsed[2]) ||
    (parsed[2] as number) < 0
  ) {
    throw invalid("use a next_cursor value exactly as returned");
  }
  if (parsed[0] !== sort) {
    throw invalid(`it belongs to sort=${String(parsed[0])}, not sort=${sort}; start again without a cursor`);
  }
  return { value: parsed[1], id: parsed[2] as number };
}

const IdParam = z.object({ id: idParam() });

const listRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["tasks"],
  summary: "List tasks: filter, search, sort, keyset pagination",
  request: { query: ListQuery },
  responses: {
    200: { description: "One page of tasks", content: { "application/json": { schema: TaskPageSchema } } },
    400: errorResponse("A parameter has an unknown or malformed value"),
  },
});

const exportRoute = createRoute({
  method: "get",
  path: "/export.csv",
  tags: ["tasks"],
  summary: "Every task matching the list's filters, as CSV (streamed)",
  description:
    "RFC 4180 CSV with a header row. Cells a spreadsheet would run as a formula (starting with = + - @, tab or CR) are prefixed with '.",
  request: { query: FilterQuery },
  responses: {
    200: { description: "CSV file", content: { "text/csv": { schema: z.string() } } },
    400: errorResponse("A parameter has an unknown or malformed value"),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/{id}",
  tags: ["tasks"],
  summary: "One task (deleted ones too)",
  request: { params: IdParam },
  responses: {
    200: { description: "The task", content: { "application/json": { schema: TaskSchema } } },
    400: errorResponse("The id is not a positive integer"),
    404: errorResponse("No such task"),
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/{id}",
  tags: ["tasks"],
  summary: "Delete a task (soft; idempotent; sync will not bring it back)",
  security: mutatingRoute.security,
  request: { params: IdParam },
  responses: {
    ...mutatingRoute.responses,
    200: { description: "The deleted task", content: { "application/json": { schema: TaskSchema } } },
    400: errorResponse("The id is not a positive integer"),
    404: errorResponse("No such task"),
  },
});

const restoreRoute = createRoute({
  method: "post",
  path: "/{id}/restore",
  tags: ["tasks"],
  summary: "Undo a user's delete (idempotent)",
  security: mutatingRoute.security,
  request: { params: IdParam },
  responses: {
    ...mutatingRoute.responses,
    200: { description: "The restored task", content: { "application/json": { schema: TaskSchema } } },
    400: errorResponse(
      "Invalid id, or the task was deleted upstream (it returns only if upstream restores it)",
    ),
    404: errorResponse("No such task"),
  },
});

export function taskRoutes() {
  return (
    createRouter()
      .openapi(listRoute, async (c) => {
        const q = c.req.valid("query");
        const after = q.cursor ? decodeCursor(q.cursor, q.sort) : undefined;
        const filter = toFilter(q);
        const { rows, count } = await listTaskPage(c.get("db"), filter, q.sort, q.limit + 1, after);
        const results = rows.slice(0, q.limit);
        const last = results[results.length - 1];
        const next = rows.length > q.limit && last ? encodeCursor(q.sort, sortKeyOf(last, q.sort)) : null;
        const body = { results, next_cursor: next, count: count.count, count_exact: count.exact };
        return c.json(body, 200);
      })
      // Registered before /{id}, so "export.csv" is never read as an id.
      .openapi(exportRoute, async (c) => {
        const q = c.req.valid("query");
        const stream = await exportStream(c.get("db"), toFilter(q), q.sort, c.get("deps").logger);
        return c.body(stream, 200, {
          "Content-Type": "text/csv; charset=utf-8",
          "Content-Disposition": `attachment; filename="${csvFilename(c.get("deps").clock())}"`,
          "Cache-Control": "no-store",
        }) as never;
      })
      .openapi(getRoute, async (c) => {
        const task = await getTask(c.get("db"), c.req.valid("param").id);
        if (!task) throw new ApiError("not_found", "Task not found");
        return c.json(task, 200);
      })
      .openapi(deleteRoute, async (c) => {
        const now = c.get("deps").clock().toISOString();
        const task = await softDeleteTask(c.get("db"), c.req.valid("param").id, now);
        if (!task) throw new ApiError("not_found", "Task not found");
        return c.json(task, 200);
      })
      .openapi(restoreRoute, async (c) => {
        const result = await restoreTask(c.get("db"), c.req.valid("param").id);
        if (!result) throw new ApiError("not_found", "Task not found");
        if (result.outcome === "upstream") {
          throw new ApiError(
            "validation_error",
            "This task was deleted upstream; it comes back only if upstream restores it",
          );
        }
        return c.json(result.task, 200);
      })
  );
}
