import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createTestApp } from "./support";

describe("GET /api/health on Node", () => {
  it("reports libsql and that it answers", async () => {
    const { app } = await createTestApp();
    const res = await app.request("/api/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", database: { kind: "libsql", ok: true } });
  });

  it("answers with and without a trailing slash", async () => {
    const { app } = await createTestApp();
    expect((await app.request("/api/health/")).status).toBe(200);
  });
});

describe("errors", () => {
  it("answers an unknown API path with the JSON error shape", async () => {
    const { app } = await createTestApp();
    const res = await app.request("/api/nope");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
  });

  it("answers a wrong method with 405 JSON and the allowed methods", async () => {
    const { app } = await createTestApp();
    const res = await app.request("/api/health", { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(await res.json()).toMatchObject({ error: { code: "method_not_allowed" } });
  });

  it("sets security headers with a CSP that allows no inline script", async () => {
    const { app } = await createTestApp();
    const res = await app.request("/api/health");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });
});

describe("migrations", () => {
  it("apply the same SQL that wrangler applies, with the lease row seeded", async () => {
    const { db } = await createTestApp();
    const rows = await db.all<{ id: number }>(sql`select id from sync_lock`);
    expect(rows).toEqual([{ id: 1 }]);
  });

  it("batches run in one transaction on an in-memory database", async () => {
    const { db } = await createTestApp();
    await expect(
      db.batch([
        db.run(sql`insert into sync_lock (id) values (2)`),
        db.run(sql`insert into sync_lock (id) values (2)`),
      ]),
    ).rejects.toThrow();
    const rows = await db.all<{ id: number }>(sql`select id from sync_lock order by id`);
    expect(rows).toEqual([{ id: 1 }]);
  });
});
