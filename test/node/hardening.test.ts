import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { App } from "../../functions/app";
import { MAX_BODY_BYTES } from "../../functions/http/body-limit";
import { sameSecret } from "../../functions/http/request-guard";
import { seedMany } from "../shared/task-seed";
import { createTestApp } from "./support";

const TOKEN = "s3cret-token-0123456789";
const ORIGIN = "http://localhost"; // app.request() URLs are http://localhost/...

async function errorOf(res: Response) {
  expect(res.headers.get("content-type")).toContain("application/json");
  return ((await res.json()) as { error: { code: string; message: string } }).error;
}

async function taskDigest(app: { db: Parameters<typeof seedMany>[0] }) {
  return JSON.stringify(await app.db.all(sql`select * from tasks order by id`));
}

function deleteTask(app: App, id: number, headers: Record<string, string> = {}) {
  return app.request(`/api/tasks/${id}`, { method: "DELETE", headers });
}

describe("cross-site request refusal", () => {
  it("answers 403 forbidden to a mutating request from another origin, and changes nothing", async () => {
    const h = await createTestApp();
    const [task] = await seedMany(h.db, 1);
    const before = await taskDigest(h);
    for (const origin of ["https://evil.example", "http://localhost:8080", "https://localhost", "null"]) {
      const res = await deleteTask(h.app, task!.id, { Origin: origin });
      expect(res.status, origin).toBe(403);
      expect((await errorOf(res)).code).toBe("forbidden");
    }
    expect(await taskDigest(h)).toBe(before);
  });

  it("answers 403 to Sec-Fetch-Site: cross-site even without an Origin", async () => {
    const h = await createTestApp();
    const [task] = await seedMany(h.db, 1);
    const res = await deleteTask(h.app, task!.id, { "Sec-Fetch-Site": "cross-site" });
    expect(res.status).toBe(403);
  });

  it("lets same-origin browsers and clients without Origin (curl, servers) through", async () => {
    const h = await createTestApp();
    const [a, b, c] = await seedMany(h.db, 3);
    expect((await deleteTask(h.app, a!.id, { Origin: ORIGIN, "Sec-Fetch-Site": "same-origin" })).status).toBe(
      200,
    );
    expect((await deleteTask(h.app, b!.id)).status).toBe(200);
    // Behind a TLS-terminating proxy the browser's origin is https while the app sees http.
    expect(
      (await deleteTask(h.app, c!.id, { Origin: "https://localhost", "X-Forwarded-Proto": "https" })).status,
    ).toBe(200);
  });

  it("leaves reads open to other origins", async () => {
    const h = await createTestApp();
    const res = await h.app.request("/api/tasks", { headers: { Origin: "https://elsewhere.example" } });
    expect(res.status).toBe(200);
  });

  it("guards the simulator's mutating routes too", async () => {
    const h = await createTestApp();
    const res = await h.app.request("/simulator/advance", {
      method: "POST",
      headers: { Origin: "https://evil.example", "Content-Type": "application/json" },
      body: JSON.stringify({ updates: 1 }),
    });
    expect(res.status).toBe(403);
  });
});

describe("API_TOKEN", () => {
  it("requires the bearer token on mutating routes when set, with WWW-Authenticate on 401", async () => {
    const h = await createTestApp({ env: { API_TOKEN: TOKEN } });
    const [task] = await seedMany(h.db, 1);
    const before = await taskDigest(h);
    for (const auth of [
      undefined,
      "Bearer wrong-token-0123456789",
      `Basic ${TOKEN}`,
      `Bearer ${TOKEN}x`,
      "Bearer",
    ]) {
      const res = await deleteTask(h.app, task!.id, auth ? { Authorization: auth } : {});
      expect(res.status, String(auth)).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
      expect((await errorOf(res)).code).toBe("unauthorized");
    }
    expect(await taskDigest(h)).toBe(before);
    expect((await deleteTask(h.app, task!.id, { Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await deleteTask(h.app, task!.id, { Authorization: `bearer ${TOKEN}` })).status).toBe(200);
  });

  it("keeps reads open without the token", async () => {
    const h = await createTestApp({ env: { API_TOKEN: TOKEN } });
    expect((await h.app.request("/api/tasks")).status).toBe(200);
    expect((await h.app.request("/api/health")).status).toBe(200);
    expect((await h.app.request("/api/openapi.json")).status).toBe(200);
  });

  it("is not needed when unset", async () => {
    const h = await createTestApp();
    const [task] = await seedMany(h.db, 1);
    expect((await deleteTask(h.app, task!.id)).status).toBe(200);
  });

  it("compares secrets by digest", async () => {
    expect(await sameSecret(TOKEN, TOKEN)).toBe(true);
    expect(await sameSecret(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(await sameSecret("", TOKEN)).toBe(false);
  });
});

describe("request bodies", () => {
  it("answers 415 unsupported_media_type to a body that is not JSON", async () => {
    const h = await createTestApp();
    for (const [type, body] of [
      ["text/plain", '{"mode":"full"}'],
      ["application/x-www-form-urlencoded", "mode=full"],
      ["multipart/form-data; boundary=x", "--x--"],
      [undefined, '{"mode":"full"}'],
    ] as const) {
      const res = await h.app.request("/api/sync", {
        method: "POST",
        headers: type ? { "Content-Type": type } : {},
        body,
      });
      expect(res.status, String(type)).toBe(415);
      expect((await errorOf(res)).code).toBe("unsupported_media_type");
    }
    const runs = await h.db.all(sql`select id from sync_runs`);
    expect(runs).toEqual([]);
  });

  it("answers 400 validation_error to malformed JSON", async () => {
    const h = await createTestApp();
    const res = await h.app.request("/api/sync", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '{"mode": "full"',
    });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("validation_error");
  });

  it("accepts an empty body with or without a content type", async () => {
    const h = await createTestApp();
    const [a, b] = await seedMany(h.db, 2);
    expect((await h.app.request(`/api/tasks/${a!.id}/restore`, { method: "POST" })).status).toBe(200);
    const typed = await h.app.request(`/api/tasks/${b!.id}/restore`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
    });
    expect(typed.status).toBe(200);
    const sync = await h.app.request("/api/sync", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "",
    });
    expect(sync.status).toBe(200);
  });

  it("answers 413 payload_too_large to a body over the limit, declared or streamed", async () => {
    const h = await createTestApp();
    const big = JSON.stringify({ mode: "full", pad: "x".repeat(MAX_BODY_BYTES) });
    const declared = await h.app.request("/api/sync", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Content-Length": String(big.length) },
      body: big,
    });
    expect(declared.status).toBe(413);
    expect((await errorOf(declared)).code).toBe("payload_too_large");
    const streamed = await h.app.request("/api/sync", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: new Blob([big]).stream(),
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await h.db.all(sql`select id from sync_runs`)).toEqual([]);
  });
});

describe("the legacy dashboard", () => {
  it("still triggers a sync with POST /api/sync/, an X-CSRFToken header and a {} body from its own origin", async () => {
    const h = await createTestApp();
    const res = await h.app.request("/api/sync/", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": "legacy-token-from-a-cookie",
        Origin: ORIGIN,
        "Sec-Fetch-Site": "same-origin",
      },
      body: "{}",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "success", trigger: "manual" });
  });

  it("still reads /api/tasks/ and /api/sync/status/ with trailing slashes", async () => {
    const h = await createTestApp();
    await seedMany(h.db, 2);
    const tasks = (await (await h.app.request("/api/tasks/")).json()) as {
      results: { id: number; title: string }[];
    };
    expect(tasks.results).toHaveLength(2);
    expect(tasks.results[0]).toEqual(
      expect.objectContaining({
        id: expect.any(Number),
        external_id: expect.any(String),
        title: expect.any(String),
      }),
    );
    expect(await (await h.app.request("/api/sync/status/")).json()).toMatchObject({ status: "no sync yet" });
  });
});

describe("trailing slashes", () => {
  it("answer on every route as without them", async () => {
    const h = await createTestApp();
    const [a, b] = await seedMany(h.db, 2);
    const routes: [string, string][] = [
      ["GET", "/api/health"],
      ["GET", "/api/tasks"],
      ["GET", "/api/tasks/export.csv"],
      ["GET", `/api/tasks/${a!.id}`],
      ["POST", `/api/tasks/${a!.id}/restore`],
      ["DELETE", `/api/tasks/${a!.id}`],
      ["DELETE", `/api/tasks/${b!.id}`],
      ["GET", "/api/sync/status"],
      ["GET", "/api/sync/runs"],
      ["POST", "/api/sync"],
      ["GET", "/api/sync/runs/1"],
      ["GET", "/api/openapi.json"],
      ["GET", "/api/docs"],
      ["GET", "/simulator/config"],
    ];
    for (const [method, path] of routes) {
      const plain = await h.app.request(path, { method });
      const slashed = await h.app.request(`${path}/`, { method });
      expect(plain.status, `${method} ${path}`).toBe(200);
      expect(slashed.status, `${method} ${path}/`).toBe(200);
    }
  });
});

describe("responses", () => {
  it("carry a CSP that allows no inline script, and the usual security headers", async () => {
    const h = await createTestApp();
    for (const path of ["/api/tasks", "/api/tasks/export.csv", "/api/nope"]) {
      const res = await h.app.request(path);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).not.toContain("unsafe-inline");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
    }
  });

  it("never show a stack or SQL, even when the database fails", async () => {
    const h = await createTestApp();
    await h.db.run(sql`drop table tasks`);
    for (const path of ["/api/tasks", "/api/tasks/1", "/api/tasks/export.csv"]) {
      const res = await h.app.request(path);
      expect(res.status, path).toBe(500);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ error: { code: "internal" } });
      expect(text).not.toMatch(/select|tasks|sqlite|at .*\.ts|Error:/i);
    }
  });
});

describe("GET /api/docs", () => {
  it("serves the docs page under its own CSP: scripts from this origin only, none inline", async () => {
    const h = await createTestApp();
    const res = await h.app.request("/api/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const csp = res.headers.get("content-security-policy") ?? "";
    const scriptSrc = csp.split(";").find((d) => d.trim().startsWith("script-src")) ?? "";
    expect(scriptSrc.trim()).toBe("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await res.text();
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBe(2);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/src="/);
      expect(body!.trim()).toBe("");
    }
    expect(html).toContain('src="/docs/scalar.js"');
    const init = await h.app.request("/api/docs/init.js");
    expect(init.headers.get("content-type")).toContain("javascript");
    expect(await init.text()).toContain('"/api/openapi.json"');
  });
});
