// The dashboard tells the user when the database refuses writes (here: another process holds its lock).
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDashboard, startWithBrowser, waitForText } from "./browser";
import { databaseFile, holdWriteLock } from "./db-faults";
import { startServer, type TestServer } from "./server";

const db = databaseFile();
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await startWithBrowser(startServer({ DATABASE_URL: db.url }));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  db.remove();
});

describe("dashboard database banner", () => {
  it("says changes cannot be saved while the database is locked, and nothing while it is fine", async () => {
    const fine = await openDashboard(browser, server.url);
    await fine.page.getByRole("button", { name: "Sync now" }).waitFor();
    expect(await fine.page.getByTestId("database-banner").count()).toBe(0);
    await fine.page.context().close();

    // Held until the banner shows (however slow the page is to load), then ended.
    const lock = await holdWriteLock(db.file, 60_000);
    try {
      const { page, problems } = await openDashboard(browser, server.url, { expectedStatuses: [503] });
      await waitForText(page.getByTestId("database-banner"), /Changes cannot be saved right now: .*locked/);
      expect(problems).toEqual([]);
      await page.context().close();
    } finally {
      await lock.stop();
    }
  });
});
