// The sync against GitHub Issues (the fake, written from GitHub's docs), once for libSQL over real HTTP (test/node)
// and once for D1 in the Workers runtime (test/workers): the engine, the adapter and the database together.
import { sql } from "drizzle-orm";
import parsePrometheus from "parse-prometheus-text-format";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import type { RunView } from "../../functions/routes/sync";
import { startScheduledSync } from "../../functions/sync/engine";
import { githubAdapterFromConfig } from "../../functions/upstreams/github/from-config";
import type { GithubFetch } from "../../functions/upstreams/github/http";
import { compareBy, FakeGithub, type FakeGithubOptions } from "../fake-github/app";
import { issueKey, TEST_TOKEN } from "../fake-github/harness";
import { githubPropertyTest } from "./github-property";
import type { Harness, HarnessOptions, MakeHarness } from "./harness";
import { expectRunInvariants, liveRows, scheduledRun, sync, taskRows } from "./sync-checks";

export type ServeFake = (
  fake: FakeGithub,
) => Promise<{ url: string; fetch: GithubFetch; close: () => Promise<void> }>;

export type Setup = { h: Harness; fake: FakeGithub; logs: string[] };
/** A service syncing from a fresh fake GitHub; `close` stops serving the fake and stops capturing logs. */
export type OpenSetup = (
  fakeOptions?: FakeGithubOptions,
  env?: HarnessOptions["env"],
) => Promise<Setup & { close: () => Promise<void> }>;

/** Requests the fake answered since `from` (an index into its log). */
const since = (fake: FakeGithub, from: number) => fake.log.slice(from);

export function githubSyncSuite(make: MakeHarness, serve: ServeFake, numRuns: number) {
  const open: OpenSetup = async (fakeOptions = {}, env = {}) => {
    const fake = new FakeGithub({ token: TEST_TOKEN, ...fakeOptions });
    const served = await serve(fake);
    // Every log line the service writes, to prove the token is in none of them.
    const logs: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => void logs.push(String(line)));
    const close = async () => {
      spy.mockRestore();
      await served.close();
    };
    let tick = 0;
    const h = await make({
      env: {
        UPSTREAM: "github",
        GITHUB_REPO: "acme/widgets",
        GITHUB_TOKEN: TEST_TOKEN,
        GITHUB_API_URL: served.url,
        LOG_LEVEL: "debug",
        ...env,
      },
      // Our clock follows GitHub's (the fake's), a millisecond further each reading, as manualClock does.
      clock: () => new Date(fake.repo.nowMs + tick++),
      upstream: (config) => (ctx) => {
        if (!ctx.state) throw new Error("the engine passes the adapter its state store");
        return githubAdapterFromConfig(config, { ...ctx, state: ctx.state, fetch: served.fetch });
      },
    });
    return { h, fake, logs, close };
  };

  async function setup(fakeOptions: FakeGithubOptions = {}, env: HarnessOptions["env"] = {}): Promise<Setup> {
    const { close, ...opened } = await open(fakeOptions, env);
    onTestFinished(close);
    return opened;
  }

  async function status(h: Harness) {
    return (await (await h.app.request("/api/sync/status")).json()) as Record<string, unknown> & {
      source: { kind: string; label: string };
      quota: { remaining: number; limit: number; reset_at: string } | null;
    };
  }

  describe("GitHub Issues upstream", () => {
    it("creates one task per issue, skips pull requests, and maps status and link", async () => {
      const { h, fake } = await setup({ total: 230, pullEvery: 5 });
      const { status: code, run } = await sync(h);
      expect(code).toBe(200);
      expect(run.status).toBe("success");
      expect(run.counts).toMatchObject({ fetched: 184, created: 184, ignored: 46, invalid: 0, deleted: 0 });
      await expectRunInvariants(h.db, run);
      const rows = await taskRows(h.db);
      const issues = fake.repo.visibleIssues();
      expect(rows.map((r) => r.external_id).sort()).toEqual(issues.map((i) => issueKey(i.number)).sort());
      const byId = new Map(rows.map((r) => [r.external_id, r]));
      expect(byId.get(issueKey(4))!.status).toBe("done");
      expect(byId.get(issueKey(7))!.status).toBe("in_progress");
      expect(byId.get(issueKey(3))!.status).toBe("todo");
      // ceil(230 / 100) listing requests and nothing else: no task was absent, so nothing to confirm.
      expect(fake.log.map((r) => r.status)).toEqual([200, 200, 200]);
    });

    it("an incremental sync asks GitHub for what changed since the watermark and applies it", async () => {
      const { h, fake } = await setup({ total: 120 });
      const fullStart = fake.repo.now();
      await sync(h);
      fake.repo.advance(10 * 60_000);
      fake.repo.update(1, { title: "Renamed one" });
      fake.repo.update(2, { state: "closed" });
      fake.repo.create({ title: "Brand new", labels: ["In progress"] });
      fake.repo.advance(10 * 60_000);
      const from = fake.log.length;
      const { run } = await sync(h, { mode: "incremental" });
      expect(run.status).toBe("success");
      expect(run.counts).toMatchObject({ fetched: 3, created: 1, updated: 2 });
      const asked = new URLSearchParams(since(fake, from)[0]!.query);
      expect(asked.get("sort")).toBe("updated");
      // The watermark is GitHub's Date at the full sync's start, minus the overlap.
      const overlapMs = h.config.SYNC_WATERMARK_OVERLAP_SECONDS * 1000;
      expect(Date.parse(asked.get("since")!)).toBe(fullStart.getTime() - overlapMs);
      const byId = new Map((await liveRows(h.db)).map((r) => [r.external_id, r]));
      expect(byId.get(issueKey(1))!.title).toBe("Renamed one");
      expect(byId.get(issueKey(2))!.status).toBe("done");
      expect(byId.get(issueKey(121))).toMatchObject({ title: "Brand new", status: "in_progress" });
      await expectRunInvariants(h.db, run);
    });

    it("an incremental sync of an unchanged repository costs one request, answered 304 and free", async () => {
      const { h, fake } = await setup({ total: 120 });
      await sync(h);
      const runs = [];
      for (let i = 0; i < 3; i++) {
        fake.repo.advance(10 * 60_000);
        const from = fake.log.length;
        const quotaBefore = fake.quotas.token.remaining;
        const { run } = await sync(h, { mode: "incremental" });
        runs.push({ run, requests: since(fake, from), spent: quotaBefore - fake.quotas.token.remaining });
      }
      // The first finds nothing (200, empty) and keeps its ETag; from then on each costs one free 304.
      expect(runs[0]!.requests.map((r) => r.status)).toEqual([200]);
      for (const later of runs.slice(1)) {
        expect(later.run.status).toBe("success");
        expect(later.run.counts.fetched).toBe(0);
        expect(later.requests).toEqual([expect.objectContaining({ status: 304, conditional: true })]);
        expect(later.spent).toBe(0);
      }
    });

    it("deletes only what GitHub confirms gone: deleted (410), transferred (301), not an issue still there", async () => {
      const { h, fake } = await setup({ total: 230, pullEvery: 5 });
      await sync(h);
      fake.repo.delete(2);
      fake.repo.transfer(3, 31337);
      // Deleted once the next listing has served it (its oldest update is on the first page).
      const oldest = fake.repo.visibleIssues().sort(compareBy("updated", "asc"))[0]!.number;
      fake.afterListingPage = () => {
        fake.repo.delete(oldest);
        fake.afterListingPage = null;
      };
      // An issue the listing leaves out (GitHub's listing can lag its issue pages) that GitHub still has stays live.
      fake.unlisted.add(11);
      const from = fake.log.length;
      const { run } = await sync(h);
      expect(run.status).toBe("success");
      expect(run.counts.deleted).toBe(2);
      const deleted = async () =>
        (await taskRows(h.db))
          .filter((r) => r.deleted_at !== null)
          .map((r) => r.external_id)
          .sort();
      // The oldest was served before it went, so this listing saw it; #2 and #3 were confirmed gone.
      expect(await deleted()).toEqual([issueKey(2), issueKey(3)].sort());
      const confirmations = since(fake, from).filter((r) => /\/issues\/\d+$/.test(r.path));
      expect(confirmations.map((r) => r.status).sort()).toEqual([200, 301, 410]);
      expect(run.message).toContain("still upstream");
      await expectRunInvariants(h.db, run);
      fake.unlisted.clear();
      // The next full listing misses it and GitHub confirms it deleted; every issue GitHub has is a live task.
      const next = await sync(h);
      expect(next.run.counts.deleted).toBe(1);
      expect(await deleted()).toEqual([issueKey(2), issueKey(3), issueKey(oldest)].sort());
      const live = (await liveRows(h.db)).map((r) => r.external_id).sort();
      expect(live).toEqual(
        fake.repo
          .visibleIssues()
          .map((i) => issueKey(i.number))
          .sort(),
      );
      await expectRunInvariants(h.db, next.run);
    });

    it("stops before the quota runs out, ends deferred until the reset, and resumes after it", async () => {
      const { h, fake } = await setup({ total: 500, pullEvery: 0 });
      fake.setQuota(8, 30 * 60_000);
      const resetAt = new Date(fake.quotas.token.resetSec * 1000).toISOString();
      const first = await sync(h);
      expect(first.status).toBe(502);
      expect(first.run.status).toBe("deferred");
      expect(first.run.next_allowed_at).toBe(resetAt);
      expect(first.run.errors.map((e) => e.message).join(" ")).toContain("quota is nearly spent");
      // Three listing pages; the fake's update times share seconds, so some issues come twice and count once.
      const firstPages = fake.log.filter((r) => r.path.endsWith("/issues"));
      expect(firstPages).toHaveLength(3);
      expect(first.run.counts.created).toBeGreaterThan(250);
      expect(fake.log.every((r) => r.status === 200)).toBe(true); // it never ran into GitHub's wall
      const card = await status(h);
      expect(card.quota).toEqual({ remaining: 5, limit: 5000, reset_at: resetAt });
      fake.repo.advance(31 * 60_000);
      const retried = await h.app.request(`/api/sync/runs/${first.run.id}/retry`, { method: "POST" });
      const resumed = (await retried.json()) as { status: string; counts: { created: number } };
      expect(resumed.status).toBe("success");
      expect(resumed.counts.created).toBe(500 - first.run.counts.created);
      expect(await liveRows(h.db)).toHaveLength(500);
      // The retry went on from the deferred run's cursor: no page was asked twice.
      const queries = fake.log.filter((r) => r.path.endsWith("/issues")).map((r) => r.query);
      expect(new Set(queries).size).toBe(queries.length);
    });

    it("a quota spent while confirming deletions: the retry only confirms, it does not list everything again", async () => {
      const { h, fake } = await setup({ total: 150, pullEvery: 0 });
      const isListing = (r: { path: string }) => r.path.endsWith("/issues");
      const isConfirmation = (r: { path: string }) => /\/issues\/\d+$/.test(r.path);
      await sync(h);
      const pages = fake.log.filter(isListing).length;
      for (const n of [10, 20, 30, 40]) fake.repo.delete(n);
      // Enough for the listing, two confirmations and the repository's (asked at the first "gone") above the 5
      // requests kept in reserve.
      fake.setQuota(pages + 5 + 3, 30 * 60_000);
      const from = fake.log.length;
      const first = await sync(h);
      expect(first.run).toMatchObject({ status: "deferred", counts: { deleted: 0 } });
      expect(since(fake, from).filter(isListing)).toHaveLength(pages);
      expect(since(fake, from).filter(isConfirmation)).toHaveLength(2);
      fake.repo.advance(31 * 60_000);
      const retryFrom = fake.log.length;
      const res = await h.app.request(`/api/sync/runs/${first.run.id}/retry`, { method: "POST" });
      const retried = (await res.json()) as RunView;
      expect(retried).toMatchObject({ status: "success", retry_of: first.run.id, counts: { deleted: 4 } });
      expect(retried.message).toContain(`Resumed run ${first.run.id}'s complete listing at its end`);
      // The deferred run's listing was complete: the retry spends the quota on the confirmations alone, and only
      // on the two the deferred run got no answer for.
      expect(since(fake, retryFrom).filter(isListing)).toHaveLength(0);
      expect(since(fake, retryFrom).filter(isConfirmation)).toHaveLength(2);
      expect((await liveRows(h.db)).length).toBe(146);
      await expectRunInvariants(h.db, retried);
    });

    it("confirmations one quota window cannot hold finish over several: none is asked twice, all deletions apply", async () => {
      const { h, fake } = await setup({ total: 150, pullEvery: 0, quotaWindowMs: 30 * 60_000 });
      const isListing = (r: { path: string }) => r.path.endsWith("/issues");
      const isConfirmation = (r: { path: string }) => /\/issues\/\d+$/.test(r.path);
      await sync(h);
      const pages = fake.log.filter(isListing).length;
      // Five issues are gone; one more the listing leaves out though its page answers (still there, kept).
      for (const n of [10, 20, 30, 40, 50]) fake.repo.delete(n);
      fake.unlisted.add(5);
      // Each window leaves room for two confirmations and the repository's above the 5 requests kept in reserve.
      fake.setQuota(pages + 5 + 3);
      const from = fake.log.length;
      const runs = [(await sync(h)).run];
      for (let window = 0; window < 5 && runs.at(-1)!.status === "deferred"; window++) {
        fake.repo.advance(31 * 60_000);
        fake.spendQuota(5 + 3);
        const res = await h.app.request(`/api/sync/runs/${runs.at(-1)!.id}/retry`, { method: "POST" });
        const json = (await res.json()) as RunView & { run?: RunView };
        runs.push(json.run ?? json);
      }
      expect(runs.map((r) => r.status)).toEqual(["deferred", "deferred", "success"]);
      expect(runs.map((r) => r.counts.deleted)).toEqual([0, 0, 5]);
      // A deferred run says what it was told; the run that concludes deletes all it was told are gone.
      for (const run of runs.slice(0, 2))
        expect(run.message).toMatch(/Upstream answered for 2 of the \d+ task/);
      expect(runs[2]!.message).toContain(" 5 deleted,");
      // Only the first run listed; each issue was asked about once, two a window.
      const asked = since(fake, from).filter(isConfirmation);
      expect(since(fake, from).filter(isListing)).toHaveLength(pages);
      expect(asked).toHaveLength(6);
      expect(new Set(asked.map((r) => r.path)).size).toBe(6);
      // The runs' attempts account for every request GitHub answered, the confirmations of deferred runs too.
      expect(runs.reduce((n, r) => n + r.attempts, 0)).toBe(since(fake, from).length);
      expect((await liveRows(h.db)).length).toBe(145);
      for (const run of runs) await expectRunInvariants(h.db, run);
    });

    it("the first tick after a deferral's reset resumes the deferred run where GitHub stopped it", async () => {
      const { h, fake } = await setup({ total: 150, pullEvery: 0 });
      const isListing = (r: { path: string }) => r.path.endsWith("/issues");
      expect(await scheduledRun(h)).toMatchObject({ mode: "full", status: "success" });
      const pages = fake.log.filter(isListing).length;
      for (const n of [10, 20, 30, 40]) fake.repo.delete(n);
      fake.repo.advance(h.config.SYNC_FULL_EVERY_HOURS * 3_600_000);
      fake.setQuota(pages + 5 + 2, 30 * 60_000);
      const deferred = await scheduledRun(h);
      expect(deferred).toMatchObject({ mode: "full", status: "deferred", deleted: 0 });
      // A tick before the reset is skipped; the first one after it ends the listing the deferred run completed.
      expect(await startScheduledSync(h.engine(), "*/5 * * * *")).toBeUndefined();
      fake.repo.advance(31 * 60_000);
      const from = fake.log.length;
      const resumed = await scheduledRun(h);
      expect(resumed).toMatchObject({
        trigger: "schedule",
        mode: "full",
        status: "success",
        retryOf: deferred.id,
        deleted: 4,
      });
      expect(since(fake, from).filter(isListing)).toHaveLength(0);
      expect((await liveRows(h.db)).length).toBe(146);
    });

    it("sits out a secondary rate limit within the run's wait budget", async () => {
      const { h, fake } = await setup({ total: 50 });
      fake.secondary = { times: 1, status: 403, retryAfterSec: 12 };
      const { run } = await sync(h);
      expect(run.status).toBe("success");
      expect(h.sleeps).toContain(12_000);
      expect(run.counts.created).toBe(40);
    });

    it("a refused token fails the run with 'GitHub refused the token', and the token is shown nowhere", async () => {
      const { h, logs } = await setup({ total: 20, token: "ghp_someoneElsesToken" });
      const res = await sync(h);
      expect(res.status).toBe(502);
      expect(res.run.status).toBe("failed");
      expect(res.run.message).toContain("GitHub refused the token: Bad credentials");
      const card = await status(h);
      expect(card.source).toEqual({ kind: "github", label: "GitHub · acme/widgets" });
      const runs = await (await h.app.request("/api/sync/runs")).text();
      const errors = await h.db.all(sql`select * from sync_errors`);
      for (const text of [
        JSON.stringify(res.json),
        JSON.stringify(card),
        runs,
        JSON.stringify(errors),
        ...logs,
      ]) {
        expect(text).not.toContain(TEST_TOKEN);
      }
      expect(logs.length).toBeGreaterThan(0);
    });

    it("a repository GitHub does not show fails the run with a message that says so", async () => {
      const { h } = await setup({ total: 20 }, { GITHUB_REPO: "acme/missing" });
      const res = await sync(h);
      expect(res.run.status).toBe("failed");
      expect(res.run.message).toContain("repository not found or not visible to this token");
    });

    it("the status endpoint names the source and the quota GitHub last reported", async () => {
      const { h, fake } = await setup({ total: 20, quotaLimit: 5000 });
      expect((await status(h)).quota).toBeNull();
      await sync(h);
      const card = await status(h);
      expect(card.source.label).toBe("GitHub · acme/widgets");
      expect(card.quota).toEqual({
        remaining: 4999,
        limit: 5000,
        reset_at: new Date(fake.quotas.token.resetSec * 1000).toISOString(),
      });
      // The same quota for a scraper; the token appears nowhere in it.
      const text = await (await h.app.request("/api/metrics")).text();
      const families = parsePrometheus(text).filter((f) => f.name.startsWith("tasksync_upstream_quota_"));
      expect(
        Object.fromEntries(families.map((f) => [f.name, f.metrics.map((m) => Number(m.value))])),
      ).toEqual({
        tasksync_upstream_quota_remaining: [4999],
        tasksync_upstream_quota_limit: [5000],
        tasksync_upstream_quota_reset_timestamp_seconds: [fake.quotas.token.resetSec],
      });
      expect(
        parsePrometheus(text).find((f) => f.name === "tasksync_info")?.metrics[0]?.labels?.upstream,
      ).toBe("github");
      expect(text).not.toContain(TEST_TOKEN);
    });

    it("an issue deleted on GitHub leaves the mirror at the scheduled full listing a day after the last", async () => {
      const { h, fake } = await setup({ total: 30, pullEvery: 0 });
      const live = async () => (await liveRows(h.db)).map((r) => r.external_id);
      expect(await scheduledRun(h)).toMatchObject({ mode: "full", created: 30 });
      fake.repo.delete(7);
      fake.repo.advance(60 * 60_000);
      // GitHub lists no deleted issue, so an incremental listing cannot see it go.
      expect(await scheduledRun(h)).toMatchObject({ mode: "incremental", deleted: 0 });
      expect(await live()).toContain(issueKey(7));
      fake.repo.advance(h.config.SYNC_FULL_EVERY_HOURS * 3_600_000);
      expect(await scheduledRun(h)).toMatchObject({ mode: "full", status: "success", deleted: 1 });
      expect(await live()).not.toContain(issueKey(7));
    });

    githubPropertyTest(open, numRuns);
  });
}
