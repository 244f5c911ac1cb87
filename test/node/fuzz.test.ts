// The hostile fuzz in process, on libSQL, with and without the tokens (the same requests go over real HTTP to
// both runtimes in test/e2e/hostile.test.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../../functions/http/errors";
import { digest, ERROR_CODES, request, TOKEN, toRequest } from "../shared/hostile-requests";
import { documentedStatuses, expectDocumented } from "../shared/openapi-statuses";
import { seedMany } from "../shared/task-seed";
import { createTestApp } from "./support";

describe.each([
  ["without API_TOKEN", {}],
  ["with API_TOKEN and METRICS_TOKEN", { API_TOKEN: TOKEN, METRICS_TOKEN: TOKEN }],
])("hostile requests to every route (%s)", (_label, env) => {
  it("never answer 5xx or a status their OpenAPI operation does not list, answer every error in the JSON error shape, and change nothing when rejected", async () => {
    const h = await createTestApp({ env });
    const statusesOf = documentedStatuses(await (await h.app.request("/api/openapi.json")).json());
    await seedMany(h.db, 20, (i) => ({
      deleted_at: i % 4 === 0 ? "2025-02-01T00:00:00.000Z" : null,
      deleted_by: i % 4 === 0 ? (i % 8 ? "user" : "upstream") : null,
    }));
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const { method, url, init } = toRequest(r);
        const label = `${method} ${url} ${JSON.stringify({ ...r, body: r.body?.slice(0, 200) })}`;
        const before = await digest(h.db);
        const res = await h.app.request(url, init);
        const body = await res.text();
        const path = new URL(url).pathname.replace(/\/$/, "");
        // A run that fails upstream is a truthful 502 (the simulator's faults are one PUT away), never a crash.
        const upstreamFailure =
          res.status === 502 && method === "POST" && /^\/api\/sync(\/runs\/[^/]+\/retry)?$/.test(path);
        expect(res.status >= 500 && !upstreamFailure, label).toBe(false);
        expectDocumented(
          statusesOf,
          { method, url, status: res.status, hostSent: r.host !== undefined },
          label,
        );
        expect(body, label).not.toMatch(/\bat .+\.(ts|js|mjs):\d+|SQLITE_|drizzle|LibsqlError|Failed query/);
        if (res.status >= 400 && method !== "HEAD") {
          expect(res.headers.get("content-type"), label).toContain("application/json");
          const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
          expect(ERROR_CODES.has(parsed.error?.code as ErrorCode), label).toBe(true);
          expect(typeof parsed.error?.message, label).toBe("string");
        }
        if (res.status >= 400 && res.status < 500) {
          rejected++;
          expect(await digest(h.db), label).toBe(before);
        }
      }),
      { numRuns: 700, seed: 20260701 },
    );
    // The generator must reach the rejection paths, not just wander among 200s.
    expect(rejected).toBeGreaterThan(200);
  }, 120_000);
});
