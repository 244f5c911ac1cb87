// The dashboard served by the Workers entry under `wrangler dev` (static assets, local D1): the same page works.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDashboard, startWithBrowser, visibleText, waitForText } from "./browser";
import { startServer, type TestServer } from "./server";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await startWithBrowser(startServer({}, "workers"));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("dashboard on the Workers runtime", () => {
  it("is served as assets, syncs into D1 and shows the rows", async () => {
    const { page, problems } = await openDashboard(browser, server.url);
    await waitForText(page.locator("footer"), /database d1/);
    await page.getByRole("button", { name: "Sync now" }).click();
    await waitForText(page.getByTestId("last-run"), /Succeeded/, 20_000);
    expect(await visibleText(page.getByTestId("count-fetched"))).toBe("120");
    await waitForText(page.getByTestId("task-count"), /^120 tasks$/);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("serves the API reference with its viewer from the same origin", async () => {
    const { page, problems } = await openDashboard(browser, `${server.url}/api/docs`);
    await page.getByText("Task Sync API").first().waitFor({ timeout: 20_000 });
    expect(await page.locator("#docs-offline").count()).toBe(0);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
