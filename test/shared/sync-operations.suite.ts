// The sync contract, continued (see sync.suite.ts, which runs this): the fault matrix, the status, metrics and
// run-history routes; incremental and scheduled syncs are in scheduling.suite.ts.
import { sql } from "drizzle-orm";
import parsePrometheus from "parse-prometheus-text-format";
import { describe, expect, it, vi } from "vitest";
import { acquireLease } from "../../db/lease";
import { PROMETHEUS_CONTENT_TYPE } from "../../functions/http/prometheus";
import type { RunView } from "../../functions/routes/sync";
import { startScheduledSync } from "../../functions/sync/engine";
import { type Harness, type MakeHarness, manualClock, PAGE_BY_PAGE } from "./harness";
import { schedulingSuite } from "./scheduling.suite";
import { expectMirrors, expectRunInvariants, sync, taskRows } from "./sync-checks";

async function listed(h: Harness): Promise<RunView[]> {
  const res = await h.app.request("/api/sync/runs?limit=100");
  return ((await res.json()) as { results: RunView[] }).results;
}

export function syncOperationsSuite(make: MakeHarness) {
  describe("fault matrix", () => {
    const cases = [
      { name: "HTTP 500", faults: ["http_500", "http_500"] as const, kind: "http_error" },
      { name: "HTTP 503", faults: ["http_503"] as const, kind: "http_error" },
      { name: "timeout", faults: ["timeout"] as const, kind: "timeout" },
      { name: "429 with Retry-After", faults: ["rate_limit"] as const, kind: "rate_limited" },
    ];
    for (const c of cases) {
      it(`recovers from a transient ${c.name} by retrying, and mirrors upstream`, async () => {
        const h = await make({
          sim: { total: 90, hang_ms: 5_000, retry_after_s: 2 },
          env: { ...PAGE_BY_PAGE, SYNC_PAGE_SIZE: "40", UPSTREAM_TIMEOUT_MS: "50" },
          afterPage: (_run, page) => {
            if (page === 1) h.simulator.failNext([...c.faults]);
          },
        });
        const { status, run } = await sync(h);
        expect(status).toBe(200);
        expect(run.status).toBe("success");
        expect(run.attempts).toBe(3 + c.faults.length);
        expect(run.errors.map((e) => e.kind)).toEqual(c.faults.map(() => c.kind));
        expect(run.errors.every((e) => e.retryable)).toBe(true);
        if (c.kind === "rate_limited") expect(h.sleeps).toContain(2000);
        await expectMirrors(h.db, h.simulator);
        await expectRunInvariants(h.db, run);
      });
    }

    it("a page that keeps failing ends the run partial at its checkpoint, and a retry resumes there", async () => {
      const h = await make({
        sim: { total: 120 },
        env: { ...PAGE_BY_PAGE, SYNC_PAGE_SIZE: "50" },
        afterPage: (_run, page) => {
          if (page === 1 && h.simulator.pendingFailures.length === 0 && !h.sleeps.length) {
            h.simulator.failNext(["http_503", "http_503", "http_503", "http_503"]);
          }
        },
      });
      const first = await sync(h);
      expect(first.status).toBe(200);
      expect(first.run).toMatchObject({ status: "partial", pages: 1, counts: { created: 50 } });
      expect(first.run.errors.at(-1)).toMatchObject({ kind: "http_error", http_status: 503 });
      expect(await taskRows(h.db)).toHaveLength(50);
      await expectRunInvariants(h.db, first.run);

      const res = await h.app.request(`/api/sync/runs/${first.run.id}/retry`, { method: "POST" });
      expect(res.status).toBe(200);
      const retry = (await res.json()) as RunView;
      expect(retry).toMatchObject({ status: "success", trigger: "retry", retry_of: first.run.id, pages: 2 });
      expect(retry.counts).toMatchObject({ fetched: 70, created: 70 });
      await expectMirrors(h.db, h.simulator);
      await expectRunInvariants(h.db, retry);
    });

    it("a malformed page is not retried and the run fails with nothing committed", async () => {
      const h = await make({ sim: { total: 30, fail_next: ["malformed"] } });
      const { status, run } = await sync(h);
      expect(status).toBe(502);
      expect(run).toMatchObject({ status: "failed", attempts: 1 });
      expect(await taskRows(h.db)).toHaveLength(0);
    });

    it("a Retry-After beyond the budget defers the run with next_allowed_at", async () => {
      const h = await make({ sim: { total: 30, retry_after_s: 600, fail_next: ["rate_limit"] } });
      const { status, json, run } = await sync(h);
      expect(status).toBe(502);
      expect(json.error?.code).toBe("upstream_failed");
      expect(run.status).toBe("deferred");
      expect(run.next_allowed_at).not.toBeNull();
      expect(h.sleeps).toEqual([]);
    });

    it("invalid records are quarantined with their payload and the rest are stored (partial)", async () => {
      const h = await make({ sim: { total: 200, invalid_rate: 0.1 }, env: { SYNC_PAGE_SIZE: "64" } });
      const { status, run } = await sync(h);
      expect(status).toBe(200);
      expect(run.status).toBe("partial");
      expect(run.counts.invalid).toBe(h.simulator.invalidIds().length);
      expect(run.counts.invalid).toBeGreaterThan(0);
      const [err] = await h.db.all<{ raw_payload: string; external_id: string }>(
        sql`select raw_payload, external_id from sync_errors where kind = 'invalid_record' limit 1`,
      );
      expect(h.simulator.invalidIds()).toContain(err!.external_id);
      expect(err!.raw_payload).toContain(err!.external_id);
      await expectMirrors(h.db, h.simulator);
      await expectRunInvariants(h.db, run);
    });

    it("a retry of a successful run is refused with 409 not_retryable; an unknown run is 404", async () => {
      const h = await make({ sim: { total: 5 } });
      const { run } = await sync(h);
      const res = await h.app.request(`/api/sync/runs/${run.id}/retry`, { method: "POST" });
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ error: { code: "not_retryable" } });
      expect((await h.app.request("/api/sync/runs/999999/retry", { method: "POST" })).status).toBe(404);
    });
  });

  describe("GET /api/sync/status and /api/sync/runs", () => {
    it("answers the legacy 'no sync yet' before any run", async () => {
      const h = await make();
      const res = await h.app.request("/api/sync/status/");
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        status: "no sync yet",
        running: false,
        consecutive_failures: 0,
      });
    });

    it("reports the latest run, the last success, consecutive failures and the next tick", async () => {
      const h = await make({ sim: { total: 5 } });
      await sync(h);
      h.simulator.configure({ failure_rate: 1, failure_kinds: ["http_503"] });
      await sync(h);
      await sync(h);
      const body = (await (await h.app.request("/api/sync/status")).json()) as Record<string, unknown>;
      expect(body).toMatchObject({ status: "failed", running: false, consecutive_failures: 2 });
      expect(body.last_success_at).toEqual(expect.any(String));
      expect(body.next_scheduled_at).toEqual(expect.any(String));
      expect(body).toHaveProperty("started_at");
      expect(body).toHaveProperty("finished_at");
      expect(body).toHaveProperty("message");
    });

    it("while a deferral holds the cron, next_scheduled_at is the first tick that will really run", async () => {
      const clock = manualClock("2026-05-01T00:00:00.000Z");
      const h = await make({ clock, sim: { total: 30, retry_after_s: 600, fail_next: ["rate_limit"] } });
      const { run } = await sync(h);
      expect(run.status).toBe("deferred");
      const body = (await (await h.app.request("/api/sync/status")).json()) as Record<string, string>;
      // The ticks before next_allowed_at are skipped; the one named is the first that starts a run.
      expect(Date.parse(body.next_scheduled_at)).toBeGreaterThanOrEqual(Date.parse(run.next_allowed_at!));
      clock.advance(Date.parse(body.next_scheduled_at) - clock().getTime());
      expect(await startScheduledSync(h.engine(), "*/5 * * * *")).toMatchObject({ kind: "started" });
    });

    it("while a page is retried the status says so (attempt, why, next try), clears it once the page comes through, and counts as before", async () => {
      type Status = RunView & { running: boolean };
      const waits: { ms: number; release: () => void }[] = [];
      const status = async () => (await (await h.app.request("/api/sync/status")).json()) as Status;
      let afterRecovery: Status | undefined;
      const h = await make({
        clock: manualClock("2030-01-01T00:00:00.000Z"),
        sim: { total: 90 },
        env: { ...PAGE_BY_PAGE, SYNC_PAGE_SIZE: "40" },
        // Each backoff waits until the test releases it, so the run can be watched while it retries.
        sleep: (ms) => new Promise<void>((release) => waits.push({ ms, release })),
        afterPage: async (_run, page) => {
          if (page === 1) h.simulator.failNext(["http_503", "http_503"]);
          if (page === 2) afterRecovery = await status();
        },
      });
      const started = sync(h);

      for (const attempt of [2, 3]) {
        await vi.waitFor(() => expect(waits).toHaveLength(attempt - 1));
        const wait = waits[attempt - 2]!;
        const during = await vi.waitFor(async () => {
          const s = await status();
          expect(s.progress?.retrying?.attempt).toBe(attempt);
          return s;
        });
        expect(during).toMatchObject({ status: "running", running: true, pages: 1 });
        const retrying = during.progress!.retrying!;
        expect(retrying).toEqual({
          page: 2,
          attempt,
          kind: "http_error",
          http_status: 503,
          message: expect.stringContaining("503"),
          failed_at: expect.any(String),
          next_attempt_at: expect.any(String),
        });
        const untilNext = Date.parse(retrying.next_attempt_at) - Date.parse(retrying.failed_at);
        expect(untilNext).toBeGreaterThanOrEqual(wait.ms);
        expect(untilNext).toBeLessThan(wait.ms + 1000);
        // Progress, not a count: the committed counts are still those of page 1.
        expect(during).toMatchObject({ attempts: 1, error_count: 0, counts: { fetched: 40 } });
        const byId = (await (await h.app.request(`/api/sync/runs/${during.id}`)).json()) as RunView;
        expect(byId.progress?.retrying).toEqual(retrying);
        wait.release();
      }

      const { status: code, run } = await started;
      expect(afterRecovery).toMatchObject({ running: true, pages: 2, progress: { retrying: null } });
      expect(code).toBe(200);
      // The same counts as a run retried without being watched (the fault matrix above).
      expect(run).toMatchObject({ status: "success", pages: 3, attempts: 5, progress: null });
      expect(run.counts).toMatchObject({ fetched: 90, created: 90 });
      expect(run.errors.map((e) => [e.kind, e.http_status, e.retryable])).toEqual([
        ["http_error", 503, true],
        ["http_error", 503, true],
      ]);
      const [row] = await h.db.all<{ live_retry: string | null }>(
        sql`select live_retry from sync_runs where id = ${run.id}`,
      );
      expect(row!.live_retry).toBeNull();
      await expectMirrors(h.db, h.simulator);
      await expectRunInvariants(h.db, run);
    });

    it("a stored retry in progress that is not one reads as none, never as a 500", async () => {
      const h = await make();
      const now = new Date();
      const lease = await acquireLease(h.db, {
        now: now.toISOString(),
        leaseExpiresAt: new Date(now.getTime() + 60_000).toISOString(),
        trigger: "manual",
        mode: "full",
      });
      expect(lease.acquired).toBe(true);
      const id = lease.acquired ? lease.run.id : 0;
      for (const stored of [
        "not json",
        "null",
        "[]",
        '{"page":"2","attempt":2}',
        JSON.stringify("x".repeat(10_000)),
      ]) {
        await h.db.run(sql`update sync_runs set live_retry = ${stored} where id = ${id}`);
        for (const path of ["/api/sync/status", `/api/sync/runs/${id}`, "/api/sync/runs"]) {
          const res = await h.app.request(path);
          expect(res.status, `${path} with ${stored.slice(0, 20)}`).toBe(200);
          const body = (await res.json()) as RunView & { results?: RunView[] };
          expect((body.results?.[0] ?? body).progress).toMatchObject({ retrying: null });
        }
      }
    });

    it("GET /api/metrics says what the status says, as Prometheus gauges", async () => {
      const h = await make({ sim: { total: 5 } });
      const metrics = async () => {
        const res = await h.app.request("/api/metrics");
        expect([res.status, res.headers.get("content-type")]).toEqual([200, PROMETHEUS_CONTENT_TYPE]);
        const families = parsePrometheus(await res.text());
        return (name: string, labels?: Record<string, string>) =>
          families
            .find((f) => f.name === `tasksync_${name}`)
            ?.metrics.filter(
              (m) => labels === undefined || JSON.stringify(m.labels) === JSON.stringify(labels),
            )
            .map((m) => Number(m.value));
      };
      let read = await metrics();
      expect(read("info")).toEqual([1]);
      expect(read("info", { database: h.deps.dbKind, upstream: "simulator" })).toEqual([1]);
      expect([read("sync_running"), read("consecutive_failures"), read("last_run_status")]).toEqual([
        [0],
        [0],
        [],
      ]);
      expect(read("upstream_quota_remaining")).toBeUndefined();
      await sync(h);
      h.simulator.configure({ failure_rate: 1, failure_kinds: ["http_503"] });
      const { run } = await sync(h);
      const status = (await (await h.app.request("/api/sync/status")).json()) as Record<string, string>;
      const seconds = (iso: string) => Date.parse(iso) / 1000;
      read = await metrics();
      expect(read("last_run_status", { status: "failed" })).toEqual([1]);
      expect(read("last_run_status")!.reduce((a, b) => a + b)).toBe(1);
      expect({
        id: read("last_run_id"),
        failures: read("consecutive_failures"),
        success: read("last_success_timestamp_seconds"),
        started: read("last_run_start_timestamp_seconds"),
        duration: read("last_run_duration_seconds"),
        fetched: read("last_run_records", { outcome: "fetched" }),
        next: read("next_sync_timestamp_seconds"),
      }).toEqual({
        id: [run.id],
        failures: [1],
        success: [seconds(status.last_success_at!)],
        started: [seconds(run.started_at)],
        duration: [run.duration_ms! / 1000],
        fetched: [run.counts.fetched],
        next: [seconds(status.next_scheduled_at!)],
      });
    });

    it("GET /api/metrics needs METRICS_TOKEN when it is set, and API_TOKEN does not stand in for it", async () => {
      const metricsToken = "metrics-token-0123456789";
      const apiToken = "api-token-0123456789abcdef";
      const h = await make({ sim: { total: 5 }, env: { METRICS_TOKEN: metricsToken, API_TOKEN: apiToken } });
      const scrape = (authorization?: string) =>
        h.app.request("/api/metrics", { headers: authorization ? { Authorization: authorization } : {} });
      for (const authorization of [
        undefined,
        `Bearer ${apiToken}`,
        `Bearer ${metricsToken}x`,
        metricsToken,
      ]) {
        const res = await scrape(authorization);
        expect([res.status, res.headers.get("www-authenticate")], String(authorization)).toEqual([
          401,
          'Bearer realm="task-sync"',
        ]);
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe("unauthorized");
        expect(body.error.message).toContain("METRICS_TOKEN");
        expect(JSON.stringify(body)).not.toContain(metricsToken);
      }
      const res = await scrape(`bearer ${metricsToken}`);
      expect([res.status, res.headers.get("content-type")]).toEqual([200, PROMETHEUS_CONTENT_TYPE]);
      expect(await res.text()).toContain("tasksync_info{");
      // The status stays open: the dashboard reads it without a token.
      expect((await h.app.request("/api/sync/status")).status).toBe(200);
    });

    it("lists runs newest first with a cursor that walks them all", async () => {
      const h = await make({ sim: { total: 3 } });
      for (let i = 0; i < 5; i++) await sync(h);
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const res = await h.app.request(`/api/sync/runs?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
        const page = (await res.json()) as { results: RunView[]; next_cursor: string | null };
        seen.push(...page.results.map((r) => r.id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toHaveLength(5);
      expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    });

    it("rejects a bad limit or cursor with a 400 naming the field", async () => {
      const h = await make();
      const res = await h.app.request("/api/sync/runs?limit=0");
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        error: { code: "validation_error", details: [{ field: "limit" }] },
      });
      expect((await h.app.request("/api/sync/runs?cursor=abc")).status).toBe(400);
      expect((await h.app.request("/api/sync/runs/abc")).status).toBe(400);
    });

    it("forgets runs past SYNC_RUN_RETENTION_DAYS with their errors, never the latest success or listing", async () => {
      const clock = manualClock("2026-03-01T00:00:00.000Z");
      const h = await make({ sim: { total: 40 }, env: { SYNC_RUN_RETENTION_DAYS: "10" }, clock });
      const days = (n: number) => clock.advance(n * 86_400_000);
      const ids = async () => (await listed(h)).map((r) => r.id);
      const errorsOf = async (id: number) =>
        (await h.db.all<{ n: number }>(sql`select count(*) n from sync_errors where run_id = ${id}`))[0]!.n;
      const first = (await sync(h)).run;
      days(1);
      const success = (await sync(h, { mode: "incremental" })).run;
      days(1);
      h.simulator.configure({ invalid_rate: 0.2 });
      // The latest complete listing: where the next incremental sync continues.
      const listing = (await sync(h)).run;
      expect(listing.status).toBe("partial");
      days(1);
      h.simulator.configure({ invalid_rate: 0, failure_rate: 1, failure_kinds: ["http_503"] });
      const failed = (await sync(h)).run;
      expect(failed.status).toBe("failed");
      expect(await errorsOf(failed.id)).toBeGreaterThan(0);
      days(20);
      // Every earlier run finished before the cut-off; two are still read.
      const late = (await sync(h)).run;
      expect(await ids()).toEqual([late.id, listing.id, success.id]);
      expect(await errorsOf(failed.id)).toBe(0);
      const status = (await (await h.app.request("/api/sync/status")).json()) as Record<string, unknown>;
      expect(status).toMatchObject({ consecutive_failures: 2, last_success_at: success.finished_at });
      expect((await h.app.request(`/api/sync/runs/${first.id}`)).status).toBe(404);
      h.simulator.configure({ failure_rate: 0 });
      const next = (await sync(h, { mode: "incremental" })).run;
      const [{ since }] = (await h.db.all<{ since: string }>(
        sql`select since from sync_runs where id = ${next.id}`,
      )) as [{ since: string }];
      // From the partial run's watermark, a day after the success's.
      expect([next.status, next.mode]).toEqual(["success", "incremental"]);
      expect(Date.parse(since)).toBeGreaterThan(Date.parse(success.finished_at!));
      expect(await ids()).toEqual([next.id, late.id]);
      await expectRunInvariants(h.db, next);
    });

    it("rejects an unknown sync mode with 400 and starts no run", async () => {
      const h = await make();
      const { status } = await sync(h, { mode: "everything" });
      expect(status).toBe(400);
      const [runs] = await h.db.all<{ n: number }>(sql`select count(*) n from sync_runs`);
      expect(runs!.n).toBe(0);
    });
  });

  schedulingSuite(make);
}
