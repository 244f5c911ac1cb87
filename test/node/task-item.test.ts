// One task through the API: read it, delete it for the user, restore it. The list is in tasks.test.ts.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { TaskRow } from "../../db/tasks";
import { seedMany, seedTasks } from "../shared/task-seed";
import { createTestApp } from "./support";
import { getJson, ids, list } from "./task-api";

describe("GET /api/tasks/:id", () => {
  it("answers one task, deleted ones too", async () => {
    const { app, db } = await createTestApp();
    const [task] = await seedTasks(db, [{ deleted_at: "2025-02-01T00:00:00.000Z", deleted_by: "user" }]);
    expect(await getJson(app, `/api/tasks/${task!.id}`)).toEqual({ status: 200, body: task });
  });

  it("answers 404 JSON for an unknown id and 400 for an id that is not a positive integer", async () => {
    const { app } = await createTestApp();
    expect(await getJson(app, "/api/tasks/999")).toMatchObject({
      status: 404,
      body: { error: { code: "not_found" } },
    });
    for (const bad of ["abc", "1.5", "-1", "0", "1e3", "99999999999999999999"]) {
      const { status, body } = await getJson(app, `/api/tasks/${bad}`);
      expect(status, bad).toBe(400);
      expect(body, bad).toMatchObject({ error: { code: "validation_error" } });
    }
  });
});

describe("DELETE /api/tasks/:id", () => {
  it("soft-deletes the task for the user and hides it from the default list", async () => {
    const { app, db } = await createTestApp({ clock: () => new Date("2025-06-01T12:00:00.000Z") });
    const [task, other] = await seedMany(db, 2);
    const { status, body } = await getJson<TaskRow>(app, `/api/tasks/${task!.id}`, { method: "DELETE" });
    expect(status).toBe(200);
    expect(body).toEqual({ ...task, deleted_at: "2025-06-01T12:00:00.000Z", deleted_by: "user" });
    expect(ids((await list(app)).results)).toEqual([other!.id]);
    expect(ids((await list(app, { deleted: "only" })).results)).toEqual([task!.id]);
  });

  it("is idempotent: a second delete answers 200 with the task unchanged", async () => {
    let now = Date.parse("2025-06-01T12:00:00.000Z");
    const { app, db } = await createTestApp({ clock: () => new Date(now) });
    const [task] = await seedMany(db, 1);
    const first = await getJson<TaskRow>(app, `/api/tasks/${task!.id}`, { method: "DELETE" });
    now += 60_000;
    const second = await getJson<TaskRow>(app, `/api/tasks/${task!.id}`, { method: "DELETE" });
    expect(second).toEqual(first);
  });

  it("leaves a task deleted upstream as it is", async () => {
    const { app, db } = await createTestApp();
    const [task] = await seedTasks(db, [{ deleted_at: "2025-02-01T00:00:00.000Z", deleted_by: "upstream" }]);
    expect(await getJson(app, `/api/tasks/${task!.id}`, { method: "DELETE" })).toEqual({
      status: 200,
      body: task,
    });
  });

  it("answers 404 for an unknown task and changes nothing", async () => {
    const { app, db } = await createTestApp();
    await seedMany(db, 2);
    const before = await db.all(sql`select * from tasks order by id`);
    expect((await app.request("/api/tasks/77", { method: "DELETE" })).status).toBe(404);
    expect(await db.all(sql`select * from tasks order by id`)).toEqual(before);
  });
});

describe("POST /api/tasks/:id/restore", () => {
  it("undoes the user's delete", async () => {
    const { app, db } = await createTestApp();
    const [task] = await seedMany(db, 1);
    await app.request(`/api/tasks/${task!.id}`, { method: "DELETE" });
    const { status, body } = await getJson(app, `/api/tasks/${task!.id}/restore`, { method: "POST" });
    expect(status).toBe(200);
    expect(body).toEqual(task);
    expect(ids((await list(app)).results)).toEqual([task!.id]);
  });

  it("is idempotent on a live task", async () => {
    const { app, db } = await createTestApp();
    const [task] = await seedMany(db, 1);
    expect(await getJson(app, `/api/tasks/${task!.id}/restore`, { method: "POST" })).toEqual({
      status: 200,
      body: task,
    });
    expect(await getJson(app, `/api/tasks/${task!.id}/restore/`, { method: "POST" })).toEqual({
      status: 200,
      body: task,
    });
  });

  it("refuses a task deleted upstream with 400: only upstream can bring it back", async () => {
    const { app, db } = await createTestApp();
    const [task] = await seedTasks(db, [{ deleted_at: "2025-02-01T00:00:00.000Z", deleted_by: "upstream" }]);
    const { status, body } = await getJson(app, `/api/tasks/${task!.id}/restore`, { method: "POST" });
    expect(status).toBe(400);
    expect(body).toMatchObject({
      error: { code: "validation_error", message: expect.stringContaining("upstream") },
    });
    expect(await getJson(app, `/api/tasks/${task!.id}`)).toEqual({ status: 200, body: task });
  });

  it("answers 404 for an unknown task", async () => {
    const { app } = await createTestApp();
    expect((await app.request("/api/tasks/5/restore", { method: "POST" })).status).toBe(404);
  });
});
