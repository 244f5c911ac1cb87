// Behaviour of the upstream simulator over HTTP: duplicates, scripted and random faults, latency, and the
// routes' validation. Its dataset and listings are in simulator.test.ts.
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  type SimSettings,
  Simulator,
  SimulatorInputError,
  type UpstreamPage,
  type UpstreamRecord,
} from "../../functions/simulator/dataset";
import { simulatorRoutes } from "../../functions/simulator/routes";
import { isSorted, listAll } from "./simulator-support";

async function getJson(res: Response): Promise<Record<string, unknown>> {
  expect(res.headers.get("content-type")).toMatch(/application\/json/);
  return (await res.json()) as Record<string, unknown>;
}

function routes(settings: Partial<SimSettings> = {}) {
  const sim = new Simulator({ failure_rate: 0, ...settings });
  return { sim, app: simulatorRoutes(sim) };
}

const json = (method: string, body: unknown) => ({
  method,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe("Simulator duplicates", () => {
  it("repeats a record within a page and the previous page's last record, without losing any task", async () => {
    const { sim, app } = routes({ seed: 6, total: 300, duplicate_rate: 1 });
    const seen: string[] = [];
    let withinPage = 0;
    let acrossPages = 0;
    let previousLast: UpstreamRecord | undefined;
    let cursor: string | null = null;
    do {
      const res = await app.request(`/tasks?limit=50${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as UpstreamPage;
      expect(page.data.length).toBeLessThanOrEqual(50);
      const ids = page.data.map((r) => r.id);
      if (new Set(ids).size < ids.length) withinPage++;
      if (previousLast && page.data.length > 0) {
        expect(page.data[0]).toEqual(previousLast);
        acrossPages++;
      }
      for (let i = 0; i < page.data.length; i++) {
        const r = page.data[i];
        const original = page.data.find((x) => x.id === r.id);
        expect(r).toEqual(original);
      }
      // Apart from the repeated records, every id is new and later than all ids seen before.
      const fresh = ids.filter((id) => !seen.includes(id));
      expect(isSorted([seen.at(-1) ?? "", ...new Set(fresh)])).toBe(true);
      seen.push(...new Set(fresh));
      // The cursor points at the page's last task in listing order (a copy may have been appended after it).
      previousLast = page.data.reduce<UpstreamRecord | undefined>(
        (m, r) => (m && m.id > r.id ? m : r),
        undefined,
      );
      cursor = page.next_cursor;
    } while (cursor);
    expect(withinPage).toBeGreaterThan(3);
    expect(acrossPages).toBeGreaterThan(3);
    expect(seen).toEqual([...sim.snapshot()].map((t) => t.id));
  });

  it("still moves forward with pages of one or two records", async () => {
    const { sim, app } = routes({ total: 20, duplicate_rate: 1 });
    for (const limit of [1, 2]) {
      const seen = new Set<string>();
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await app.request(`/tasks?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
        const page = (await res.json()) as UpstreamPage;
        expect(page.data.length).toBeLessThanOrEqual(limit);
        for (const r of page.data) seen.add(r.id);
        cursor = page.next_cursor;
        pages++;
      } while (cursor && pages < 100);
      expect(seen.size).toBe(sim.liveCount());
    }
  });

  it("serves no duplicates through listPage", () => {
    const sim = new Simulator({ total: 200, duplicate_rate: 1 });
    const ids = listAll(sim, 20).records.map((r) => r.id);
    expect(new Set(ids).size).toBe(200);
  });
});

describe("Simulator faults through the routes", () => {
  it("answers a scripted http_500 and http_503 with JSON errors", async () => {
    const { sim, app } = routes();
    sim.failNext(["http_500", "http_503"]);
    const a = await app.request("/tasks");
    expect(a.status).toBe(500);
    expect(await getJson(a)).toMatchObject({ error: { code: "internal" } });
    const b = await app.request("/tasks");
    expect(b.status).toBe(503);
    expect(await getJson(b)).toMatchObject({ error: { code: "unavailable" } });
    expect((await app.request("/tasks")).status).toBe(200);
    expect(sim.stats).toMatchObject({ requests: 3, ok: 1, http_500: 1, http_503: 1 });
  });

  it("answers a scripted rate limit with 429 and an integer Retry-After", async () => {
    const { sim, app } = routes({ retry_after_s: 7 });
    sim.failNext(["rate_limit"]);
    const res = await app.request("/tasks");
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(await getJson(res)).toMatchObject({ error: { code: "rate_limited" } });
  });

  it("answers a scripted malformed response with a 200 whose JSON body does not parse", async () => {
    const { sim, app } = routes({ total: 5 });
    sim.failNext(["malformed"]);
    const res = await app.request("/tasks");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    const text = await res.text();
    expect(text.startsWith('{"data":[')).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
  });

  it("hangs on a scripted timeout until the caller aborts, then rejects like fetch", async () => {
    const { sim, app } = routes({ hang_ms: 60_000 });
    sim.failNext(["timeout"]);
    const started = Date.now();
    await expect(app.request("/tasks", { signal: AbortSignal.timeout(50) })).rejects.toMatchObject({
      name: "TimeoutError",
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(sim.stats.timeout).toBe(1);
  });

  it("answers a timeout normally after hang_ms when the caller waits", async () => {
    const { sim, app } = routes({ total: 3, hang_ms: 30 });
    sim.failNext(["timeout"]);
    const res = await app.request("/tasks");
    expect(res.status).toBe(200);
    expect(((await res.json()) as UpstreamPage).data).toHaveLength(3);
  });

  it("waits latency_ms on every request, and aborts the wait with the caller", async () => {
    const { app } = routes({ total: 3, latency_ms: 40 });
    const started = Date.now();
    expect((await app.request("/tasks")).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(30);
    const controller = new AbortController();
    const pending = app.request("/tasks", { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
  });

  it("scripts failures in order through PUT /config fail_next, then answers normally", async () => {
    const { sim, app } = routes({ failure_rate: 1, failure_kinds: ["http_500"] });
    sim.configure({ failure_rate: 0 });
    const put = await app.request(
      "/config",
      json("PUT", { fail_next: ["http_503", "rate_limit", "malformed"] }),
    );
    expect(put.status).toBe(200);
    expect(await getJson(put)).toMatchObject({ fail_next: ["http_503", "rate_limit", "malformed"] });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await app.request("/tasks")).status);
    expect(statuses).toEqual([503, 429, 200, 200]);
    expect(sim.pendingFailures).toEqual([]);
  });

  it("fails at about failure_rate with the configured kinds, reproducibly for a seed", async () => {
    const outcomes = async () => {
      const { app } = routes({
        seed: 99,
        total: 5,
        failure_rate: 0.3,
        failure_kinds: ["http_500", "http_503"],
      });
      const out: number[] = [];
      for (let i = 0; i < 200; i++) out.push((await app.request("/tasks")).status);
      return out;
    };
    const a = await outcomes();
    expect(await outcomes()).toEqual(a);
    const failures = a.filter((s) => s !== 200);
    expect(new Set(failures)).toEqual(new Set([500, 503]));
    expect(failures.length).toBeGreaterThan(35);
    expect(failures.length).toBeLessThan(85);
  });

  it("rate-limits at about rate_limit_rate with Retry-After on each 429", async () => {
    const { sim, app } = routes({ seed: 5, total: 5, rate_limit_rate: 0.5, retry_after_s: 2 });
    let limited = 0;
    for (let i = 0; i < 100; i++) {
      const res = await app.request("/tasks");
      if (res.status === 429) {
        limited++;
        expect(res.headers.get("retry-after")).toBe("2");
      } else expect(res.status).toBe(200);
    }
    expect(limited).toBeGreaterThan(30);
    expect(limited).toBeLessThan(70);
    expect(sim.stats.rate_limited).toBe(limited);
  });

  it("serves the same page as listPage when mounted at /simulator and no fault applies", async () => {
    const { sim, app: routes40 } = routes({ total: 40 });
    const app = new Hono().route("/simulator", routes40);
    sim.advance({ updates: 3, deletes: 2 });
    const res = await app.request("/simulator/tasks?limit=7&updated_since=2026-01-01T00:00:10Z");
    expect(await res.json()).toEqual(sim.listPage({ limit: 7, updated_since: "2026-01-01T00:00:10Z" }));
  });
});

describe("Simulator routes validation", () => {
  it.each([
    "limit=0",
    "limit=1001",
    "limit=abc",
    "limit=1.5",
    "limit=-3",
    "cursor=garbage",
    "cursor=i:abc",
    "updated_since=yesterday",
    "updated_since=2026-02-30T00:00:00Z",
    "updated_since=2026-01-01T00:00:00",
    "cursor=i:5&updated_since=2026-01-01T00:00:00Z",
  ])("answers GET /tasks?%s with a 400 validation_error", async (query) => {
    const { sim, app } = routes();
    sim.failNext(["http_500"]);
    const res = await app.request(`/tasks?${query}`);
    expect(res.status).toBe(400);
    expect(await getJson(res)).toMatchObject({ error: { code: "validation_error" } });
    // A bad request consumes no scripted failure.
    expect(sim.pendingFailures).toEqual(["http_500"]);
  });

  it("answers GET /config with the settings, version, live count and stats", async () => {
    const { sim, app } = routes({ total: 10 });
    sim.advance({ deletes: 2 });
    await app.request("/tasks");
    const body = await getJson(await app.request("/config/"));
    expect(body).toMatchObject({ total: 10, version: 1, live_count: 8, failure_rate: 0, seed: 42 });
    expect(body.stats).toMatchObject({ requests: 1, ok: 1 });
    expect(body.failure_kinds).toEqual(["http_500", "http_503", "timeout", "malformed"]);
  });

  it("applies PUT /config and resets the dataset when total changes", async () => {
    const { sim, app } = routes({ total: 10 });
    sim.advance({ creates: 5 });
    const res = await app.request(
      "/config",
      json("PUT", { total: 20, failure_rate: 0.25, failure_kinds: ["timeout"] }),
    );
    expect(res.status).toBe(200);
    expect(await getJson(res)).toMatchObject({ total: 20, failure_rate: 0.25, version: 0, live_count: 20 });
    expect(sim.settings.failure_kinds).toEqual(["timeout"]);
  });

  it.each([
    [{ colour: "blue" }],
    [{ failure_rate: 2 }],
    [{ total: -1 }],
    [{ total: 5_000_001 }],
    [{ latency_ms: 1.5 }],
    [{ failure_kinds: [] }],
    [{ failure_kinds: ["explode"] }],
    [{ fail_next: ["nope"] }],
    [{ seed: "abc" }],
    [[1, 2]],
  ])("answers PUT /config %j with a 400 validation_error and changes nothing", async (body) => {
    const { sim, app } = routes({ total: 10 });
    const res = await app.request("/config", json("PUT", body));
    expect(res.status).toBe(400);
    const err = (await getJson(res)).error as { code: string; details: unknown[] };
    expect(err.code).toBe("validation_error");
    expect(err.details.length).toBeGreaterThan(0);
    expect(sim.settings.total).toBe(10);
  });

  it("answers a body that is not JSON with a 400 or 415 JSON error", async () => {
    const { app } = routes();
    const bad = await app.request("/config", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: "{",
    });
    expect(bad.status).toBe(400);
    expect(await getJson(bad)).toMatchObject({ error: { code: "validation_error" } });
    const text = await app.request("/advance", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "hi",
    });
    expect(text.status).toBe(415);
    expect(await getJson(text)).toMatchObject({ error: { code: "unsupported_media_type" } });
  });

  it("advances through POST /advance and reports what it applied", async () => {
    const { sim, app } = routes({ total: 50 });
    const res = await app.request("/advance", json("POST", { updates: 5, creates: 2, deletes: 3 }));
    expect(res.status).toBe(200);
    expect(await getJson(res)).toEqual({ version: 1, updated: 5, created: 2, deleted: 3 });
    const empty = await app.request("/advance/", { method: "POST" });
    expect(await getJson(empty)).toEqual({ version: 2, updated: 0, created: 0, deleted: 0 });
    expect(sim.liveCount()).toBe(49);
  });

  it.each([
    [{ updates: -1 }],
    [{ creates: 1.5 }],
    [{ deletes: 1_000_001 }],
    [{ updates: "3" }],
    [{ removes: 1 }],
    [{ updates: 30, deletes: 30 }],
  ])("answers POST /advance %j with a 400 validation_error", async (body) => {
    const { sim, app } = routes({ total: 50 });
    const res = await app.request("/advance", json("POST", body));
    expect(res.status).toBe(400);
    expect(await getJson(res)).toMatchObject({ error: { code: "validation_error" } });
    expect(sim.version).toBe(0);
  });

  it("answers an unknown path with a 404 JSON error", async () => {
    const { app } = routes();
    const res = await app.request("/nothing");
    expect(res.status).toBe(404);
    expect(await getJson(res)).toMatchObject({ error: { code: "not_found" } });
  });

  it("refuses bad settings in the constructor and configure with a SimulatorInputError", () => {
    expect(() => new Simulator({ invalid_rate: -0.1 })).toThrow(SimulatorInputError);
    const sim = new Simulator();
    expect(() => sim.configure({ hang_ms: -1 })).toThrow(/hang_ms/);
    expect(() => sim.listPage({ limit: 0 })).toThrow(RangeError);
  });
});
