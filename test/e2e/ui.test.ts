// Browser tests of the dashboard's shell: shortcuts, dark mode, accessibility, narrow screens, offline, token.
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  openDashboard,
  screenshot,
  seriousViolations,
  startWithBrowser,
  visibleText,
  waitForText,
} from "./browser";
import { startServer, type TestServer } from "./server";

// Tests never write tracked files: web/screenshot.png (the README's picture) is copied from this one by hand.
const README_SCREENSHOT = fileURLToPath(new URL("./screenshots/readme.png", import.meta.url));

let server: TestServer;
let browser: Browser;

async function runCount(): Promise<number> {
  const res = await server.api("/api/sync/runs?limit=100");
  return ((await res.json()) as { results: unknown[] }).results.length;
}

const background = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
const isDark = async (page: Page) => {
  const [r, g, b] = (await background(page)).match(/\d+/g)!.map(Number);
  return r + g + b < 150;
};

beforeAll(async () => {
  [server, browser] = await startWithBrowser(startServer());
  const res = await server.api("/api/sync", { method: "POST", body: { mode: "full" } });
  expect(res.status).toBe(200);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("dashboard shell", () => {
  it("answers the keyboard shortcuts, and not while typing", async () => {
    const { page, problems } = await openDashboard(browser, server.url);
    await page.getByTestId("task-row").first().waitFor();

    await page.keyboard.press("?");
    const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await help.waitFor();
    expect(await visibleText(help)).toContain("Focus the task search");
    await page.keyboard.press("Escape");
    await help.waitFor({ state: "hidden" });

    await page.keyboard.press("/");
    const search = page.getByRole("searchbox", { name: "Search titles" });
    expect(await search.evaluate((el) => el === document.activeElement)).toBe(true);
    const before = await runCount();
    await page.keyboard.type("s r");
    expect(await search.inputValue()).toBe("s r");
    await search.fill("");
    await page.keyboard.press("Escape");
    expect(await search.evaluate((el) => el === document.activeElement)).toBe(false);
    expect(await runCount()).toBe(before);

    const refreshed = page.waitForRequest((r) => r.url().includes("/api/tasks?"));
    await page.keyboard.press("r");
    await refreshed;

    await page.keyboard.press("s");
    await waitForText(page.getByTestId("toast"), /Run #\d+ succeeded/);
    expect(await runCount()).toBe(before + 1);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("remembers the dark theme across a reload and follows the system until toggled", async () => {
    const { page, problems } = await openDashboard(browser, server.url, { colorScheme: "light" });
    const toggle = page.getByRole("button", { name: "Dark mode" });
    expect(await isDark(page)).toBe(false);
    expect(await toggle.getAttribute("aria-pressed")).toBe("false");

    await toggle.click();
    expect(await isDark(page)).toBe(true);
    await page.reload();
    await page.getByRole("heading", { name: "Task Sync" }).waitFor();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    expect(await isDark(page)).toBe(true);
    expect(await toggle.getAttribute("aria-pressed")).toBe("true");
    expect(problems).toEqual([]);
    await page.context().close();

    const system = await openDashboard(browser, server.url, { colorScheme: "dark" });
    expect(await isDark(system.page)).toBe(true);
    expect(await system.page.getByRole("button", { name: "Dark mode" }).getAttribute("aria-pressed")).toBe(
      "true",
    );
    expect(system.problems).toEqual([]);
    await system.page.context().close();
  });

  it("has no serious accessibility violations in light and dark, and saves screenshots", async () => {
    for (const colorScheme of ["light", "dark"] as const) {
      const { page, problems } = await openDashboard(browser, server.url, { colorScheme });
      await page.getByTestId("task-row").first().waitFor();
      await page.getByTestId("run-table").waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, colorScheme);
      // The README's picture: the top of the light page (controls, last run, history and the first rows).
      if (colorScheme === "light") {
        await page.screenshot({
          path: README_SCREENSHOT,
          fullPage: true,
          clip: { x: 0, y: 0, width: 1280, height: 1500 },
        });
      }
      expect(problems).toEqual([]);
      await page.context().close();
    }
  });

  it("fits a 375 px wide screen without sideways scrolling", async () => {
    const { page, problems } = await openDashboard(browser, server.url, {
      viewport: { width: 375, height: 800 },
    });
    await page.getByTestId("task-row").first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "narrow", false);
    await page.getByRole("heading", { name: "Tasks" }).scrollIntoViewIfNeeded();
    await screenshot(page, "narrow-tasks", false);

    // The table's headers become cards' labels here, but its sort buttons stay on screen: hidden, a phone could
    // not sort at all, and a keyboard's focus went to three buttons nobody could see.
    await Promise.all([
      page.waitForRequest((r) => r.url().includes("/api/tasks?") && r.url().includes("sort=title")),
      page.getByRole("button", { name: /^Title/ }).click({ timeout: 5_000 }),
    ]);
    expect(await page.getByRole("columnheader", { name: /^Title/ }).getAttribute("aria-sort")).toBe(
      "ascending",
    );
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "narrow-sorted", false);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("shows an offline banner while the network is gone", async () => {
    const { page, problems } = await openDashboard(browser, server.url, {
      allowConsole: /ERR_INTERNET_DISCONNECTED|Failed to fetch/,
    });
    await page.getByTestId("task-row").first().waitFor();
    await page.context().setOffline(true);
    await waitForText(page.getByRole("alert").filter({ hasText: "Offline" }), /server cannot be reached/);
    await page.context().setOffline(false);
    await page.getByRole("alert").filter({ hasText: "Offline" }).waitFor({ state: "detached" });
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe("dashboard with an API token", () => {
  let guarded: TestServer;
  beforeAll(async () => {
    guarded = await startServer({ API_TOKEN: "e2e-token-0123456789abcdef" });
  });
  afterAll(async () => {
    await guarded?.stop();
  });

  it("asks for the token once on 401 and sends it from then on", async () => {
    const { page, problems } = await openDashboard(browser, guarded.url, { expectedStatuses: [401] });
    await page.getByRole("button", { name: "Sync now" }).click();
    const dialog = page.getByRole("dialog", { name: "API token needed" });
    await dialog.waitFor();
    await dialog.getByLabel("API token").fill("e2e-token-0123456789abcdef");
    await dialog.getByRole("button", { name: "Use token" }).click();
    await waitForText(page.getByTestId("last-run"), /Succeeded/);
    expect(await page.evaluate(() => sessionStorage.getItem("tasksync.api-token"))).toBe(
      "e2e-token-0123456789abcdef",
    );

    // The next mutating request carries the token without asking again.
    await page.getByRole("button", { name: "Sync now" }).click();
    await waitForText(page.getByTestId("last-run"), /Run #2\s+Succeeded/);
    expect(await dialog.isVisible()).toBe(false);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
