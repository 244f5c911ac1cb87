import { describe, expect, it } from "vitest";
import {
  backoffMs,
  type ClientDeps,
  DEFAULT_RETRY,
  fetchPage,
  parseRetryAfter,
  UpstreamDeferred,
  UpstreamError,
} from "../../functions/sync/upstream-client";

const now = new Date("2026-06-01T12:00:00.000Z");

function client(responses: Array<() => Response | Promise<Response>>, sleeps: number[] = []): ClientDeps {
  let i = 0;
  return {
    upstream: {
      baseUrl: "http://upstream.test",
      fetch: async (_url: string, _init: RequestInit) => {
        const next = responses[Math.min(i++, responses.length - 1)]!;
        return next();
      },
    },
    policy: { ...DEFAULT_RETRY, timeoutMs: 100 },
    clock: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
  };
}

const page =
  (data: unknown[], next: string | null = null) =>
  () =>
    Response.json({ data, next_cursor: next });
const task = (id: string) => ({
  id,
  title: `Task ${id}`,
  status: "todo",
  updated_at: "2026-01-01T00:00:00Z",
});

describe("parseRetryAfter", () => {
  it("reads delta-seconds", () => {
    expect(parseRetryAfter("7", now)).toBe(7000);
  });
  it("reads an HTTP date", () => {
    expect(parseRetryAfter("Mon, 01 Jun 2026 12:00:30 GMT", now)).toBe(30_000);
  });
  it("ignores garbage", () => {
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe("backoffMs", () => {
  it("grows exponentially up to the cap, with jitter", () => {
    const policy = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffMs(1, policy, () => 0)).toBe(50);
    expect(backoffMs(3, policy, () => 1)).toBe(400);
    expect(backoffMs(10, policy, () => 1)).toBe(1000);
  });
});

describe("fetchPage", () => {
  it("validates each record and separates live, tombstones and invalid ones", async () => {
    const p = await fetchPage(
      client([
        page([
          task("a"),
          { id: "b", updated_at: "2026-01-02T00:00:00+02:00", deleted: true },
          { id: "c", title: "", status: "todo", updated_at: "2026-01-01T00:00:00Z" },
          { id: "d", title: "x", status: "blocked", updated_at: "2026-01-01T00:00:00Z" },
          "not an object",
        ]),
      ]),
      { cursor: null, limit: 10, updatedSince: null },
    );
    expect(p.live.map((r) => r.id)).toEqual(["a"]);
    expect(p.tombstones).toEqual([{ id: "b", updated_at: "2026-01-01T22:00:00.000Z", deleted: true }]);
    expect(p.invalid.map((r) => r.externalId)).toEqual(["c", "d", null]);
    expect(p.invalid[1]!.reason).toContain("status");
  });

  it("retries 5xx and honours Retry-After on 429", async () => {
    const sleeps: number[] = [];
    const p = await fetchPage(
      client(
        [
          () => new Response("busy", { status: 503 }),
          () => new Response("slow down", { status: 429, headers: { "retry-after": "3" } }),
          page([task("a")]),
        ],
        sleeps,
      ),
      { cursor: null, limit: 10, updatedSince: null },
    );
    expect(p.attempts).toBe(3);
    expect(p.retried.map((f) => f.httpStatus)).toEqual([503, 429]);
    expect(sleeps).toEqual([188, 3000]); // 250 ms ceiling, jitter 0.5 → 75% of it
  });

  it("does not retry a 404 or a malformed body", async () => {
    await expect(
      fetchPage(client([() => new Response("no", { status: 404 })]), {
        cursor: null,
        limit: 1,
        updatedSince: null,
      }),
    ).rejects.toMatchObject({
      attempts: 1,
      failure: { kind: "http_error", httpStatus: 404, retryable: false },
    });
    await expect(
      fetchPage(client([() => new Response("{not json", { status: 200 })]), {
        cursor: null,
        limit: 1,
        updatedSince: null,
      }),
    ).rejects.toBeInstanceOf(UpstreamError);
    await expect(
      fetchPage(client([() => Response.json({ items: [] })]), { cursor: null, limit: 1, updatedSince: null }),
    ).rejects.toMatchObject({ failure: { kind: "malformed_response" } });
  });

  it("gives up after the last attempt", async () => {
    await expect(
      fetchPage(client([() => new Response("x", { status: 500 })]), {
        cursor: null,
        limit: 1,
        updatedSince: null,
      }),
    ).rejects.toMatchObject({
      attempts: DEFAULT_RETRY.maxAttempts,
      retried: { length: DEFAULT_RETRY.maxAttempts - 1 },
    });
  });

  it("defers when Retry-After is beyond the budget", async () => {
    const err = await fetchPage(
      client([() => new Response("x", { status: 429, headers: { "retry-after": "3600" } })]),
      { cursor: null, limit: 1, updatedSince: null },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamDeferred);
    expect((err as UpstreamDeferred).nextAllowedAt).toBe("2026-06-01T13:00:00.000Z");
  });

  it("times out a request that never answers, and retries it", async () => {
    let calls = 0;
    const c = client([]);
    c.upstream.fetch = (_url, init) => {
      calls++;
      return new Promise((_resolve, reject) => {
        init.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      });
    };
    c.policy = { ...c.policy, timeoutMs: 20, maxAttempts: 2 };
    await expect(fetchPage(c, { cursor: null, limit: 1, updatedSince: null })).rejects.toMatchObject({
      failure: { kind: "timeout" },
    });
    expect(calls).toBe(2);
  });

  it("asks for the cursor, limit and updated_since it was given", async () => {
    let asked = "";
    const c = client([page([])]);
    c.upstream.fetch = async (url) => {
      asked = url;
      return Response.json({ data: [], next_cursor: null });
    };
    await fetchPage(c, { cursor: "i:9", limit: 25, updatedSince: "2026-01-01T00:00:00.000Z" });
    expect(asked).toBe(
      "http://upstream.test/tasks?limit=25&cursor=i%3A9&updated_since=2026-01-01T00%3A00%3A00.000Z",
    );
  });
});
