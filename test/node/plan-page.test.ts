import { describe, expect, it } from "vitest";
import type { StoredTask } from "../../db/task-sync";
import { planPage } from "../../functions/sync/plan-page";
import type { FetchedPage, LiveRecord } from "../../functions/upstreams/adapter";

const rec = (id: string, updated_at: string, title = `Task ${id}`): LiveRecord => ({
  id,
  title,
  status: "todo",
  updated_at,
});
const page = (live: LiveRecord[]): FetchedPage => ({
  live,
  tombstones: [],
  invalid: [],
  received: live.length,
  ignored: 0,
  nextCursor: null,
  upstreamNow: null,
  notModified: false,
  attempts: 1,
  retried: [],
  quota: null,
});
const stored = (id: number, r: LiveRecord, extra: Partial<StoredTask> = {}): [string, StoredTask] => [
  r.id,
  {
    id,
    externalId: r.id,
    title: r.title,
    status: r.status,
    remoteUpdatedAt: r.updated_at,
    sourceUrl: null,
    deletedAt: null,
    deletedBy: null,
    ...extra,
  },
];
const plan = (p: FetchedPage, rows: [string, StoredTask][] = [], previous = new Map<string, string>()) =>
  planPage({
    page: p,
    stored: new Map(rows),
    previous,
    runId: 7,
    now: "2026-06-01T00:00:00.000Z",
    fingerprints: [],
  });

describe("planPage", () => {
  it("item 7: a repeat of the previous page's record is a duplicate only when it is the same version", () => {
    const first = plan(page([rec("a", "2026-01-01T00:00:00.000Z")]));
    const same = plan(page([rec("a", "2026-01-01T00:00:00.000Z")]), [], first.versions);
    expect(same.counts).toMatchObject({ skipped: 1, created: 0 });
    const newer = rec("a", "2026-01-02T00:00:00.000Z", "Changed");
    const second = plan(page([newer]), [stored(1, rec("a", "2026-01-01T00:00:00.000Z"))], first.versions);
    expect(second.counts).toMatchObject({ updated: 1, skipped: 0 });
    expect(second.writes.map((w) => w.title)).toEqual(["Changed"]);
  });

  it("items 3, 4: versions are compared for change, not order: a date moved back is applied; a clock ahead revives nothing", () => {
    const future = rec("a", "2099-01-01T00:00:00.000Z");
    const corrected = rec("a", "2026-03-01T00:00:00.000Z");
    const fixed = plan(page([corrected]), [stored(1, future)]);
    expect(fixed.writes).toHaveLength(1);
    expect(fixed.counts.unchanged).toBe(1);
    const deleted = stored(1, future, { deletedAt: "2026-02-01T00:00:00.000Z", deletedBy: "user" });
    expect(plan(page([future]), [deleted]).counts).toMatchObject({ skipped: 1 });
    const changed = plan(page([corrected]), [deleted]);
    expect(changed.writes[0]).toMatchObject({ seenUserDeletion: "2026-02-01T00:00:00.000Z" });
  });
});
