// The Worker entry's own edges inside workerd: the Host allowlist (with its deployed *.workers.dev name) and
// the security headers on what the app answers.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("the Worker's Host allowlist", () => {
  it("refuses a host it does not serve with a JSON 403 carrying the security headers", async () => {
    const res = await SELF.fetch("http://rebound.evil.example/api/tasks/1", {
      method: "DELETE",
      headers: { Origin: "http://rebound.evil.example" },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: "forbidden" } });
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  it("serves localhost, its *.workers.dev name and the hosts ALLOWED_HOSTS adds", async () => {
    for (const host of ["localhost:8787", "127.0.0.1", "task-sync.someone.workers.dev", "example.com"]) {
      const res = await SELF.fetch(`http://${host}/api/health`);
      expect(res.status, host).toBe(200);
      expect(res.headers.get("x-content-type-options"), host).toBe("nosniff");
    }
  });

  it('answers 400 to {"mod": "incremental"} and to run id 0x1', async () => {
    const sync = await SELF.fetch("http://localhost/api/sync", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ mod: "incremental" }),
    });
    expect(sync.status).toBe(400);
    expect((await SELF.fetch("http://localhost/api/sync/runs/0x1")).status).toBe(400);
  });
});
