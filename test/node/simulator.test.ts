// Behaviour of the upstream simulator: its dataset, versions, listings, faults and HTTP routes.
import fc from "fast-check";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  BASE_TIME_MS,
  OVERSIZED_TITLE_LENGTH,
  parseIsoTime,
  type SimSettings,
  Simulator,
  SimulatorInputError,
  type SnapshotTask,
  taskId,
  type UpstreamPage,
  type UpstreamRecord,
} from "../../functions/simulator/dataset";
import { simulatorRoutes } from "../../functions/simulator/routes";

/** Every record of a listing, page by page, through listPage (no faults). */
function listAll(
  sim: Simulator,
  limit: number,
  updated_since?: string,
): { records: UpstreamRecord[]; pages: number } {
  const records: UpstreamRecord[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = sim.listPage({ limit, cursor, updated_since });
    expect(page.data.length).toBeLessThanOrEqual(limit);
    records.push(...page.data);
    cursor = page.next_cursor ?? undefined;
    pages++;
  } while (cursor !== undefined);
  return { records, pages };
}

function snapshotById(sim: Simulator): Map<string, SnapshotTask> {
  return new Map([...sim.snapshot()].map((t) => [t.id, t]));
}

function isSorted(values: string[]): boolean {
  return values.every((v, i) => i === 0 || values[i - 1] < v);
}

function latestUpdatedAt(sim: Simulator): string {
  let max = "";
  for (const t of sim.snapshot()) if (t.updated_at > max) max = t.updated_at;
  return max;
}

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

describe("Simulator dataset", () => {
  it("pads ids to 7 digits so string order equals index order", () => {
    expect(taskId(0)).toBe("T-0000000");
    expect(taskId(1234)).toBe("T-0001234");
    expect(taskId(9_999_999)).toBe("T-9999999");
    const ids = [0, 9, 10, 99, 100, 999_999, 1_000_000, 4_999_999].map((i) => taskId(i));
    expect([...ids].sort()).toEqual(ids);
  });

  it("is a pure function of the seed: same seed same tasks, another seed other titles", () => {
    const a = [...new Simulator({ seed: 7, total: 50 }).snapshot()];
    const b = [...new Simulator({ seed: 7, total: 50 }).snapshot()];
    const c = [...new Simulator({ seed: 8, total: 50 }).snapshot()];
    expect(a).toEqual(b);
    expect(a.map((t) => t.title)).not.toEqual(c.map((t) => t.title));
    expect(a.map((t) => t.id)).toEqual(c.map((t) => t.id));
  });

  it("gives every base task a searchable title, a known status and BASE_TIME + index seconds", () => {
    const tasks = [...new Simulator({ total: 300 }).snapshot()];
    expect(tasks).toHaveLength(300);
    tasks.forEach((t, i) => {
      expect(t.title).toMatch(new RegExp(`^\\w+ \\w+ \\w+ ${i}$`));
      expect(["todo", "in_progress", "done"]).toContain(t.status);
      expect(Date.parse(t.updated_at)).toBe(BASE_TIME_MS + i * 1000);
    });
    expect(new Set(tasks.map((t) => t.status)).size).toBe(3);
  });
});

describe("Simulator full listing", () => {
  it.each([1, 7, 100, 523, 1000])(
    "walks every live task exactly once in id order with pages of %i",
    (limit) => {
      const sim = new Simulator({ seed: 3, total: 523 });
      const { records, pages } = listAll(sim, limit);
      const ids = records.map((r) => r.id);
      expect(ids).toHaveLength(523);
      expect(isSorted(ids)).toBe(true);
      expect(pages).toBe(Math.max(1, Math.ceil(523 / limit)));
      expect(records).toEqual([...sim.snapshot()]);
    },
  );

  it("skips deleted tasks and includes created ones after an advance", () => {
    const sim = new Simulator({ seed: 11, total: 400 });
    sim.advance({ updates: 30, creates: 25, deletes: 40 });
    const { records } = listAll(sim, 37);
    expect(records.every((r) => r.deleted === undefined)).toBe(true);
    expect(records).toEqual([...sim.snapshot()]);
    expect(records).toHaveLength(385);
    expect(sim.liveCount()).toBe(385);
  });

  it("answers an empty dataset with one empty page", () => {
    const sim = new Simulator({ total: 0 });
    expect(sim.listPage({ limit: 10 })).toEqual({ data: [], next_cursor: null });
  });

  it("keeps cursor progress when the dataset advances between pages", () => {
    const sim = new Simulator({ seed: 5, total: 200 });
    const first = sim.listPage({ limit: 50 });
    sim.advance({ deletes: 20, creates: 10 });
    const rest = listAll(sim, 50);
    const ids: string[] = first.data.map((r) => r.id);
    let cursor = first.next_cursor;
    while (cursor) {
      const page = sim.listPage({ limit: 50, cursor });
      ids.push(...page.data.map((r) => r.id));
      cursor = page.next_cursor;
    }
    expect(isSorted(ids)).toBe(true);
    const tail = new Set(rest.records.map((r) => r.id).filter((id) => id > first.data[49].id));
    expect(ids.filter((id) => id > first.data[49].id)).toEqual([...tail]);
  });
});

describe("Simulator advance", () => {
  it("changes exactly the requested number of distinct tasks", () => {
    const sim = new Simulator({ seed: 21, total: 1000 });
    const before = snapshotById(sim);
    const result = sim.advance({ updates: 37, creates: 12, deletes: 25 });
    expect(result).toEqual({ version: 1, updated: 37, created: 12, deleted: 25 });
    expect(sim.version).toBe(1);
    const after = snapshotById(sim);

    const gone = [...before.keys()].filter((id) => !after.has(id));
    const added = [...after.keys()].filter((id) => !before.has(id));
    const changed = [...after.keys()].filter((id) => {
      const b = before.get(id);
      return b !== undefined && (b.title !== after.get(id)!.title || b.status !== after.get(id)!.status);
    });
    const moved = [...after.keys()].filter(
      (id) => before.has(id) && before.get(id)!.updated_at !== after.get(id)!.updated_at,
    );
    expect(gone).toHaveLength(25);
    expect(added).toEqual(Array.from({ length: 12 }, (_, i) => taskId(1000 + i)));
    expect(changed).toHaveLength(37);
    expect(moved).toEqual(changed);
    expect(sim.liveCount()).toBe(1000 - 25 + 12);

    const latestBefore = [...before.values()].reduce((m, t) => (t.updated_at > m ? t.updated_at : m), "");
    for (const id of [...changed, ...added]) expect(after.get(id)!.updated_at > latestBefore).toBe(true);
  });

  it("is deterministic for a seed and picks other tasks for another seed", () => {
    const run = (seed: number) => {
      // Change times come from upstream's clock, so a fixed clock makes the whole history repeatable.
      const sim = new Simulator({ seed, total: 500 }, { clock: () => new Date("2026-06-01T00:00:00.000Z") });
      sim.advance({ updates: 10, deletes: 10 });
      return [...sim.snapshot()];
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1).map((t) => t.id)).not.toEqual(run(2).map((t) => t.id));
  });

  it("gives each later version strictly later times", () => {
    const sim = new Simulator({ total: 100 });
    sim.advance({ updates: 5 });
    const v1 = latestUpdatedAt(sim);
    sim.advance({ updates: 5, creates: 1 });
    const changed = [...sim.snapshot()].filter((t) => t.updated_at > v1);
    expect(changed.length).toBeGreaterThanOrEqual(6);
  });

  it("can update or delete every live task, and refuses more", () => {
    const sim = new Simulator({ total: 30 });
    expect(() => sim.advance({ updates: 20, deletes: 11 })).toThrow(SimulatorInputError);
    expect(sim.version).toBe(0);
    sim.advance({ updates: 10, deletes: 20 });
    expect(sim.liveCount()).toBe(10);
    sim.advance({ deletes: 10 });
    expect(sim.liveCount()).toBe(0);
    expect(listAll(sim, 10).records).toEqual([]);
    expect(() => sim.advance({ updates: 1 })).toThrow(/only 0 are live/);
  });

  it("resets to version 0 when the seed or total changes, and not for other settings", () => {
    const sim = new Simulator({ seed: 1, total: 100 });
    sim.advance({ deletes: 10 });
    sim.configure({ failure_rate: 0.5, total: 100 });
    expect(sim.version).toBe(1);
    sim.configure({ total: 150 });
    expect(sim.version).toBe(0);
    expect(sim.liveCount()).toBe(150);
    sim.advance({ creates: 3 });
    sim.configure({ seed: 2 });
    expect(sim.version).toBe(0);
    expect(sim.liveCount()).toBe(150);
  });

  it("keeps the listing equal to the snapshot through any sequence of advances", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.record({ u: fc.nat(40), c: fc.nat(20), d: fc.nat(40) }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 60 }),
        (seed, steps, limit) => {
          const sim = new Simulator({ seed, total: 120 });
          for (const { u, c, d } of steps) {
            const live = sim.liveCount();
            const updates = Math.min(u, live);
            sim.advance({ updates, creates: c, deletes: Math.min(d, live - updates) });
          }
          const { records } = listAll(sim, limit);
          expect(records).toEqual([...sim.snapshot()]);
          expect(records).toHaveLength(sim.liveCount());
        },
      ),
      { numRuns: 40, seed: 1234 },
    );
  });
});

describe("Simulator incremental listing", () => {
  it("returns exactly the changed tasks plus tombstones in (updated_at, id) order", () => {
    const sim = new Simulator({ seed: 9, total: 800 });
    const before = snapshotById(sim);
    const since = latestUpdatedAt(sim);
    sim.advance({ updates: 40, creates: 15, deletes: 30 });
    const after = snapshotById(sim);

    for (const limit of [1, 9, 1000]) {
      const { records } = listAll(sim, limit, since);
      const keys = records.map((r) => `${r.updated_at}|${r.id}`);
      expect(isSorted(keys)).toBe(true);
      const tombstones = records.filter((r) => r.deleted);
      const live = records.filter((r) => !r.deleted);
      expect(tombstones).toHaveLength(30);
      for (const t of tombstones) {
        expect(before.has(t.id) && !after.has(t.id)).toBe(true);
        expect(t.updated_at! > since).toBe(true);
      }
      expect(live).toHaveLength(55);
      for (const r of live) expect(r).toEqual(after.get(r.id));
      const changedIds = [...after.values()].filter((t) => t.updated_at > since).map((t) => t.id);
      expect(live.map((r) => r.id).sort()).toEqual(changedIds);
    }
  });

  it("lists base tasks after the given time and then every change, even from before the dataset", () => {
    const sim = new Simulator({ seed: 2, total: 300 });
    sim.advance({ updates: 10, deletes: 5 });
    const mid = new Date(BASE_TIME_MS + 199_500).toISOString(); // between tasks 199 and 200
    const { records } = listAll(sim, 17, mid);
    const base = records.filter((r) => Date.parse(r.updated_at as string) < BASE_TIME_MS + 300_000);
    expect(base.every((r) => r.id >= taskId(200))).toBe(true);
    expect(records.filter((r) => r.deleted)).toHaveLength(5);

    const everything = listAll(sim, 50, "2000-01-01T00:00:00Z").records;
    expect(everything.filter((r) => !r.deleted)).toHaveLength(295);
    expect(everything.filter((r) => r.deleted)).toHaveLength(5);
  });

  it("treats updated_since as exclusive and accepts a time zone offset", () => {
    const sim = new Simulator({ total: 10 });
    const at5 = new Date(BASE_TIME_MS + 5000).toISOString();
    expect(sim.listPage({ limit: 100, updated_since: at5 }).data.map((r) => r.id)).toEqual(
      [6, 7, 8, 9].map((i) => taskId(i)),
    );
    const page = sim.listPage({ limit: 100, updated_since: "2026-01-01T01:00:05+01:00" });
    expect(page.data.map((r) => r.id)).toEqual([6, 7, 8, 9].map((i) => taskId(i)));
  });

  it("continues from an incremental cursor with or without updated_since repeated", () => {
    const sim = new Simulator({ total: 50 });
    sim.advance({ updates: 10 });
    const since = "2026-01-01T00:00:20.000Z";
    const first = sim.listPage({ limit: 10, updated_since: since });
    const a = sim.listPage({ limit: 100, cursor: first.next_cursor!, updated_since: since });
    const b = sim.listPage({ limit: 100, cursor: first.next_cursor! });
    expect(a).toEqual(b);
    const all = listAll(sim, 100, since).records;
    expect([...first.data, ...a.data]).toEqual(all);
  });

  it("lists a task changed twice only once, at its latest version", () => {
    const sim = new Simulator({ seed: 4, total: 20 });
    const since = latestUpdatedAt(sim);
    for (let v = 0; v < 10; v++) sim.advance({ updates: 10 });
    const { records } = listAll(sim, 3, since);
    const ids = records.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(records).toEqual(
      [...sim.snapshot()]
        .filter((t) => t.updated_at > since)
        .sort((x, y) => (x.updated_at < y.updated_at ? -1 : 1)),
    );
  });
});

describe("Simulator invalid records", () => {
  it("serves the same invalid records in every listing and leaves them out of the snapshot", () => {
    const sim = new Simulator({ seed: 13, total: 2000, invalid_rate: 0.1 });
    const first = listAll(sim, 100).records;
    const second = listAll(sim, 333).records;
    expect(second).toEqual(first);

    const isValid = (r: UpstreamRecord) =>
      typeof r.title === "string" &&
      r.title.length > 0 &&
      r.title.length <= 500 &&
      ["todo", "in_progress", "done"].includes(r.status as string) &&
      typeof r.updated_at === "string" &&
      parseIsoTime(r.updated_at) !== undefined;
    const invalid = first.filter((r) => !isValid(r));
    expect(invalid.length).toBeGreaterThan(120);
    expect(invalid.length).toBeLessThan(280);
    expect(invalid.map((r) => r.id)).toEqual(sim.invalidIds());
    const snapshot = [...sim.snapshot()];
    expect(snapshot).toEqual(first.filter(isValid));
    expect(snapshot.length + invalid.length).toBe(sim.liveCount());

    const kinds = new Set(
      invalid.map((r) =>
        !("title" in r)
          ? "missing"
          : r.title === ""
            ? "empty"
            : r.status === "blocked"
              ? "status"
              : (r.title as string).length === OVERSIZED_TITLE_LENGTH
                ? "oversized"
                : r.updated_at === "not-a-date"
                  ? "date"
                  : "other",
      ),
    );
    expect([...kinds].sort()).toEqual(["date", "empty", "missing", "oversized", "status"]);
  });

  it("decides invalidity per task version, so an update can fix or break a task", () => {
    const sim = new Simulator({ seed: 13, total: 2000, invalid_rate: 0.1 });
    const before = new Set(sim.invalidIds());
    sim.advance({ updates: 1000 });
    const after = new Set(sim.invalidIds());
    expect([...before].some((id) => !after.has(id))).toBe(true);
    expect([...after].some((id) => !before.has(id))).toBe(true);
  });

  it("never serves a tombstone invalid", () => {
    const sim = new Simulator({ seed: 1, total: 500, invalid_rate: 1 });
    const since = new Date(BASE_TIME_MS + 500_000).toISOString();
    sim.advance({ deletes: 50 });
    const { records } = listAll(sim, 100, since);
    expect(records).toHaveLength(50);
    for (const r of records) expect(Object.keys(r).sort()).toEqual(["deleted", "id", "updated_at"]);
    expect(sim.invalidIds()).toHaveLength(450);
    expect([...sim.snapshot()]).toEqual([]);
  });
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

describe("Simulator at scale", () => {
  it("lists a page near the end of a 1,000,000-task dataset without walking it", () => {
    const sim = new Simulator({ total: 1_000_000 });
    const page = sim.listPage({ limit: 500, cursor: "i:999499" });
    expect(page.data).toHaveLength(500);
    expect(page.data[0].id).toBe("T-0999500");
    expect(page.next_cursor).toBeNull();
    const recent = sim.listPage({
      limit: 10,
      updated_since: new Date(BASE_TIME_MS + 999_995_000).toISOString(),
    });
    expect(recent.data.map((r) => r.id)).toEqual([999_996, 999_997, 999_998, 999_999].map((i) => taskId(i)));
    expect(sim.liveCount()).toBe(1_000_000);
  });

  it("advances 1% of 100,000 tasks and lists all of them in pages of 500", () => {
    const sim = new Simulator({ total: 100_000 });
    const since = latestUpdatedAt(sim);
    expect(sim.advance({ updates: 1000, creates: 1000, deletes: 1000 })).toMatchObject({ updated: 1000 });
    const { records, pages } = listAll(sim, 500);
    expect(records).toHaveLength(100_000);
    expect(pages).toBe(200);
    expect(listAll(sim, 500, since).records).toHaveLength(3000);
  });
});
