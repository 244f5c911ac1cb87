// The GitHub listing walk's pure part (functions/upstreams/github/walk.ts): where each next page is asked from,
// the passes through a second of more than a page, the server's page size, and which cursors it reads back.
import { describe, expect, it } from "vitest";
import { MAX_CURSOR_LENGTH } from "../../functions/upstreams/github/link";
import {
  decodeWalk,
  encodeWalk,
  MAX_STALLED_PAGES,
  nextWalk,
  servedBefore,
  stalledPages,
  walkStart,
} from "../../functions/upstreams/github/walk";

describe("GitHub listing walk", () => {
  const walk = walkStart("2026-11-01T10:00:00.500Z", 3);
  const item = (number: number, at: string) => ({ number, updated_at: at });
  const T = "2026-11-01T10:00:00Z";
  const U = "2026-11-01T10:00:05Z";
  /** A cursor's `served`: each issue number with its version (what a task keeps of it, hashed). */
  const servedAs = (...numbers: number[]) => numbers.map((n) => [n, expect.any(Number)]);

  it("starts from the watermark's second, and goes on from the last item's second, naming that second's issues", () => {
    expect(walk).toEqual({ since: T, page: 1, per_page: 3, served: [] });
    expect(nextWalk(walk, [item(1, T), item(2, U), item(3, U)], true)).toEqual({
      since: U,
      page: 1,
      per_page: 3,
      served: servedAs(2, 3),
    });
    expect(nextWalk(walk, [item(1, T)], false)).toBeNull();
  });

  it("drops only the named issues of the since second when they come again", () => {
    const next = nextWalk(walk, [item(1, T), item(2, U), item(3, U)], true)!;
    expect(
      [item(2, U), item(3, U), item(4, U), item(2, "2026-11-01T10:00:06Z")].map((i) => servedBefore(next, i)),
    ).toEqual([true, true, false, false]);
  });

  it("serves again an issue changed within the second it was served in, which keeps its update time", () => {
    const first = { number: 2, updated_at: U, title: "First", state: "open", labels: [] };
    const next = nextWalk(walk, [item(1, T), first, item(3, U)], true)!;
    expect(servedBefore(next, first)).toBe(true);
    expect(servedBefore(next, { ...first, title: "Second" })).toBe(false);
    expect(servedBefore(next, { ...first, labels: [{ name: "In Progress" }] })).toBe(false);
    expect(servedBefore(next, { ...first, comments: 3 })).toBe(true);
    // A cursor written before versions names bare numbers: any version of those issues counts as served.
    const before = decodeWalk(JSON.stringify({ since: U, page: 1, per_page: 3, served: [2, 3] }))!;
    expect(servedBefore(before, { ...first, title: "Second" })).toBe(true);
  });

  it("goes on by page number inside one second, after a page out of order, or with nothing readable", () => {
    expect(nextWalk(walk, [item(1, U), item(2, U), item(3, U)], true)).toMatchObject({ since: U, page: 2 });
    const inside = { ...walk, since: U, page: 2, served: [1, 2, 3] };
    expect(nextWalk(inside, [item(4, U), item(5, U), item(6, U)], true)).toMatchObject({ since: U, page: 3 });
    // A future-dated issue first on a page says nothing of the issues after it: no jump to its second.
    expect(nextWalk(walk, [item(9, "2099-01-01T00:00:00Z"), item(1, T), item(2, U)], true)).toMatchObject({
      since: T,
      page: 2,
    });
    expect(nextWalk(walk, [{ number: "x" }, { updated_at: "soon" }], true)).toMatchObject({
      since: T,
      page: 2,
    });
  });

  /** What a pass saw: `count` issues (the digest is the walk's own business; equal issues give equal digests). */
  const counted = (count: number) => ({ count, digest: expect.any(Number) });

  it("lists a second of more than a page again until a pass sees the same issues as the one before", () => {
    const V = "2026-11-01T10:00:09Z";
    // A page wholly of U starts a pass through U, having seen those three.
    const first = nextWalk(walk, [item(1, U), item(2, U), item(3, U)], true)!;
    expect(first).toEqual({
      since: U,
      page: 2,
      per_page: 3,
      served: servedAs(1, 2, 3),
      pass: { seen: counted(3), before: null, pages: 1 },
    });
    const second = nextWalk(first, [item(4, U), item(5, U), item(6, U)], true)!;
    expect(second).toMatchObject({ since: U, page: 3, pass: { seen: counted(6), before: null, pages: 2 } });
    // The pass ends where the walk leaves U: U is listed again from its first page.
    const again = nextWalk(second, [item(7, U), item(8, V), item(9, V)], true)!;
    expect(again).toEqual({
      ...second,
      page: 1,
      served: [],
      pass: { seen: { count: 0, digest: 0 }, before: counted(7), pages: 3 },
    });
    // One issue fewer (3 left U meanwhile): once more.
    let walked = nextWalk(again, [item(1, U), item(2, U), item(4, U)], true)!;
    walked = nextWalk(walked, [item(5, U), item(6, U), item(7, U)], true)!;
    const third = nextWalk(walked, [item(8, V), item(9, V), item(10, V)], true)!;
    expect(third).toMatchObject({
      since: U,
      page: 1,
      pass: { seen: { count: 0 }, before: counted(6), pages: 6 },
    });
    expect(stalledPages(third)).toBe(6);
    // The same issues as the pass before, in another order: the walk goes on from V.
    walked = nextWalk(third, [item(2, U), item(1, U), item(4, U)], true)!;
    walked = nextWalk(walked, [item(7, U), item(6, U), item(5, U)], true)!;
    expect(nextWalk(walked, [item(8, V), item(9, V), item(10, "2026-11-01T10:00:10Z")], true)).toEqual({
      since: "2026-11-01T10:00:10Z",
      page: 1,
      per_page: 3,
      served: servedAs(10),
    });
    // At the listing's end as well: the pass decides, then the walk ends.
    expect(nextWalk(second, [item(7, U)], false)).toMatchObject({ page: 1, pass: { before: counted(7) } });
    walked = nextWalk(again, [item(1, U), item(2, U), item(3, U)], true)!;
    walked = nextWalk(walked, [item(4, U), item(5, U), item(6, U)], true)!;
    expect(nextWalk(walked, [item(7, U)], false)).toBeNull();
    // A pass of one page (U now fits on it) skipped nothing, whatever it saw.
    expect(nextWalk(again, [item(1, U), item(8, V), item(9, V)], true)).toEqual({
      since: V,
      page: 1,
      per_page: 3,
      served: servedAs(8, 9),
    });
  });

  it("lists the second again when a pass saw as many issues as the one before, but not the same ones", () => {
    const V = "2026-11-01T10:00:09Z";
    const pageOf = (numbers: number[], after: ReturnType<typeof item>[] = []) => [
      ...numbers.map((n) => item(n, U)),
      ...after,
    ];
    const then = [item(8, V), item(9, V)];
    // Pass 1 sees U's seven issues, 1 to 7.
    let w = nextWalk(walk, pageOf([1, 2, 3]), true)!;
    w = nextWalk(w, pageOf([4, 5, 6]), true)!;
    w = nextWalk(w, pageOf([7], then), true)!;
    // Pass 2: after its first page, issue 10 joins U ahead of 1 (GitHub's clock behind, or a lagging replica), so
    // 3 comes again; after its second, 4 leaves U, so 6 slips back over the boundary. It counts seven issues, as
    // pass 1 did, and never saw 10.
    w = nextWalk(w, pageOf([1, 2, 3]), true)!;
    w = nextWalk(w, pageOf([3, 4, 5]), true)!;
    w = nextWalk(w, pageOf([7], then), true)!;
    expect(w).toMatchObject({ since: U, page: 1, served: [], pass: { before: counted(7) } });
    // Pass 3 sees 10; pass 4 sees what pass 3 saw, and the walk goes on.
    for (let pass = 3; pass <= 4; pass++) {
      w = nextWalk(w, pageOf([10, 1, 2]), true)!;
      w = nextWalk(w, pageOf([3, 5, 6]), true)!;
      w = nextWalk(w, pageOf([7], then), true)!;
    }
    expect(w).toEqual({ since: V, page: 1, per_page: 3, served: servedAs(8, 9) });
  });

  it("pages by the server's size when it serves fewer than asked on a page that is not its last", () => {
    // Two issues of U, more after them: the server pages by two. This page is wholly U, so U goes on by page 2.
    expect(nextWalk(walk, [item(1, U), item(2, U)], true)).toEqual({
      since: U,
      page: 2,
      per_page: 2,
      served: servedAs(1, 2),
      pass: { seen: counted(2), before: null, pages: 1 },
    });
    expect(nextWalk(walk, [item(1, T), item(2, U)], true)).toMatchObject({ since: U, page: 1, per_page: 2 });
    // Its last page may be short: nothing follows it.
    expect(nextWalk(walk, [item(1, U)], false)).toBeNull();
  });

  it("reads back only cursors it wrote", () => {
    const next = nextWalk(walk, [item(1, T), item(2, U)], true)!;
    expect(decodeWalk(encodeWalk(next))).toEqual(next);
    const inPass = nextWalk(walk, [item(1, U), item(2, U), item(3, U)], true)!;
    expect(decodeWalk(encodeWalk(inPass))).toEqual(inPass);
    for (const bad of [
      "",
      "{",
      "[]",
      '{"since":null}',
      JSON.stringify({ ...next, page: 0 }),
      JSON.stringify({ ...next, extra: 1 }),
      JSON.stringify({ ...next, served: [[2, -1]] }),
      JSON.stringify({ ...next, served: [[2, 2 ** 32]] }),
      JSON.stringify({ ...next, served: [[2, 1, 1]] }),
      JSON.stringify({ ...next, pass: { seen: { count: -1, digest: 0 }, before: null, pages: 1 } }),
      JSON.stringify({ ...next, pass: { seen: { count: 1, digest: 2 ** 32 }, before: null, pages: 1 } }),
      JSON.stringify({
        ...next,
        pass: { seen: { count: 0, digest: 0 }, before: null, pages: MAX_STALLED_PAGES + 1 },
      }),
      JSON.stringify({ ...next, pass: { seen: -1, before: null, pages: 1 } }),
      JSON.stringify({ ...next, pass: { seen: 0, before: null, pages: MAX_STALLED_PAGES + 1 } }),
    ])
      expect(decodeWalk(bad), bad).toBeNull();
  });

  it("writes cursors it can read back at their largest: a page of 100 issues of one second, in a pass", () => {
    const at = "2026-11-01T10:00:05Z";
    const big = (i: number) => ({
      number: Number.MAX_SAFE_INTEGER - i,
      updated_at: at,
      title: "t",
      labels: [],
    });
    const entered = nextWalk(
      walkStart(null, 100),
      Array.from({ length: 100 }, (_, i) => big(100 - i)),
      true,
    )!;
    const inPass = nextWalk(
      entered,
      Array.from({ length: 100 }, (_, i) => big(200 - i)),
      true,
    )!;
    expect(inPass).toMatchObject({ page: 3, pass: { seen: counted(200) } });
    expect(encodeWalk(inPass).length).toBeLessThanOrEqual(MAX_CURSOR_LENGTH);
    expect(decodeWalk(encodeWalk(inPass))).toEqual(inPass);
  });

  it("starts the pass again from the second's first page for a cursor whose pass kept only counts", () => {
    const counts = {
      since: U,
      page: 4,
      per_page: 3,
      served: [7, 8, 9],
      pass: { seen: 9, before: 10, pages: 7 },
    };
    expect(decodeWalk(JSON.stringify(counts))).toEqual({
      ...counts,
      page: 1,
      served: [],
      pass: { seen: { count: 0, digest: 0 }, before: null, pages: 7 },
    });
  });
});
