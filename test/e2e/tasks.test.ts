// Browser tests of the task table: delete/undo/restore, search, filter, sort, pagination, CSV, hostile titles.
import { readFile } from "node:fs/promises";
import { createClient } from "@libsql/client";
import { parse } from "csv-parse/sync";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDashboard, startWithBrowser, visibleText, waitForText } from "./browser";
import { startServer, type TestServer } from "./server";

type Task = { id: number; external_id: string; title: string; status: string; deleted_at: string | null };
type TaskPage = { results: Task[]; next_cursor: string | null; count: number };

const HOSTILE_TITLE = "<img src=x onerror=alert(1)>";

let server: TestServer;
let browser: Browser;

async function tasks(query: string): Promise<TaskPage> {
  const res = await server.api(`/api/tasks?${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as TaskPage;
}

/** A task whose full title matches no other title, so a search for it shows exactly one row. */
async function uniqueTask(skip: number): Promise<Task> {
  const page = await tasks("limit=100&sort=external_id");
  for (const task of page.results.slice(skip)) {
    if ((await tasks(`search=${encodeURIComponent(task.title)}`)).count === 1) return task;
  }
  throw new Error("no task with a unique title");
}

/** The simulator cannot produce such a title, so it goes straight into the server's database file. */
async function insertHostileTask() {
  const db = createClient({ url: `file:${server.dbFile}` });
  const now = new Date().toISOString();
  await db.execute({
    sql: `insert into tasks (external_id, title, status, remote_updated_at, created_at, updated_at)
          values (?, ?, 'todo', ?, ?, ?)`,
    args: ["X-HOSTILE", HOSTILE_TITLE, now, now, now],
  });
  db.close();
}

const searchBox = (page: Page) => page.getByRole("searchbox", { name: "Search titles" });
const rowTitles = (page: Page) => page.locator("[data-testid=task-row] .title-cell").allInnerTexts();

beforeAll(async () => {
  [server, browser] = await startWithBrowser(startServer());
  const res = await server.api("/api/sync", { method: "POST", body: { mode: "full" } });
  expect(res.status).toBe(200);
  await insertHostileTask();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("dashboard task table", () => {
  it("deletes a task, undoes it, and restores it from the deleted view", async () => {
    const task = await uniqueTask(0);
    const { page, problems } = await openDashboard(browser, server.url);
    await searchBox(page).fill(task.title);
    await waitForText(page.getByTestId("task-count"), /^1 task match$/);

    await page.getByRole("button", { name: `Delete ${task.title}` }).click();
    await waitForText(page.getByTestId("task-empty"), /No tasks match/);
    expect((await tasks(`search=${encodeURIComponent(task.title)}&deleted=only`)).count).toBe(1);

    await page.getByRole("button", { name: "Undo" }).click();
    await waitForText(page.getByTestId("toast"), /Undone: “.*” is back/);
    await waitForText(page.getByTestId("task-count"), /^1 task match$/);
    expect((await tasks(`search=${encodeURIComponent(task.title)}`)).count).toBe(1);

    await page.getByRole("button", { name: `Delete ${task.title}` }).click();
    await waitForText(page.getByTestId("task-empty"), /No tasks match/);
    await page.getByRole("radio", { name: "Deleted" }).check();
    await page.getByRole("heading", { name: "Deleted tasks" }).waitFor();
    await waitForText(page.getByTestId("task-count"), /^1 deleted task match$/);
    expect(await visibleText(page.locator("[data-testid=task-row]"))).toContain("(by a user)");

    await page.getByRole("button", { name: `Restore ${task.title}` }).click();
    await waitForText(page.getByTestId("toast").last(), /Restored “/);
    await waitForText(page.getByTestId("task-empty"), /No tasks match/);
    await page.getByRole("radio", { name: "Active" }).check();
    await waitForText(page.getByTestId("task-count"), /^1 task match$/);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("searches as you type, filters by status, sorts by header and pages with cursors", async () => {
    const { page, problems } = await openDashboard(browser, server.url);
    await page.getByTestId("task-row").first().waitFor();

    // Search: one request after typing stops, not one per key.
    const word = (await uniqueTask(3)).title.split(" ")[1];
    const searches: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/api/tasks?") && r.url().includes("search=")) searches.push(r.url());
    });
    await searchBox(page).pressSequentially(word, { delay: 30 });
    const expected = await tasks(`search=${word}`);
    await waitForText(page.getByTestId("task-count"), new RegExp(`^${expected.count} tasks? match$`));
    expect(searches.length).toBeLessThanOrEqual(2);
    for (const title of await rowTitles(page)) expect(title.toLowerCase()).toContain(word.toLowerCase());
    await searchBox(page).fill("");

    // Filter: several statuses at once.
    await page.getByRole("checkbox", { name: "Done" }).check();
    const done = await tasks("status=done");
    await waitForText(page.getByTestId("task-count"), new RegExp(`^${done.count} tasks? match$`));
    const badges = await page.locator("[data-testid=task-row] .badge").allInnerTexts();
    expect(new Set(badges)).toEqual(new Set(["Done"]));
    await page.getByRole("checkbox", { name: "To do" }).check();
    const doneOrTodo = await tasks("status=todo,done");
    await waitForText(page.getByTestId("task-count"), new RegExp(`^${doneOrTodo.count} tasks match$`));
    await page.getByRole("checkbox", { name: "Done" }).uncheck();
    await page.getByRole("checkbox", { name: "To do" }).uncheck();
    const all = await tasks("limit=25&sort=title");
    await waitForText(page.getByTestId("task-count"), new RegExp(`^${all.count} tasks$`));

    // Sort: a header click sorts ascending, a second click descending.
    await page.getByRole("button", { name: /^Title/ }).click();
    await page.locator("th[aria-sort=ascending]", { hasText: "Title" }).waitFor();
    await expect.poll(() => rowTitles(page)).toEqual(all.results.map((t) => t.title));
    await page.getByRole("button", { name: /^Title/ }).click();
    await page.locator("th[aria-sort=descending]", { hasText: "Title" }).waitFor();
    const desc = await tasks("limit=25&sort=-title");
    await expect.poll(() => rowTitles(page)).toEqual(desc.results.map((t) => t.title));

    // Pages: next follows the cursor, previous goes back through the stack.
    await page.getByRole("button", { name: "Next" }).click();
    await waitForText(page.getByTestId("page-info"), new RegExp(`^Page 2 · rows 26–50 of ${desc.count}$`));
    const second = await tasks(`limit=25&sort=-title&cursor=${desc.next_cursor}`);
    await expect.poll(() => rowTitles(page)).toEqual(second.results.map((t) => t.title));
    await page.getByRole("button", { name: "Previous" }).click();
    await waitForText(page.getByTestId("page-info"), new RegExp(`^Page 1 · rows 1–25 of ${desc.count}$`));
    await expect.poll(() => rowTitles(page)).toEqual(desc.results.map((t) => t.title));
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("exports the current filter as CSV", async () => {
    const { page, problems } = await openDashboard(browser, server.url);
    await page.getByRole("checkbox", { name: "In progress" }).check();
    const expected = await tasks("status=in_progress&limit=500");
    await waitForText(page.getByTestId("task-count"), new RegExp(`^${expected.count} tasks? match$`));

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Export CSV" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const text = await readFile((await download.path())!, "utf8");
    const rows = parse(text, { columns: true, bom: true }) as Record<string, string>[];

    expect(rows).toHaveLength(expected.count);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(["in_progress"]));
    expect(new Set(rows.map((r) => r.external_id))).toEqual(
      new Set(expected.results.map((t) => t.external_id)),
    );
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("renders a hostile title as text and runs nothing", async () => {
    const { page, problems } = await openDashboard(browser, server.url);
    await searchBox(page).fill("<img");
    await waitForText(page.getByTestId("task-count"), /^1 task match$/);

    expect(await rowTitles(page)).toEqual([HOSTILE_TITLE]);
    expect(await page.locator("#app img").count()).toBe(0);
    // An onerror handler would have fired by now; the dialog listener records any alert().
    await page.waitForTimeout(300);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
