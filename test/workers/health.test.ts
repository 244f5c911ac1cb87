import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("GET /api/health on Workers", () => {
  it("reports d1 and that it answers", async () => {
    const res = await SELF.fetch("http://example.com/api/health");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; database: { kind: string; ok: boolean } };
    expect(body.status).toBe("ok");
    expect(body.database).toMatchObject({ kind: "d1", ok: true });
  });

  it("has the migrated schema with the lease row", async () => {
    const row = await env.DB.prepare("select id, holder_run_id from sync_lock").first();
    expect(row).toEqual({ id: 1, holder_run_id: null });
  });
});
