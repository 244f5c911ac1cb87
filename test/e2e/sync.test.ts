// Browser tests of the sync side of the dashboard: trigger, live progress, failure details, retry, races.
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openDashboard, screenshot, startWithBrowser, visibleText, waitForText } from "./browser";
import { startServer, type TestServer } from "./server";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  // Small pages, so a sync with upstream latency spans several seconds and can be watched.
  [server, browser] = await startWithBrowser(startServer({ SYNC_PAGE_SIZE: "20" }));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

afterEach(async () => {
  await server.api("/simulator/config", {
    method: "PUT",
    body: { failure_rate: 0, latency_ms: 0, failure_kinds: ["http_500", "http_503", "timeout", "malformed"] },
  });
});

async function latestRunId(): Promise<number> {
  const res = await server.api("/api/sync/runs?limit=1");
  const body = (await res.json()) as { results: { id: number }[] };
  return body.results[0]?.id ?? 0;
}

const lastRun = (page: Page) => page.getByTestId("last-run");

describe("dashboard sync", () => {
  it("syncs from the button and shows the counts and the rows", async () => {
    const { page, problems } = await openDashboard(browser, server.url);

    await page.getByRole("button", { name: "Sync now" }).click();

    const card = await waitForText(lastRun(page), /Succeeded/);
    expect(card).toMatch(/Run #\d+/);
    expect(await visibleText(page.getByTestId("count-fetched"))).toBe("120");
    // The table reloads after the run ends; wait for the synced rows, not the empty table before them.
    await waitForText(page.getByTestId("task-count"), /^120 tasks$/);
    await page.getByTestId("task-row").nth(24).waitFor();
    expect(await page.getByTestId("task-row").count()).toBe(25);
    await waitForText(page.getByTestId("toast"), /Run #\d+ succeeded in .*120 fetched/);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("shows a failed run's details in plain words, then Retry succeeds", async () => {
    await server.api("/simulator/config", {
      method: "PUT",
      body: { failure_rate: 1, failure_kinds: ["http_500"] },
    });
    const { page, problems } = await openDashboard(browser, server.url, { expectedStatuses: [502] });

    await page.getByRole("button", { name: "Sync now" }).click();

    const card = await waitForText(lastRun(page), /Failed/, 30_000);
    const failedId = Number(/Run #(\d+)/.exec(card)?.[1]);
    expect(card).toContain("The upstream answered with an HTTP error (HTTP 500)");
    expect(card).toContain("Nothing from this run was saved");
    expect(card).toMatch(/Upstream requests\s+\d+ \(retries included\)/);
    await waitForText(page.getByTestId("toast"), new RegExp(`Run #${failedId} failed`));
    await screenshot(page, "failure");

    await server.api("/simulator/config", { method: "PUT", body: { failure_rate: 0 } });
    await page.getByRole("button", { name: `Retry run #${failedId}` }).click();

    const retried = await waitForText(
      lastRun(page),
      new RegExp(`Succeeded[\\s\\S]*retry of run #${failedId}`),
      30_000,
    );
    expect(retried).toMatch(/Trigger\s+retry/);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("calls the errors of a run that succeeded after retrying them recovered, not what went wrong", async () => {
    await server.api("/simulator/config", { method: "PUT", body: { fail_next: ["http_500"] } });
    const { page, problems } = await openDashboard(browser, server.url);
    await page.getByRole("button", { name: "Sync now" }).click();

    const card = await waitForText(
      lastRun(page),
      /Succeeded[\s\S]*Recovered along the way \(1 problem\)/,
      30_000,
    );
    expect(card).not.toContain("What went wrong");
    expect(card).not.toContain("retrying may help");
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("says what a failure that retrying cannot fix needs, beside the Retry button", async () => {
    await server.api("/simulator/config", {
      method: "PUT",
      body: { failure_rate: 1, failure_kinds: ["malformed"] },
    });
    const { page, problems } = await openDashboard(browser, server.url, { expectedStatuses: [502] });
    await page.getByRole("button", { name: "Sync now" }).click();

    const card = await waitForText(lastRun(page), /Failed/, 30_000);
    expect(card).toContain("The upstream sent a response we could not read (HTTP 200)");
    expect(card).toContain("Retrying alone is unlikely to help until the cause is fixed.");
    expect(card).not.toContain("will not help");
    expect(await page.getByRole("button", { name: /^Retry run #\d+$/ }).isVisible()).toBe(true);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("follows a sync started through the API live, without a reload", async () => {
    const { page, problems } = await openDashboard(browser, server.url);
    const before = await latestRunId();
    await server.api("/simulator/config", { method: "PUT", body: { latency_ms: 1200 } });

    const started = server.api("/api/sync", { method: "POST", body: { mode: "full" } });

    const live = await waitForText(
      page.getByTestId("sync-live"),
      /Run #\d+ \(manual, full\) is running/,
      10_000,
    );
    expect(Number(/Run #(\d+)/.exec(live)?.[1])).toBeGreaterThan(before);
    expect(await page.getByRole("button", { name: "Sync running…" }).isDisabled()).toBe(true);
    const run = (await (await started).json()) as { id: number };
    await waitForText(lastRun(page), new RegExp(`Run #${run.id}\\s+Succeeded`), 10_000);
    await waitForText(page.getByRole("button", { name: "Sync now" }), /Sync now/);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("says in plain words that a page is being retried, and why, while the run retries it", async () => {
    const { page, problems } = await openDashboard(browser, server.url);
    // Slow answers keep each state on screen across the dashboard's 1 s polls: a 503, then a 429 asking for 4 s,
    // then a 503 again, before page 1 comes through.
    await server.api("/simulator/config", {
      method: "PUT",
      body: { latency_ms: 2000, retry_after_s: 4, fail_next: ["http_503", "rate_limit", "http_503"] },
    });
    await page.getByRole("button", { name: "Sync now" }).click();

    const retrying = page.getByTestId("sync-retrying");
    const after503 = await waitForText(retrying, /Retrying page 1: attempt 2 after HTTP 503/, 10_000);
    expect(after503).toContain("Simulated upstream failure (http_503)");
    const after429 = await waitForText(
      retrying,
      /Retrying page 1: attempt 3 after HTTP 429 — next try in [1-4] s/,
      10_000,
    );
    expect(after429).toContain("Simulated rate limit");
    expect(await visibleText(page.getByTestId("sync-live"))).toMatch(/Run #\d+ \(manual, full\) is running/);
    const shot = await screenshot(page, "retrying");
    expect(shot).toMatch(/retrying/);
    await server.api("/simulator/config", { method: "PUT", body: { latency_ms: 0, retry_after_s: 1 } });

    const card = await waitForText(
      lastRun(page),
      /Succeeded[\s\S]*Recovered along the way \(3 problems\)/,
      30_000,
    );
    expect(card).toMatch(/Upstream requests\s+9 \(retries included\)/);
    expect(await retrying.count()).toBe(0);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("lets one of two racing tabs run the sync while the other follows it", async () => {
    await server.api("/simulator/config", { method: "PUT", body: { latency_ms: 300 } });
    const tabs = await Promise.all([
      openDashboard(browser, server.url, { expectedStatuses: [409] }),
      openDashboard(browser, server.url, { expectedStatuses: [409] }),
    ]);
    const buttons = tabs.map(({ page }) => page.getByRole("button", { name: "Sync now" }));
    await Promise.all(buttons.map((b) => b.waitFor()));

    await Promise.all(buttons.map((b) => b.click()));

    // Exactly one tab got 409 and follows the other's run; the other announces the run it started.
    const followerIndex = await Promise.any(
      tabs.map(({ page }, i) =>
        page
          .getByTestId("following")
          .waitFor({ timeout: 10_000 })
          .then(() => i),
      ),
    );
    const follower = tabs[followerIndex].page;
    const runner = tabs[1 - followerIndex].page;
    expect(await visibleText(follower.getByTestId("following"))).toMatch(
      /A sync is already running — following it/,
    );
    await waitForText(runner.getByTestId("toast"), /Run #\d+ succeeded/, 20_000);
    expect(await runner.getByTestId("following").count()).toBe(0);
    await waitForText(follower.getByTestId("following"), /finished: succeeded/, 20_000);

    const ids = await Promise.all(
      tabs.map(async ({ page }) => {
        const card = await waitForText(lastRun(page), /Succeeded/, 20_000);
        return /Run #(\d+)/.exec(card)?.[1];
      }),
    );
    expect(ids[0]).toBe(ids[1]);
    expect(Number(ids[0])).toBe(await latestRunId());
    for (const { page, problems } of tabs) {
      expect(problems).toEqual([]);
      await page.context().close();
    }
  });

  it("pages back through older runs beyond the newest 20", async () => {
    for (let i = 0; i < 22; i++) {
      const res = await server.api("/api/sync", { method: "POST" });
      expect(res.status).toBe(200);
    }
    const [total] = (await (await server.api("/api/sync/runs?limit=100")).json()).results.map(
      (r: { id: number }) => r.id,
    );
    const { page, problems } = await openDashboard(browser, server.url);
    const rows = page.getByTestId("run-table").locator("tbody tr");
    await page.getByRole("button", { name: /Show all 20 loaded runs/ }).click();
    expect(await rows.count()).toBe(20);
    await page.getByTestId("older-runs").click();
    await waitForText(page.getByRole("button", { name: /Show fewer runs/ }), /Show fewer/);
    await page.waitForFunction(
      (n) => document.querySelectorAll("[data-testid=run-table] tbody tr").length === n,
      Math.min(total, 40),
    );
    expect(await rows.last().textContent()).toContain(`#${Math.max(1, total - 39)}`);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe("dashboard sync that outlives the server's wait", () => {
  let slow: TestServer;
  beforeAll(async () => {
    // 6 pages of 20 at 300 ms each: about 2 s, longer than the 1 s POST /api/sync waits before answering 202.
    slow = await startServer({ SYNC_PAGE_SIZE: "20", SIM_LATENCY_MS: "300", SYNC_WAIT_SECONDS: "1" });
  });
  afterAll(async () => {
    await slow?.stop();
  });

  it("follows this tab's own run after a 202 without calling it someone else's", async () => {
    const { page, problems } = await openDashboard(browser, slow.url);
    await page.getByRole("button", { name: "Sync now" }).click();

    // The run this tab started is not "already running" (what a 409 for another tab's or the cron's run says).
    const notice = await waitForText(page.getByTestId("following"), /following it/);
    expect(notice).toMatch(/^Your sync \(run #\d+\) is still running on the server — following it\.$/);
    await waitForText(page.getByTestId("following"), /finished: succeeded/, 20_000);
    await waitForText(page.getByTestId("toast"), /Run #\d+ succeeded/);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
