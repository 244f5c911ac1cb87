// The Prometheus text the metrics route writes (functions/http/prometheus.ts), read back by an independent parser
// (parse-prometheus-text-format, a port of Prometheus's Python client's): escapes, special values, empty families.
import parse from "parse-prometheus-text-format";
import { expect, it } from "vitest";
import { parseConfig } from "../../functions/config";
import { prometheusText } from "../../functions/http/prometheus";
import { syncMetrics } from "../../functions/routes/metrics";

it("label values and help with backslashes, quotes and newlines read back as written", () => {
  const tricky = 'C:\\dir "quoted"\nnext line';
  const text = prometheusText([
    {
      name: "a_metric",
      help: `help with ${tricky}`,
      type: "gauge",
      samples: [{ labels: { path: tricky }, value: 1.5 }],
    },
    {
      name: "b_total",
      help: "special values",
      type: "counter",
      samples: [{ value: Number.NaN }, { labels: { x: "" }, value: Number.POSITIVE_INFINITY }],
    },
    { name: "c_unknown", help: "nothing known yet", type: "gauge", samples: [] },
  ]);
  expect(text.endsWith("\n")).toBe(true);
  expect(parse(text)).toEqual([
    {
      name: "a_metric",
      help: `help with ${tricky}`,
      type: "GAUGE",
      metrics: [{ value: "1.5", labels: { path: tricky } }],
    },
    {
      name: "b_total",
      help: "special values",
      type: "COUNTER",
      metrics: [{ value: "NaN" }, { value: "+Inf", labels: { x: "" } }],
    },
    { name: "c_unknown", help: "nothing known yet", type: "GAUGE", metrics: [] },
  ]);
});

it("every metric and label name the service writes is a valid Prometheus name", () => {
  const run = {
    id: 1,
    status: "failed",
    trigger: "manual",
    mode: "full",
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:00:01.000Z",
    pages: 1,
    fetched: 1,
    created: 1,
    updated: 0,
    unchanged: 0,
    deleted: 0,
    skipped: 0,
    invalid: 0,
    ignored: 0,
  } as Parameters<typeof syncMetrics>[2]["run"];
  const families = syncMetrics(parseConfig({ UPSTREAM: "github", GITHUB_REPO: "octo/repo" }), "libsql", {
    run,
    lastSuccess: "2026-01-01T00:00:00.000Z",
    failures: 1,
    next: null,
    quota: { remaining: 4999, limit: 5000, resetAt: "2026-01-01T01:00:00.000Z" },
  });
  expect(families.map((f) => f.name)).toContain("tasksync_upstream_quota_remaining");
  for (const family of families) {
    expect(family.name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
    for (const sample of family.samples)
      for (const label of Object.keys(sample.labels ?? {})) expect(label).toMatch(/^[a-zA-Z_][a-zA-Z0-9_]*$/);
  }
  expect(parse(prometheusText(families)).map((f) => f.name)).toEqual(families.map((f) => f.name));
});
