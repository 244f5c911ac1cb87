// Behaviour of the upstream simulator's dataset: ids and content, versions, full and incremental listings,
// invalid records, scale. Its HTTP side (faults, duplicates, routes) is in simulator-http.test.ts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BASE_TIME_MS,
  OVERSIZED_TITLE_LENGTH,
  parseIsoTime,
  Simulator,
  SimulatorInputError,
  type SnapshotTask,
  taskId,
  type UpstreamRecord,
} from "../../functions/simulator/dataset";
import { isSorted, listAll } from "./simulator-support";

function snapshotById(sim: Simulator): Map<string, SnapshotTask> {
  return new Map([...sim.snapshot()].map((t) => [t.id, t]));
}

function latestUpdatedAt(sim: Simulator): string {
  let max = "";
  for (const t of sim.snapshot()) if (t.updated_at > max) max = t.updated_at;
  return max;
}

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
