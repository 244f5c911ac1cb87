// Browser helpers for the e2e tests: Debian's Chromium via playwright-core, error collection, axe, screenshots.
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContextOptions, chromium, type Locator, type Page } from "playwright-core";
import type { TestServer } from "./server";

export const SCREENSHOTS = fileURLToPath(new URL("./screenshots/", import.meta.url));
const AXE_SOURCE = readFileSync(
  fileURLToPath(new URL("../../node_modules/axe-core/axe.min.js", import.meta.url)),
  "utf8",
);

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * A server and a browser started together. When one fails to start, the other is stopped before the error is
 * thrown: a `wrangler dev` left behind by a missing Chromium kept a core busy for every later test and bench.
 */
export async function startWithBrowser(starting: Promise<TestServer>): Promise<[TestServer, Browser]> {
  const [server, browser] = await Promise.allSettled([starting, launchBrowser()]);
  if (server.status === "fulfilled" && browser.status === "fulfilled") return [server.value, browser.value];
  if (server.status === "fulfilled") await server.value.stop();
  if (browser.status === "fulfilled") await browser.value.close();
  throw server.status === "rejected" ? server.reason : (browser as PromiseRejectedResult).reason;
}

export type OpenPage = {
  page: Page;
  /** Console errors, uncaught exceptions and any JS dialog (alert) seen so far. */
  problems: string[];
};

/**
 * Opens the dashboard in a fresh context and records every console error, page error and dialog.
 * `expectedStatuses`: HTTP error statuses the test provokes on purpose (e.g. 409, 502); Chromium logs a
 * "Failed to load resource" console error for each, which is then not a problem.
 */
export async function openDashboard(
  browser: Browser,
  url: string,
  options: BrowserContextOptions & { expectedStatuses?: number[]; allowConsole?: RegExp } = {},
): Promise<OpenPage> {
  const { expectedStatuses = [], allowConsole, ...contextOptions } = options;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const text = msg.text();
    const status = /status of (\d{3})/.exec(text)?.[1];
    if (status && expectedStatuses.includes(Number(status))) return;
    if (allowConsole?.test(text)) return;
    problems.push(`console: ${text}`);
  });
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  page.on("dialog", (dialog) => {
    problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(url);
  await page.getByRole("heading", { name: "Task Sync" }).waitFor();
  return { page, problems };
}

export type AxeViolation = { id: string; impact: string | null; help: string; nodes: { target: string[] }[] };

/** Runs axe-core in the page (evaluate is not subject to the CSP) and returns serious/critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (ctx: Document, opts: object) => Promise<{ violations: AxeViolation[] }> };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = `${SCREENSHOTS}${name}.png`;
  await page.screenshot({ path, fullPage });
  return path;
}

/** The text as rendered (line breaks between blocks), which is what a user reads and the tests match. */
export async function visibleText(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText is the rendered text, on purpose.
  return locator.innerText();
}

/** Waits until the locator's text matches, and returns it; fails with the last text seen. */
export async function waitForText(locator: Locator, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    last = (await locator.count()) > 0 ? await visibleText(locator.first()) : "(no element)";
    if (pattern.test(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Timed out waiting for ${pattern} in ${locator}; last text: ${JSON.stringify(last)}`);
}
