import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { createTestApp } from "./support";

type Doc = {
  openapi: string;
  info: { title: string; version: string };
  tags: { name: string }[];
  paths: Record<string, Record<string, { tags?: string[]; responses: Record<string, unknown> }>>;
  components?: { securitySchemes?: Record<string, unknown> };
};

async function openapi() {
  const h = await createTestApp();
  const res = await h.app.request("/api/openapi.json");
  expect(res.status).toBe(200);
  return { doc: (await res.json()) as Doc, app: h.app };
}

// Routes that describe the API rather than being part of it.
const NOT_DOCUMENTED = new Set(["/api/openapi.json", "/api/docs", "/api/docs/init.js"]);

describe("GET /api/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const { doc } = await openapi();
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("names the API, its version and the tags every operation uses", async () => {
    const { doc } = await openapi();
    expect(doc.info).toMatchObject({ title: "Task Sync API", version: expect.any(String) });
    const tags = new Set(doc.tags.map((t) => t.name));
    for (const [path, item] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(item)) {
        expect(op.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
        for (const tag of op.tags ?? []) expect(tags.has(tag), `${method} ${path} tag ${tag}`).toBe(true);
      }
    expect(doc.components?.securitySchemes).toHaveProperty("bearerAuth");
  });

  it("lists every API route the app serves", async () => {
    const { doc, app } = await openapi();
    const served = app.routes
      .filter((r) => r.method !== "ALL" && r.path.startsWith("/api/") && !NOT_DOCUMENTED.has(r.path))
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method} ${path}`),
    );
    expect(new Set(documented)).toEqual(new Set(served));
    for (const expected of [
      "get /api/health",
      "get /api/tasks",
      "get /api/tasks/export.csv",
      "get /api/tasks/{id}",
      "delete /api/tasks/{id}",
      "post /api/tasks/{id}/restore",
      "post /api/sync",
      "get /api/sync/status",
      "get /api/sync/runs",
      "get /api/sync/runs/{id}",
      "post /api/sync/runs/{id}/retry",
    ]) {
      expect(documented).toContain(expected);
    }
  });

  it("says which routes need a token, and the request guard's refusals on every route that changes data", async () => {
    const { doc } = await openapi();
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ name: `${method} ${path}`, method, path, op })),
    );
    const securityOf = (op: unknown) => (op as { security?: unknown }).security;
    for (const { name, method, path, op } of operations) {
      if (method !== "get") {
        // requestGuard (request-guard.ts) stands before every route that is not a read.
        expect(securityOf(op), name).toEqual([{}, { bearerAuth: [] }]);
        expect(Object.keys(op.responses), name).toEqual(
          expect.arrayContaining(["400", "401", "403", "413", "415"]),
        );
      } else if (path === "/api/metrics") {
        expect(securityOf(op), name).toEqual([{}, { metricsToken: [] }]);
      } else {
        expect(securityOf(op), name).toBeUndefined();
      }
    }
    expect(operations.filter((o) => o.method !== "get").map((o) => o.name)).toEqual(
      expect.arrayContaining(["post /api/sync", "post /api/sync/runs/{id}/retry", "delete /api/tasks/{id}"]),
    );
  });

  it("documents the task list's parameters with their allowed values", async () => {
    const { doc } = await openapi();
    const list = doc.paths["/api/tasks"]!.get as unknown as {
      parameters: { name: string; in: string; schema: { enum?: string[]; default?: unknown } }[];
    };
    const byName = new Map(list.parameters.map((p) => [p.name, p]));
    for (const name of [
      "status",
      "search",
      "q",
      "updated_after",
      "updated_before",
      "deleted",
      "sort",
      "limit",
      "cursor",
    ]) {
      expect(byName.get(name)?.in, name).toBe("query");
    }
    expect(byName.get("sort")!.schema.enum).toEqual([
      "-updated_at",
      "updated_at",
      "title",
      "-title",
      "external_id",
      "-external_id",
    ]);
    expect(byName.get("deleted")!.schema.enum).toEqual(["exclude", "include", "only"]);
  });
});
