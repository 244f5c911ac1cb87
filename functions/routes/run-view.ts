// A run as the API answers it (GET /api/sync/runs/:id, the status, POST /api/sync): its zod schema, which also
// documents it in the OpenAPI document, and the view built from its row.
import { z } from "@hono/zod-openapi";
import { RUN_STATUSES, RUN_TRIGGERS, SYNC_MODES, type SyncRun } from "../../db/schema";
import { runCounts, runDurationMs, runErrors } from "../../db/sync-runs";
import type { AppEnv } from "../router";
import { parseLiveRetry } from "../sync/live-retry";

const RunErrorSchema = z.object({
  at: z.string(),
  kind: z.string(),
  message: z.string(),
  http_status: z.number().int().optional(),
  external_id: z.string().optional(),
  retryable: z.boolean(),
});

const CountsSchema = z.object({
  fetched: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  deleted: z.number().int(),
  skipped: z.number().int(),
  invalid: z.number().int(),
  ignored: z.number().int(),
});

const RetryingSchema = z
  .object({
    page: z.number().int().nullable().openapi({
      description: "The listing's page the request is for; null for another request (confirming a deletion)",
    }),
    attempt: z
      .number()
      .int()
      .openapi({ description: "The attempt the request is on: 2 once the first has failed" }),
    kind: z.string().openapi({ description: "Why the last attempt failed (an error kind, as in `errors`)" }),
    http_status: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "The HTTP status of the failed attempt; null when there was no answer" }),
    message: z.string().openapi({ description: "The failure in plain words (a short, sanitised excerpt)" }),
    failed_at: z.string().openapi({ description: "When the last attempt failed" }),
    next_attempt_at: z
      .string()
      .openapi({ description: "When the next attempt starts (it may already be under way)" }),
  })
  .nullable()
  .openapi("SyncRunRetrying", {
    description:
      "A request of the running run that upstream failed and that is being retried: why, which attempt, and when the next one starts. Progress only: retried requests are counted in `attempts` and `errors` when their page commits or the run ends. Null when no request is being retried",
  });

export const RunSchema = z
  .object({
    id: z.number().int(),
    status: z.enum(RUN_STATUSES),
    trigger: z.enum(RUN_TRIGGERS),
    mode: z.enum(SYNC_MODES),
    retry_of: z.number().int().nullable(),
    started_at: z.string(),
    finished_at: z.string().nullable(),
    duration_ms: z.number().int().nullable(),
    pages: z.number().int(),
    attempts: z.number().int(),
    counts: CountsSchema,
    message: z.string().nullable(),
    next_allowed_at: z.string().nullable(),
    errors: z.array(RunErrorSchema),
    error_count: z.number().int(),
    progress: z
      .object({
        pages: z.number().int(),
        fetched: z.number().int(),
        heartbeat_at: z.string(),
        retrying: RetryingSchema,
      })
      .nullable()
      .openapi({
        description: "While the run is running: what it has committed so far, and a retry under way",
      }),
  })
  .openapi("SyncRun");

export type RunView = z.infer<typeof RunSchema>;

export async function runView(
  db: AppEnv["Variables"]["db"],
  run: SyncRun,
  errorLimit = 50,
): Promise<RunView> {
  const { rows, total } = await runErrors(db, run.id, errorLimit);
  return {
    id: run.id,
    status: run.status,
    trigger: run.trigger,
    mode: run.mode,
    retry_of: run.retryOf,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    duration_ms: runDurationMs(run),
    pages: run.pages,
    attempts: run.attempts,
    counts: runCounts(run),
    message: run.message,
    next_allowed_at: run.nextAllowedAt,
    errors: rows.map((e) => ({
      at: e.at,
      kind: e.kind,
      message: e.message,
      ...(e.httpStatus !== null ? { http_status: e.httpStatus } : {}),
      ...(e.externalId !== null ? { external_id: e.externalId } : {}),
      retryable: e.retryable,
    })),
    error_count: total,
    progress:
      run.status === "running"
        ? {
            pages: run.pages,
            fetched: run.fetched,
            heartbeat_at: run.heartbeatAt,
            retrying: parseLiveRetry(run.liveRetry),
          }
        : null,
  };
}
