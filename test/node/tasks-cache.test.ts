import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { seedTasks } from "../shared/task-seed";
import { createTestApp } from "./support";

type Page = { results: { id: number; title: string }[]; count: number };

describe("GET /api/tasks page cache", () => {
  it("answers a repeated query from cache until any write to tasks, whoever made it", async () => {
    // The only stored live task ("beta") is absent upstream: 100% of what existed, so allow it past the guard.
    const { app, db } = await createTestApp({ sim: { total: 5 }, env: { SYNC_MAX_DELETE_SHARE: "1" } });
    const [first] = await seedTasks(db, [{ title: "alpha" }, { title: "beta" }]);
    const list = async () => (await (await app.request("/api/tasks?sort=title")).json()) as Page;

    expect((await list()).count).toBe(2);
    expect(await list()).toEqual(await list());

    // A write through SQL by hand, bypassing every query function: the trigger still moves the version.
    await db.run(sql`update tasks set title = 'gamma' where id = ${first!.id}`);
    expect((await list()).results.map((t) => t.title)).toEqual(["beta", "gamma"]);

    await app.request(`/api/tasks/${first!.id}`, { method: "DELETE" });
    expect((await list()).count).toBe(1);

    // The sync adds upstream's 5 and soft-deletes "beta", which upstream never listed.
    await app.request("/api/sync", { method: "POST" });
    expect((await list()).count).toBe(5);
  });
});

describe("GET /api/tasks with Cache-Control: no-cache", () => {
  it("runs the queries and answers the same page", async () => {
    const { app, db } = await createTestApp();
    await seedTasks(db, [{ title: "alpha" }]);
    const cached = await (await app.request("/api/tasks")).json();
    const fresh = await (
      await app.request("/api/tasks", { headers: { "cache-control": "no-cache" } })
    ).json();
    expect(fresh).toEqual(cached);
  });
});
