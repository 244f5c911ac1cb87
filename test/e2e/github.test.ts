// Browser test of GitHub mode: the Node service syncs the fake GitHub (served on a local port), and the dashboard
// names the source, shows the quota, hides the simulator panel, and links each task to its issue.
import { createClient } from "@libsql/client";
import parsePrometheus from "parse-prometheus-text-format";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROMETHEUS_CONTENT_TYPE } from "../../functions/http/prometheus";
import { FakeGithub } from "../fake-github/app";
import { TEST_TOKEN } from "../fake-github/harness";
import { type ServedFake, serveFakeGithub } from "../fake-github/server";
import { openDashboard, startWithBrowser, visibleText } from "./browser";
import { runWhenDone, startServer, type TestServer } from "./server";

let fake: FakeGithub;
let github: ServedFake;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  fake = new FakeGithub({ token: TEST_TOKEN, total: 40, pullEvery: 5 });
  github = await serveFakeGithub(fake);
  [server, browser] = await startWithBrowser(
    startServer({
      UPSTREAM: "github",
      GITHUB_REPO: "acme/widgets",
      GITHUB_TOKEN: TEST_TOKEN,
      GITHUB_API_URL: github.url,
    }),
  );
  const res = await server.api("/api/sync", { method: "POST", body: { mode: "full" } });
  expect(res.status).toBe(200);
});

/**
 * The sync stored each issue's html_url; issue 8's is replaced in the database by a `javascript:` URL (the adapter
 * would never store one), which the table must never turn into a link.
 */
async function writeUnsafeSourceUrl() {
  const db = createClient({ url: `file:${server.dbFile}` });
  await db.execute({
    sql: "update tasks set source_url = ? where external_id = ?",
    args: ["javascript:alert(1)", "acme/widgets#8"],
  });
  db.close();
}

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await github?.close();
});

describe("dashboard in GitHub mode", () => {
  it("shows the source and GitHub's quota, and no simulator panel", async () => {
    const { page, problems } = await openDashboard(browser, server.url);
    const source = page.getByTestId("sync-source");
    await source.waitFor();
    expect(await visibleText(source)).toBe("GitHub · acme/widgets");
    const quota = await visibleText(page.getByTestId("sync-quota"));
    expect(quota).toContain(`${fake.quotas.token.remaining.toLocaleString("en-US")} of 5,000 requests left`);
    await page.getByTestId("task-row").first().waitFor();
    expect(await page.getByTestId("simulator-panel").count()).toBe(0);
    // No simulator API in GitHub mode: a JSON 404, never simulator settings (and never the dashboard's HTML).
    const simulator = await server.api("/simulator/config");
    expect(simulator.status).toBe(404);
    expect(await simulator.json()).toMatchObject({ error: { code: "not_found" } });
    const html = await page.content();
    expect(html).not.toContain(TEST_TOKEN);
    expect(problems).toEqual([]);
  });

  it("a task's title links to its issue, opening it in a new tab; an unsafe URL stays text", async () => {
    await writeUnsafeSourceUrl();
    const { page, problems } = await openDashboard(browser, server.url);
    // The issue page is github.com: answered here, so the test never reaches the internet.
    await page
      .context()
      .route("https://github.com/**", (route) =>
        route.fulfill({ status: 200, contentType: "text/html", body: "<title>issue</title>" }),
      );
    await page.getByRole("searchbox", { name: "Search titles" }).fill("Issue 7:");
    const link = page.getByTestId("task-source-link").filter({ hasText: "Issue 7:" });
    await link.waitFor();
    expect(await link.getAttribute("rel")).toBe("noopener noreferrer");
    expect(await link.getAttribute("target")).toBe("_blank");
    const [popup] = await Promise.all([page.waitForEvent("popup"), link.click()]);
    await popup.waitForLoadState();
    expect(popup.url()).toBe("https://github.com/acme/widgets/issues/7");
    await page.getByRole("searchbox", { name: "Search titles" }).fill("Issue 8:");
    const unsafe = page.locator("[data-testid=task-row] .title-cell").filter({ hasText: "Issue 8:" });
    await unsafe.waitFor();
    expect(await unsafe.locator("a").count()).toBe(0);
    expect(problems).toEqual([]);
  });
});

describe("GitHub mode on the Workers runtime (wrangler dev, local D1)", () => {
  it("syncs the fake GitHub and reports the source and quota, the token nowhere in the answers", async () => {
    const workers = await startServer(
      {
        UPSTREAM: "github",
        GITHUB_REPO: "acme/widgets",
        GITHUB_TOKEN: TEST_TOKEN,
        GITHUB_API_URL: github.url,
        // Under wrangler dev a Workflow's outbound requests wait while the request that started it is open (see
        // README, Next steps): answered at once with 202, the POST does not hold the run's first page for 20 s.
        SYNC_WAIT_SECONDS: "1",
      },
      "workers",
    );
    try {
      const synced = await workers.api("/api/sync", { method: "POST", body: { mode: "full" } });
      type Run = { id: number; status: string; counts: { created: number; ignored: number } };
      const started = (await synced.json()) as Run;
      // The Workflow drives the run; past SYNC_WAIT_SECONDS the answer is 202 and the run is followed.
      const run = await runWhenDone<Run>(workers, started.id, { timeoutMs: 60_000 });
      expect(run).toMatchObject({ status: "success", counts: { created: 32, ignored: 8 } });
      const status = await (await workers.api("/api/sync/status")).text();
      expect(JSON.parse(status)).toMatchObject({
        source: { kind: "github", label: "GitHub · acme/widgets" },
        quota: { limit: 5000, remaining: fake.quotas.token.remaining },
      });
      // The Worker answers the metrics as text, not through the dashboard's assets.
      const metricsRes = await workers.api("/api/metrics");
      expect(metricsRes.headers.get("content-type")).toBe(PROMETHEUS_CONTENT_TYPE);
      const metrics = await metricsRes.text();
      const remaining = parsePrometheus(metrics).find((f) => f.name === "tasksync_upstream_quota_remaining");
      expect(remaining?.metrics).toEqual([{ value: String(fake.quotas.token.remaining) }]);
      const tasks = await (await workers.api("/api/tasks?limit=500")).text();
      for (const text of [status, tasks, metrics, JSON.stringify(run)])
        expect(text).not.toContain(TEST_TOKEN);
    } finally {
      await workers.stop();
    }
    // wrangler dev's start (migrations, workerd) takes most of a minute on a busy machine.
  }, 150_000);
});
