// The HTTP contract adapter and the shared retry and body-reading kit, against scripted responses.
import { describe, expect, it } from "vitest";
import { type PageRequest, UpstreamDeferred, UpstreamError } from "../../functions/upstreams/adapter";
import { upstreamNow } from "../../functions/upstreams/github/adapter";
import { httpDate, parseRetryAfter, safeExcerpt } from "../../functions/upstreams/http";
import { httpContractAdapter, type UpstreamFetch } from "../../functions/upstreams/http-contract";
import { backoffMs, DEFAULT_RETRY, type RetryPolicy } from "../../functions/upstreams/retry";

const now = new Date("2026-06-01T12:00:00.000Z");
/** The first page of a full listing, one record long. */
const FIRST_PAGE: PageRequest = { cursor: null, limit: 1, updatedSince: null };

type ClientSpec = { fetch: UpstreamFetch; policy: RetryPolicy; sleeps: number[]; maxPageBytes: number };

function client(responses: Array<() => Response | Promise<Response>>, sleeps: number[] = []): ClientSpec {
  let i = 0;
  return {
    fetch: async (_url: string, _init: RequestInit) => {
      const next = responses[Math.min(i++, responses.length - 1)]!;
      return next();
    },
    policy: { ...DEFAULT_RETRY, timeoutMs: 100 },
    sleeps,
    maxPageBytes: 64 * 1024,
  };
}

function fetchPage(c: ClientSpec, req: PageRequest) {
  return httpContractAdapter({
    baseUrl: "http://upstream.test",
    fetch: c.fetch,
    maxPageBytes: c.maxPageBytes,
    retry: {
      policy: c.policy,
      clock: () => now,
      sleep: async (ms: number) => {
        c.sleeps.push(ms);
      },
      random: () => 0.5,
    },
  }).fetchPage(req);
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
  it("caps an absurd delta and a far date at ten years, and never goes negative", () => {
    expect(parseRetryAfter("99999999999999", now)).toBe(10 * 365 * 24 * 3600 * 1000);
    expect(parseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", now)).toBe(10 * 365 * 24 * 3600 * 1000);
    expect(parseRetryAfter("-5", now)).toBe(0);
    expect(parseRetryAfter("Mon, 01 Jun 2026 11:00:00 GMT", now)).toBe(0);
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
          // Valid ISO 8601 whose UTC instant leaves years 0000–9999; the last edge of the range is kept.
          { ...task("e"), updated_at: "9999-12-31T23:59:59-23:59" },
          { ...task("f"), updated_at: "0000-01-01T00:00:00+00:01" },
          { ...task("g"), updated_at: "9999-12-31T23:59:59.999+00:00" },
        ]),
      ]),
      { cursor: null, limit: 10, updatedSince: null },
    );
    expect(p.live.map((r) => [r.id, r.updated_at])).toEqual([
      ["a", "2026-01-01T00:00:00.000Z"],
      ["g", "9999-12-31T23:59:59.999Z"],
    ]);
    expect(p.tombstones).toEqual([{ id: "b", updated_at: "2026-01-01T22:00:00.000Z", deleted: true }]);
    expect(p.invalid.map((r) => r.externalId)).toEqual(["c", "d", null, "e", "f"]);
    expect(p.invalid[1]!.reason).toContain("status");
    expect(p.invalid[3]!.reason).toBe("updated_at: time falls outside the years 0000 to 9999 in UTC");
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
      fetchPage(client([() => new Response("no", { status: 404 })]), FIRST_PAGE),
    ).rejects.toMatchObject({
      attempts: 1,
      failure: { kind: "http_error", httpStatus: 404, retryable: false },
    });
    await expect(
      fetchPage(client([() => new Response("{not json", { status: 200 })]), FIRST_PAGE),
    ).rejects.toBeInstanceOf(UpstreamError);
    await expect(fetchPage(client([() => Response.json({ items: [] })]), FIRST_PAGE)).rejects.toMatchObject({
      failure: { kind: "malformed_response" },
    });
  });

  it("gives up after the last attempt", async () => {
    await expect(
      fetchPage(client([() => new Response("x", { status: 500 })]), FIRST_PAGE),
    ).rejects.toMatchObject({
      attempts: DEFAULT_RETRY.maxAttempts,
      retried: { length: DEFAULT_RETRY.maxAttempts - 1 },
    });
  });

  it("defers when Retry-After is beyond the budget", async () => {
    const err = await fetchPage(
      client([() => new Response("x", { status: 429, headers: { "retry-after": "3600" } })]),
      FIRST_PAGE,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamDeferred);
    expect((err as UpstreamDeferred).nextAllowedAt).toBe("2026-06-01T13:00:00.000Z");
  });

  it("times out a request that never answers, and retries it", async () => {
    let calls = 0;
    const c = client([]);
    c.fetch = (_url, init) => {
      calls++;
      return new Promise((_resolve, reject) => {
        init.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      });
    };
    c.policy = { ...c.policy, timeoutMs: 20, maxAttempts: 2 };
    await expect(fetchPage(c, FIRST_PAGE)).rejects.toMatchObject({
      failure: { kind: "timeout" },
    });
    expect(calls).toBe(2);
  });

  it("asks for the cursor, limit and updated_since it was given", async () => {
    let asked = "";
    const c = client([page([])]);
    c.fetch = async (url) => {
      asked = url;
      return Response.json({ data: [], next_cursor: null });
    };
    await fetchPage(c, { cursor: "i:9", limit: 25, updatedSince: "2026-01-01T00:00:00.000Z" });
    expect(asked).toBe(
      "http://upstream.test/tasks?limit=25&cursor=i%3A9&updated_since=2026-01-01T00%3A00%3A00.000Z",
    );
  });
});

describe("hostile upstream responses (issue 9, items 10, 16, 17, 18)", () => {
  const req = { cursor: null, limit: 10, updatedSince: null };

  it("item 10: Retry-After 0 or negative still waits the backoff; a huge one defers by the cap, not to year 9999", async () => {
    const sleeps: number[] = [];
    await fetchPage(
      client(
        [
          () => new Response("x", { status: 429, headers: { "retry-after": "0" } }),
          () => new Response("x", { status: 429, headers: { "retry-after": "-3" } }),
          page([task("a")]),
        ],
        sleeps,
      ),
      req,
    );
    expect(sleeps).toEqual([188, 375]);
    for (const value of ["99999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"]) {
      const err = await fetchPage(
        client([() => new Response("x", { status: 503, headers: { "retry-after": value } })]),
        req,
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamDeferred);
      expect((err as UpstreamDeferred).nextAllowedAt).toBe("2026-06-01T13:00:00.000Z");
      expect((err as UpstreamDeferred).message).not.toMatch(/internal|RangeError/i);
    }
  });

  it("item 16: a page larger than the byte cap is refused without being read whole", async () => {
    let pulled = 0;
    const chunk = new TextEncoder().encode(
      `{"id":"x","title":"${"y".repeat(4000)}","status":"todo","updated_at":"2026-01-01T00:00:00Z"},`,
    );
    const endless = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('{"data":['));
      },
      pull(c) {
        pulled++;
        c.enqueue(chunk);
      },
    });
    const err = await fetchPage(client([() => new Response(endless, { status: 200 })]), req).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).failure).toMatchObject({ kind: "too_large", retryable: false });
    expect(pulled * chunk.byteLength).toBeLessThan(128 * 1024);
    const declared = await fetchPage(
      client([
        () => new Response("{}", { status: 200, headers: { "content-length": String(50 * 1024 * 1024) } }),
      ]),
      req,
    ).catch((e: unknown) => e);
    expect((declared as UpstreamError).failure.kind).toBe("too_large");
  });

  it("item 16: a record far larger than any valid task is quarantined, the rest of the page kept", async () => {
    const huge = {
      id: "big",
      title: "t",
      status: "todo",
      updated_at: "2026-01-01T00:00:00Z",
      extra: "z".repeat(20_000),
    };
    const p = await fetchPage(client([page([huge, task("a")])]), req);
    expect(p.live.map((r) => r.id)).toEqual(["a"]);
    expect(p.invalid[0]).toMatchObject({ externalId: "big" });
    expect(p.invalid[0]!.reason).toContain("larger than");
  });

  it("item 16: the size is the record's JSON, whatever its shape, not a bound on its fields", async () => {
    const base = { status: "todo", updated_at: "2026-01-01T00:00:00Z" };
    const records = [
      // Its fields could take up to ~18 KiB escaped; written out, 3 KiB: kept (the extra field is ignored).
      { ...base, id: "wide", title: "t", note: "x".repeat(3000) },
      { ...base, id: "nested", title: "t", extra: { deeper: ["z".repeat(20_000)] } },
      { ...base, id: "padded", title: `${" ".repeat(20_000)}t` },
    ];
    const p = await fetchPage(client([page(records)]), req);
    expect(p.live.map((r) => r.id)).toEqual(["wide"]);
    expect(p.invalid.map((r) => [r.externalId, r.reason])).toEqual([
      ["nested", "record larger than 16384 bytes"],
      ["padded", "record larger than 16384 bytes"],
    ]);
  });

  it("item 17: a redirect is not followed, and nothing of its target reaches the error", async () => {
    let calls = 0;
    const c = client([]);
    c.fetch = async (_url, init) => {
      calls++;
      expect(init.redirect).toBe("manual");
      return new Response("secret internal page", {
        status: 302,
        headers: { location: "http://169.254.169.254/" },
      });
    };
    const err = (await fetchPage(c, req).catch((e: unknown) => e)) as UpstreamError;
    expect(calls).toBe(1);
    expect(err.failure).toMatchObject({ kind: "redirect", httpStatus: 302, retryable: false });
    expect(err.failure.message).not.toContain("secret");
    expect(err.failure.message).not.toContain("169.254");
  });

  it("item 17: an error body reaches the run's errors only as a short printable excerpt", async () => {
    const body = `<html>\u0000\u001b[31m${"A".repeat(5000)}</html>`;
    const err = (await fetchPage(client([() => new Response(body, { status: 404 })]), req).catch(
      (e: unknown) => e,
    )) as UpstreamError;
    expect(err.failure.message.length).toBeLessThan(200);
    expect([...err.failure.message].every((ch) => ch >= " ")).toBe(true);
    expect(safeExcerpt("a\n\tb\u0007c")).toBe("a b c");
  });

  it("item 18: ids are kept exactly as sent; ids or titles SQLite cannot hold faithfully are quarantined", async () => {
    const p = await fetchPage(
      client([
        page([
          task(" padded "),
          task("padded"),
          task("nul\u0000id"),
          task("lone\uD800"),
          { ...task("title-nul"), title: "a\u0000b" },
          { ...task("title-surrogate"), title: "x\uDC00" },
          task("emoji 😀"),
        ]),
      ]),
      req,
    );
    expect(p.live.map((r) => r.id)).toEqual([" padded ", "padded", "emoji 😀"]);
    expect(p.invalid.map((r) => r.externalId)).toEqual([null, null, "title-nul", "title-surrogate"]);
    expect(p.invalid.every((r) => /NUL|surrogate/.test(r.reason))).toBe(true);
  });

  it("reports upstream's clock from its Date header", async () => {
    const p = await fetchPage(
      client([
        () =>
          Response.json(
            { data: [], next_cursor: null },
            { headers: { date: "Tue, 01 Dec 2026 10:00:00 GMT" } },
          ),
      ]),
      req,
    );
    expect(p.upstreamNow).toBe("2026-12-01T10:00:00.000Z");
  });

  it("does not take a Date past year 9999 as upstream's clock: it would come back as a malformed updated_since", async () => {
    for (const date of ["Sat, 01 Jan 10000 00:00:00 GMT", "Sat, 01 Jan 50000 00:00:00 GMT"]) {
      const page = () => Response.json({ data: [], next_cursor: null }, { headers: { date } });
      expect((await fetchPage(client([page]), req)).upstreamNow, date).toBeNull();
    }
    expect(httpDate("Fri, 31 Dec 9999 23:59:59 GMT")).toBe("9999-12-31T23:59:59.000Z");
    // GitHub's listing reads its clock the same way (its `since` is written from the watermark too).
    expect(upstreamNow(new Headers({ date: "Sat, 01 Jan 50000 00:00:00 GMT" }))).toBeNull();
  });
});
