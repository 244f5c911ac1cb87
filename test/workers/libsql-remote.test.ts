import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../functions/worker";

describe("the Workers entry with DATABASE_URL", () => {
  it("uses remote libSQL over HTTP instead of D1, and reports it when the database does not answer", async () => {
    // Nothing listens on port 9: the health check must say which database it tried and that it failed.
    const remote = { ...env, DATABASE_URL: "http://127.0.0.1:9", LOG_LEVEL: "silent" };
    const res = await worker.fetch(
      new Request("http://example.com/api/health"),
      remote as never,
      createExecutionContext(),
    );
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "degraded", database: { kind: "libsql", ok: false } });
  });
});
