// The edges issue 13 found, each pinned: Host allowlist, JSON (never the dashboard) under /api and /simulator,
// strict ids and sync bodies, the one HTTP kit's formatting, and the assets' headers file.
import { sql } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createApp } from "../../functions/app";
import { parseConfig } from "../../functions/config";
import { hostAllowed, hostName } from "../../functions/http/host-guard";
import { issueDetails } from "../../functions/http/issues";
import { assetHeadersFile } from "../../functions/http/security-headers";
import { seedMany } from "../shared/task-seed";
import { createTestApp } from "./support";

const DASHBOARD_HTML = "<!doctype html><title>dashboard</title>";
// Stands in for Node's serveStatic fallback: answers every path it is given with the page.
const dashboard: MiddlewareHandler = async (c) => c.html(DASHBOARD_HTML);

async function errorOf(res: Response) {
  expect(res.headers.get("content-type")).toContain("application/json");
  return ((await res.json()) as { error: { code: string; message: string } }).error;
}

describe("the Host allowlist", () => {
  it("refuses a DELETE whose Host and Origin both name another domain (DNS rebinding), changing nothing", async () => {
    const h = await createTestApp();
    const [task] = await seedMany(h.db, 1);
    const res = await h.app.request(`http://evil.example/api/tasks/${task!.id}`, {
      method: "DELETE",
      headers: { Host: "evil.example", Origin: "http://evil.example" },
    });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).message).toContain("evil.example");
    const [row] = await h.db.all<{ deleted_at: string | null }>(sql`select deleted_at from tasks`);
    expect(row!.deleted_at).toBeNull();
  });

  it("answers reads, the docs and unknown paths for a foreign host with the same JSON 403 and headers", async () => {
    const h = await createTestApp();
    for (const path of ["/api/tasks", "/api/docs", "/simulator/config", "/nope"]) {
      const res = await h.app.request(path, { headers: { Host: "attacker.example:8787" } });
      expect(res.status, path).toBe(403);
      expect((await errorOf(res)).code).toBe("forbidden");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
    }
  });

  it("serves localhost, 127.0.0.1 and [::1] with any port, and the hosts ALLOWED_HOSTS adds", async () => {
    const h = await createTestApp({ env: { ALLOWED_HOSTS: "tasks.example.com, .corp.example" } });
    for (const host of [
      "localhost",
      "localhost:8787",
      "127.0.0.1:1",
      "[::1]:8787",
      "LOCALHOST.",
      "tasks.example.com",
      "a.b.corp.example:443",
    ]) {
      expect((await h.app.request("/api/health", { headers: { Host: host } })).status, host).toBe(200);
    }
    for (const host of ["example.com", "corp.example.evil", "xcorp.example", "127.0.0.2", "[::2]:8787"]) {
      expect((await h.app.request("/api/health", { headers: { Host: host } })).status, host).toBe(403);
    }
  });

  it("adds the runtime's own hosts (Workers: *.workers.dev) and turns off only for `*`", async () => {
    const h = await createTestApp();
    const app = createApp({ ...h.deps, hosts: [".workers.dev"] });
    expect((await app.request("/api/health", { headers: { Host: "task-sync.me.workers.dev" } })).status).toBe(
      200,
    );
    expect((await app.request("/api/health", { headers: { Host: "workers.dev.evil" } })).status).toBe(403);
    const open = await createTestApp({ env: { ALLOWED_HOSTS: "*" } });
    expect((await open.app.request("/api/health", { headers: { Host: "anything.example" } })).status).toBe(
      200,
    );
  });

  it("reads host names as HTTP sends them", () => {
    expect(hostName("Example.COM:8080")).toBe("example.com");
    expect(hostName("[::1]:8787")).toBe("[::1]");
    expect(hostName("localhost.")).toBe("localhost");
    expect(hostAllowed("a.workers.dev", [".workers.dev"])).toBe(true);
    expect(hostAllowed("workers.dev", [".workers.dev"])).toBe(false);
    expect(parseConfig({ ALLOWED_HOSTS: "A.example:443, ,b.example" }).ALLOWED_HOSTS).toEqual([
      "a.example",
      "b.example",
    ]);
  });
});

describe("paths the dashboard does not own (Node serves the page for every other path)", () => {
  it("answers an unknown /api path with a JSON 404, not the page", async () => {
    const h = await createTestApp();
    const app = createApp({ ...h.deps, web: dashboard });
    for (const path of ["/api/nope", "/api/tasks/1/nope", "/api", "/simulator/nope"]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(404);
      expect((await errorOf(res)).code).toBe("not_found");
    }
    expect(await (await app.request("/tasks/view")).text()).toBe(DASHBOARD_HTML);
  });

  it("answers GET and HEAD on POST-only routes with 405 and Allow, not the page", async () => {
    const h = await createTestApp();
    const app = createApp({ ...h.deps, web: dashboard });
    for (const path of ["/api/sync", "/api/sync/", "/api/sync/runs/1/retry", "/api/tasks/1/restore"]) {
      for (const method of ["GET", "HEAD"]) {
        const res = await app.request(path, { method });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.get("allow"), path).toContain("POST");
        if (method === "GET") expect((await errorOf(res)).code).toBe("method_not_allowed");
      }
    }
  });

  it("answers /simulator/... with a JSON 404 when a real upstream is configured", async () => {
    const h = await createTestApp({ env: { UPSTREAM_URL: "http://127.0.0.1:9/" } });
    const app = createApp({ ...h.deps, simulator: undefined, web: dashboard });
    for (const path of ["/simulator/config", "/simulator/tasks", "/simulator"]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(404);
      expect((await errorOf(res)).code).toBe("not_found");
    }
  });
});

describe("strict inputs", () => {
  it("refuses run ids that Number() would accept: 0x1, 1e0, +1, 1.0, 0", async () => {
    const h = await createTestApp();
    expect((await h.app.request("/api/sync", { method: "POST" })).status).toBe(200);
    expect((await h.app.request("/api/sync/runs/1")).status).toBe(200);
    for (const id of ["0x1", "1e0", "+1", "1.0", "0", "%201"]) {
      const read = await h.app.request(`/api/sync/runs/${id}`);
      expect(read.status, id).toBe(400);
      expect((await errorOf(read)).code).toBe("validation_error");
      const retry = await h.app.request(`/api/sync/runs/${id}/retry`, { method: "POST" });
      expect(retry.status, id).toBe(400);
    }
    expect((await h.app.request("/api/tasks/1e0")).status).toBe(400);
  });

  it('refuses a sync body with an unknown key ({"mod": "incremental"}) and starts no run', async () => {
    const h = await createTestApp();
    const res = await h.app.request("/api/sync", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ mod: "incremental" }),
    });
    expect(res.status).toBe(400);
    const error = (await res.json()) as { error: { message: string; details: { field: string }[] } };
    expect(error.error.message).toContain("mod");
    expect(await h.db.all(sql`select id from sync_runs`)).toEqual([]);
  });

  it("answers the simulator's bad input in the one error shape, from the same kit", async () => {
    const h = await createTestApp();
    const res = await h.app.request("/simulator/config", {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ failure_rate: 7 }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: "validation_error", details: [{ field: "failure_rate" }] },
    });
    const typed = await h.app.request("/simulator/advance", {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: "{}",
    });
    expect(typed.status).toBe(415);
    expect((await errorOf(typed)).code).toBe("unsupported_media_type");
  });

  it("formats zod issues from z.flattenError: one {field, message} each, (root) for the whole input", () => {
    const schema = z.strictObject({ a: z.number(), b: z.string() });
    const result = schema.safeParse({ a: "x", c: 1 });
    expect(result.success).toBe(false);
    const details = issueDetails(result.error!);
    expect(details.map((d) => d.field).sort()).toEqual(["(root)", "a", "b"]);
  });
});

describe("the assets' _headers file", () => {
  it("lists exactly the headers the app sets, for every path", async () => {
    const h = await createTestApp();
    const res = await h.app.request("/api/health");
    const file = await assetHeadersFile();
    const lines = file.split("\n");
    expect(lines).toContain("/*");
    for (const name of ["content-security-policy", "x-frame-options", "x-content-type-options"]) {
      expect(lines, name).toContain(`  ${name}: ${res.headers.get(name)}`);
    }
    expect(file).toContain("frame-ancestors 'none'");
  });
});
