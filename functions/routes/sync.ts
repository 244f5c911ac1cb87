// /api/sync: trigger a run and get its truthful result, the status card, run history and retries.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { databaseFault } from "../../db/database-faults";
import { reapIfExpired } from "../../db/lease";
import { SYNC_MODES, type SyncRun } from "../../db/schema";
import { databaseErrorOf, getRun, listRuns } from "../../db/sync-runs";
import { ApiError, databaseFaultError, type ErrorCode } from "../http/errors";
import { idParam } from "../http/params";
import { type AppEnv, createRouter, errorResponse, mutatingRoute } from "../router";
import { inProcessLauncher, type RunLauncher } from "../runs/driver";
import { followRun, type Started, type SyncOutcome, startRetry, startSync } from "../sync/engine";
import { syncDeps } from "../sync-deps";
import { upstreamSource } from "../upstreams/source";
import { RunSchema, runView } from "./run-view";
import { readSyncState } from "./sync-state";

export type { RunView } from "./run-view";

const RunErrorResponse = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), run_id: z.number().int().optional() }),
    run: RunSchema.optional(),
  })
  .openapi("SyncRunError");

const statusExtras = {
  running: z.boolean(),
  last_success_at: z.string().nullable(),
  consecutive_failures: z.number().int(),
  next_scheduled_at: z.string().nullable(),
  // Which upstream this instance syncs ("GitHub · owner/name", "Simulator"), and GitHub's last reported quota.
  source: z.object({ kind: z.enum(["simulator", "http", "github"]), label: z.string() }),
  quota: z.object({ remaining: z.number().int(), limit: z.number().int(), reset_at: z.string() }).nullable(),
};

// The latest run's fields with the extras beside them (legacy clients read `status` at the top level),
// or the legacy "no sync yet" before the first run.
const StatusSchema = z
  .union([RunSchema.extend(statusExtras), z.object({ status: z.literal("no sync yet"), ...statusExtras })])
  .openapi("SyncStatus");

const runResponses = {
  200: {
    description: "The run finished `success` or `partial`",
    content: { "application/json": { schema: RunSchema } },
  },
  202: {
    description:
      "The run is still going after `SYNC_WAIT_SECONDS`: it goes on without the caller. `Location` names the run to follow (`GET /api/sync/runs/{id}`)",
    headers: { Location: { schema: { type: "string" as const }, description: "The run's URL" } },
    content: { "application/json": { schema: RunSchema } },
  },
  409: {
    description:
      "Another run holds the lease (`sync_in_progress`), the run cannot be retried (`not_retryable`), or the run lost its lease to another and stopped (`run_abandoned`)",
    content: { "application/json": { schema: RunErrorResponse } },
  },
  502: {
    description: "The run ended `failed` or `deferred`: the error names it, `run` has the details",
    content: { "application/json": { schema: RunErrorResponse } },
  },
  503: {
    description:
      "The run ended `failed` because our database refused it (`database_busy`, `database_unavailable`): `Retry-After` says when to try again, `run` has the details",
    headers: { "Retry-After": { schema: { type: "string" as const }, description: "Seconds to wait" } },
    content: { "application/json": { schema: RunErrorResponse } },
  },
};

const IdParam = z.object({ id: idParam() });

const triggerRoute = createRoute({
  method: "post",
  path: "/",
  tags: ["sync"],
  summary: "Run a sync now and answer its result",
  security: mutatingRoute.security,
  request: {
    body: {
      required: false,
      content: {
        "application/json": {
          schema: z
            // Strict: a typo such as {"mod": "incremental"} is a 400, not a silent full sync.
            .strictObject({ mode: z.enum(SYNC_MODES).optional() })
            .openapi("SyncRequest", { example: { mode: "full" } }),
        },
      },
    },
  },
  responses: {
    ...mutatingRoute.responses,
    ...runResponses,
    400: errorResponse("Invalid body"),
  },
});

const statusRoute = createRoute({
  method: "get",
  path: "/status",
  tags: ["sync"],
  summary: "The latest run, whether one is running, and the schedule",
  responses: { 200: { description: "Status", content: { "application/json": { schema: StatusSchema } } } },
});

const runsRoute = createRoute({
  method: "get",
  path: "/runs",
  tags: ["sync"],
  summary: "Run history, newest first",
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(100).default(20),
      cursor: z
        .string()
        .regex(/^\d{1,15}$/, "cursor must be a value from next_cursor")
        .optional(),
    }),
  },
  responses: {
    200: {
      description: "A page of runs",
      content: {
        "application/json": {
          schema: z.object({ results: z.array(RunSchema), next_cursor: z.string().nullable() }),
        },
      },
    },
    400: errorResponse("Invalid query"),
  },
});

const runRoute = createRoute({
  method: "get",
  path: "/runs/{id}",
  tags: ["sync"],
  summary: "One run with its errors",
  request: { params: IdParam },
  responses: {
    200: { description: "The run", content: { "application/json": { schema: RunSchema } } },
    400: errorResponse("The id is not a positive integer"),
    404: errorResponse("Unknown run"),
  },
});

const retryRoute = createRoute({
  method: "post",
  path: "/runs/{id}/retry",
  tags: ["sync"],
  summary: "Retry a run that did not succeed, from its checkpoint",
  security: mutatingRoute.security,
  request: { params: IdParam },
  responses: {
    ...mutatingRoute.responses,
    ...runResponses,
    400: errorResponse("The id is not a positive integer, or the body is not JSON"),
    404: errorResponse("Unknown run"),
  },
});

/** The driver for this request's run: a Workflow on Workers when bound, else this process. */
function launcherFor(c: Context<AppEnv>): RunLauncher {
  const make = c.get("deps").launcher;
  return make ? make(c.env, () => c.executionCtx) : inProcessLauncher;
}

/** Launches a started run and waits up to SYNC_WAIT_SECONDS for its end. */
async function follow(c: Context<AppEnv>, started: Started): Promise<SyncOutcome> {
  if (started.kind !== "started") return started;
  const deps = c.get("deps");
  return followRun(
    syncDeps(deps, c.get("db")),
    started.run,
    launcherFor(c),
    deps.config.SYNC_WAIT_SECONDS * 1000,
  );
}

async function answer(c: Context<AppEnv>, outcome: SyncOutcome) {
  const db = c.get("db");
  const fail = async (
    code: ErrorCode,
    message: string,
    run: SyncRun | undefined,
    headers?: Record<string, string>,
  ) => {
    const err = new ApiError(
      code,
      message,
      undefined,
      run ? { run: await runView(db, run) } : undefined,
      run ? { run_id: run.id } : undefined,
    );
    return c.json(err.body(), err.status, headers);
  };
  /** A failed run: 503 with Retry-After when our database stopped it (its error says which fault), else 502. */
  const failedRun = async (run: SyncRun) => {
    const cause = await databaseErrorOf(db, run.id);
    if (cause === undefined) return fail("upstream_failed", run.message ?? `Sync ${run.status}`, run);
    const { error, retryAfterSeconds } = databaseFaultError(databaseFault(new Error(cause)) ?? "ioerr");
    return fail(error.code, run.message ?? error.message, run, { "Retry-After": String(retryAfterSeconds) });
  };
  switch (outcome.kind) {
    case "not_found":
      throw new ApiError("not_found", "Sync run not found");
    case "not_retryable":
      return fail(
        "not_retryable",
        `Run ${outcome.run.id} is ${outcome.run.status}; only failed, partial, deferred or abandoned runs can be retried`,
        outcome.run,
      );
    case "busy":
      return fail(
        "sync_in_progress",
        outcome.running ? `Sync run ${outcome.running.id} is already running` : "A sync is already running",
        outcome.running,
      );
    case "running": {
      // Still going after SYNC_WAIT_SECONDS: follow it at its own URL (the dashboard polls the status).
      c.header("Location", `/api/sync/runs/${outcome.run.id}`);
      return c.json(await runView(db, outcome.run), 202);
    }
    case "finished": {
      const { run } = outcome;
      if (run.status === "success" || run.status === "partial") return c.json(await runView(db, run), 200);
      // Upstream did nothing wrong here: this run was too slow to renew its lease and another took over.
      if (run.status === "abandoned")
        return fail("run_abandoned", run.message ?? "The run lost its lease", run);
      return failedRun(run);
    }
  }
}

export function syncRoutes() {
  return createRouter()
    .openapi(triggerRoute, async (c) => {
      const body = c.req.header("content-type") ? c.req.valid("json") : {};
      return answer(
        c,
        await follow(
          c,
          await startSync(syncDeps(c.get("deps"), c.get("db")), { trigger: "manual", mode: body?.mode }),
        ),
      ) as never;
    })
    .openapi(statusRoute, async (c) => {
      const db = c.get("db");
      const { clock, config } = c.get("deps");
      const { run, lastSuccess, failures, quota, next } = await readSyncState(db, config, clock());
      const common = {
        running: run?.status === "running",
        last_success_at: lastSuccess,
        consecutive_failures: failures,
        next_scheduled_at: next,
        source: upstreamSource(config),
        quota: quota && { remaining: quota.remaining, limit: quota.limit, reset_at: quota.resetAt },
      };
      if (!run) return c.json({ status: "no sync yet" as const, ...common }, 200);
      return c.json({ ...(await runView(db, run)), ...common }, 200);
    })
    .openapi(runsRoute, async (c) => {
      const db = c.get("db");
      await reapIfExpired(db, c.get("deps").clock().toISOString());
      const { limit, cursor } = c.req.valid("query");
      const rows = await listRuns(db, limit + 1, cursor ? Number(cursor) : undefined);
      const page = rows.slice(0, limit);
      const results = await Promise.all(page.map((run) => runView(db, run, 5)));
      const next = rows.length > limit ? String(page[page.length - 1]!.id) : null;
      return c.json({ results, next_cursor: next }, 200);
    })
    .openapi(runRoute, async (c) => {
      const db = c.get("db");
      await reapIfExpired(db, c.get("deps").clock().toISOString());
      const run = await getRun(db, c.req.valid("param").id);
      if (!run) throw new ApiError("not_found", "Sync run not found");
      return c.json(await runView(db, run), 200);
    })
    .openapi(retryRoute, async (c) => {
      return answer(
        c,
        await follow(c, await startRetry(syncDeps(c.get("deps"), c.get("db")), c.req.valid("param").id)),
      ) as never;
    });
}
