// GET /api/metrics: the sync's state for a Prometheus scraper — what /api/sync/status says, as gauges an alert
// can test (`time() - tasksync_last_success_timestamp_seconds > 3600`, `tasksync_consecutive_failures > 2`).
// Every figure is read from a few rows (no count over the tasks or the run history: on D1 each row read is
// billed, and a scraper asks every few seconds).
import { createRoute, z } from "@hono/zod-openapi";
import type { DbKind } from "../../db/client";
import { RUN_STATUSES, type SyncRun } from "../../db/schema";
import { runCounts, runDurationMs } from "../../db/sync-runs";
import type { Config } from "../config";
import { type MetricFamily, PROMETHEUS_CONTENT_TYPE, prometheusText } from "../http/prometheus";
import { requireBearer } from "../http/request-guard";
import { createRouter, errorResponse, openUnlessToken } from "../router";
import type { Quota } from "../upstreams/adapter";
import { upstreamSource } from "../upstreams/source";
import { readSyncState, type SyncState } from "./sync-state";

const route = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["health"],
  summary: "The sync's state in Prometheus's text format (version 0.0.4)",
  responses: {
    200: {
      description:
        "Gauges of the latest run, the last success, failures since, the schedule and upstream's quota",
      content: { "text/plain": { schema: z.string() } },
    },
    401: errorResponse("METRICS_TOKEN is set and the request does not carry it"),
  },
  security: openUnlessToken("metricsToken"),
});

const seconds = (iso: string) => Date.parse(iso) / 1000;
const secondsOrNull = (iso: string | null | undefined) => (iso ? seconds(iso) : null);
const gauge = (name: string, help: string, samples: MetricFamily["samples"]): MetricFamily => ({
  name: `tasksync_${name}`,
  help,
  type: "gauge",
  samples,
});
/** One sample, or none when the value is not known (the family is still listed). */
const known = (value: number | null | undefined) =>
  value === null || value === undefined ? [] : [{ value }];

function runFamilies(run: SyncRun | undefined): MetricFamily[] {
  const counts = run ? runCounts(run) : undefined;
  return [
    gauge("sync_running", "1 while a sync run holds the lease", [
      { value: run?.status === "running" ? 1 : 0 },
    ]),
    gauge(
      "last_run_status",
      "The latest run's status: 1 for its status, 0 for the others",
      run ? RUN_STATUSES.map((status) => ({ labels: { status }, value: run.status === status ? 1 : 0 })) : [],
    ),
    gauge("last_run_id", "The latest run's id", known(run?.id)),
    gauge(
      "last_run_start_timestamp_seconds",
      "When the latest run started",
      known(secondsOrNull(run?.startedAt)),
    ),
    gauge(
      "last_run_end_timestamp_seconds",
      "When the latest run ended",
      known(secondsOrNull(run?.finishedAt)),
    ),
    gauge(
      "last_run_duration_seconds",
      "How long the latest run took",
      known(run?.finishedAt ? runDurationMs(run)! / 1000 : null),
    ),
    gauge("last_run_pages", "Pages the latest run committed", known(run?.pages)),
    gauge(
      "last_run_records",
      "Records of the latest run, by outcome (`fetched` is every record read)",
      counts ? Object.entries(counts).map(([outcome, value]) => ({ labels: { outcome }, value })) : [],
    ),
  ];
}

function quotaFamilies(quota: Quota | null): MetricFamily[] {
  return [
    gauge("upstream_quota_remaining", "Requests GitHub last said are left", known(quota?.remaining)),
    gauge("upstream_quota_limit", "GitHub's request quota", known(quota?.limit)),
    gauge(
      "upstream_quota_reset_timestamp_seconds",
      "When GitHub's quota is renewed",
      known(secondsOrNull(quota?.resetAt)),
    ),
  ];
}

export function syncMetrics(config: Config, dbKind: DbKind, state: SyncState): MetricFamily[] {
  const upstream = upstreamSource(config).kind;
  return [
    gauge("info", "This instance's database and upstream kinds", [
      { labels: { database: dbKind, upstream }, value: 1 },
    ]),
    ...runFamilies(state.run),
    gauge(
      "last_success_timestamp_seconds",
      "When the latest successful run ended",
      known(secondsOrNull(state.lastSuccess)),
    ),
    gauge(
      "consecutive_failures",
      "Runs that ended without success since the latest success (among the runs kept)",
      [{ value: state.failures }],
    ),
    gauge(
      "next_sync_timestamp_seconds",
      "When the next scheduled sync is due",
      known(secondsOrNull(state.next)),
    ),
    // Only GitHub reports a quota.
    ...(upstream === "github" ? quotaFamilies(state.quota) : []),
  ];
}

export function metricsRoutes() {
  return createRouter().openapi(route, async (c) => {
    const { config, clock, dbKind } = c.get("deps");
    if (config.METRICS_TOKEN !== undefined) {
      await requireBearer(
        c.req.header("authorization"),
        config.METRICS_TOKEN,
        "Metrics need the metrics token: Authorization: Bearer <METRICS_TOKEN>",
      );
    }
    const state = await readSyncState(c.get("db"), config, clock());
    return c.body(prometheusText(syncMetrics(config, dbKind, state)), 200, {
      "Content-Type": PROMETHEUS_CONTENT_TYPE,
      "Cache-Control": "no-store",
    }) as never;
  });
}
