// The GitHub adapter's pure parts: Link parsing, which next links are followed, external ids, times, status.
import { describe, expect, it } from "vitest";
import { classifyItem, statusOf } from "../../functions/upstreams/github/issue";
import { nextLink, refuseLink } from "../../functions/upstreams/github/link";
import { classifyRefusal, readQuota, secondaryBackoffMs } from "../../functions/upstreams/github/rate-limit";
import {
  apiRoot,
  externalIdFor,
  githubTime,
  issueNumberOf,
  listingUrl,
  parseRepo,
} from "../../functions/upstreams/github/repo";
import {
  decodeWalk,
  encodeWalk,
  MAX_STALLED_PAGES,
  nextWalk,
  servedBefore,
  stalledPages,
  walkStart,
} from "../../functions/upstreams/github/walk";

const repo = parseRepo("Acme/Widgets")!;
const mapping = { repo, inProgressLabel: "in progress" };

describe("GitHub Link header", () => {
  it("finds rel=next among GitHub's relations, in any order", () => {
    const header =
      '<https://api.github.com/repositories/1/issues?page=1>; rel="prev", <https://api.github.com/repositories/1/issues?page=3>; rel="next", <https://api.github.com/repositories/1/issues?page=9>; rel="last"';
    expect(nextLink(header)).toBe("https://api.github.com/repositories/1/issues?page=3");
    expect(nextLink('<https://x/a>; rel="prev"')).toBeNull();
    expect(nextLink(null)).toBeNull();
  });

  it("follows only this repository's listing on the API's origin, Enterprise prefix included", () => {
    const ghe = apiRoot("https://ghe.example/api/v3/");
    expect(refuseLink("https://ghe.example/api/v3/repositories/77/issues?page=2", ghe, repo)).toBeNull();
    expect(refuseLink("https://ghe.example/api/v3/repos/acme/widgets/issues?page=2", ghe, repo)).toBeNull();
    expect(refuseLink("https://ghe.example/repositories/77/issues?page=2", ghe, repo)).toContain("outside");
    expect(refuseLink("https://evil.example/api/v3/repositories/77/issues", ghe, repo)).toContain("origin");
    expect(refuseLink("https://ghe.example/api/v3/repos/acme/widgets/issues/5", ghe, repo)).toContain(
      "outside",
    );
    expect(refuseLink("https://u:p@ghe.example/api/v3/repositories/7/issues", ghe, repo)).toContain(
      "credentials",
    );
    expect(refuseLink("not a url", ghe, repo)).toContain("not a URL");
  });

  it("builds the first page under the Enterprise prefix", () => {
    const url = new URL(
      listingUrl(apiRoot("https://ghe.example/api/v3"), repo, { perPage: 100, since: null, page: 1 }),
    );
    expect(url.pathname).toBe("/api/v3/repos/Acme/Widgets/issues");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      state: "all",
      per_page: "100",
      sort: "updated",
      direction: "asc",
    });
  });
});

describe("GitHub mapping", () => {
  it("keys issues as owner/name#number in lower case, and reads the number back only for this repository", () => {
    expect(externalIdFor(repo, 42)).toBe("acme/widgets#42");
    expect(issueNumberOf(repo, "acme/widgets#42")).toBe(42);
    expect(issueNumberOf(repo, "acme/widgets#042")).toBeNull();
    expect(issueNumberOf(repo, "acme/other#42")).toBeNull();
    expect(issueNumberOf(repo, "T-0000042")).toBeNull();
  });

  it("refuses repository names GitHub would not accept", () => {
    for (const bad of ["acme", "acme/", "/widgets", "a/b/c", "acme/..", "-acme/widgets", "acme/wid gets"]) {
      expect(parseRepo(bad)).toBeNull();
    }
  });

  it("maps closed to done, the in-progress label in any case to in_progress, and the rest to todo", () => {
    expect(statusOf("closed", ["in progress"], "in progress")).toBe("done");
    expect(statusOf("open", ["In Progress"], "in progress")).toBe("in_progress");
    expect(statusOf("open", ["in-progress"], "in progress")).toBe("todo");
    expect(statusOf("open", [], "in progress")).toBe("todo");
  });

  it("quarantines an item nested too deep to write back out, keeping its number, instead of throwing", () => {
    const deep = JSON.parse("[".repeat(300_000) + "]".repeat(300_000));
    const items = [deep, { number: 7, title: "Deep labels", state: "open", labels: deep }];
    expect(items.map((item) => classifyItem(item, mapping))).toEqual([
      {
        kind: "invalid",
        record: {
          externalId: null,
          raw: expect.stringMatching(/^\(payload not shown: /),
          reason: expect.any(String),
        },
      },
      {
        kind: "invalid",
        record: {
          externalId: "acme/widgets#7",
          raw: expect.stringMatching(/^\(payload not shown: /),
          reason: expect.any(String),
        },
      },
    ]);
  });

  it("keeps GitHub's time in the stored form, and quarantines one that leaves years 0000–9999 in UTC", () => {
    const issue = (updated_at: string) => ({
      number: 7,
      title: "Dated",
      state: "open",
      html_url: "https://github.com/acme/widgets/issues/7",
      updated_at,
    });
    expect(classifyItem(issue("2026-11-01T12:00:00Z"), mapping)).toMatchObject({
      kind: "live",
      record: { updated_at: "2026-11-01T12:00:00.000Z" },
    });
    expect(classifyItem(issue("9999-12-31T23:59:59-01:00"), mapping)).toMatchObject({
      kind: "invalid",
      record: {
        externalId: "acme/widgets#7",
        reason: "updated_at: time falls outside the years 0000 to 9999 in UTC",
      },
    });
  });

  it("trims titles as every upstream's are, and quarantines one that is only spaces", () => {
    const issue = (title: string) => ({
      number: 8,
      title,
      state: "open",
      html_url: "https://github.com/acme/widgets/issues/8",
      updated_at: "2026-11-01T12:00:00Z",
    });
    expect(classifyItem(issue("  Padded title \n"), mapping)).toMatchObject({
      kind: "live",
      record: { title: "Padded title" },
    });
    expect(classifyItem(issue("   "), mapping)).toMatchObject({
      kind: "invalid",
      record: { externalId: "acme/widgets#8" },
    });
  });

  it("writes since to the second, rounding down so no change is skipped", () => {
    expect(githubTime("2026-11-01T12:00:00.999Z")).toBe("2026-11-01T12:00:00Z");
  });
});

describe("GitHub rate-limit headers", () => {
  const now = new Date("2026-11-01T12:00:00Z");
  const headers = (h: Record<string, string>) => new Headers(h);

  it("reads the quota, and ignores headers that are missing or not numbers", () => {
    expect(
      readQuota(
        headers({
          "x-ratelimit-remaining": "7",
          "x-ratelimit-limit": "60",
          "x-ratelimit-reset": "1793540000",
        }),
      ),
    ).toEqual({
      remaining: 7,
      limit: 60,
      resetAt: new Date(1793540000 * 1000).toISOString(),
    });
    expect(readQuota(headers({ "x-ratelimit-remaining": "x", "x-ratelimit-reset": "1" }))).toBeNull();
    expect(readQuota(headers({}))).toBeNull();
  });

  it("tells a primary limit, a secondary one and a plain refusal apart", () => {
    const spent = headers({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1793540000" });
    expect(classifyRefusal(403, spent, "API rate limit exceeded", now).kind).toBe("primary");
    expect(classifyRefusal(403, headers({ "retry-after": "30" }), "", now)).toEqual({
      kind: "secondary",
      waitMs: 30_000,
    });
    expect(classifyRefusal(403, headers({}), "You have exceeded a secondary rate limit", now)).toEqual({
      kind: "secondary",
      waitMs: null,
    });
    expect(classifyRefusal(429, headers({}), "", now).kind).toBe("secondary");
    expect(classifyRefusal(403, headers({}), "Resource not accessible by integration", now).kind).toBe(
      "none",
    );
  });

  it("waits at least a minute for a secondary limit without a hint, then doubles", () => {
    expect([1, 2, 3].map(secondaryBackoffMs)).toEqual([60_000, 120_000, 240_000]);
  });
});

describe("GitHub listing walk", () => {
  const walk = walkStart("2026-11-01T10:00:00.500Z", 3);
  const item = (number: number, at: string) => ({ number, updated_at: at });
  const T = "2026-11-01T10:00:00Z";
  const U = "2026-11-01T10:00:05Z";

  it("starts from the watermark's second, and goes on from the last item's second, naming that second's issues", () => {
    expect(walk).toEqual({ since: T, page: 1, per_page: 3, served: [] });
    expect(nextWalk(walk, [item(1, T), item(2, U), item(3, U)], true)).toEqual({
      since: U,
      page: 1,
      per_page: 3,
      served: [2, 3],
    });
    expect(nextWalk(walk, [item(1, T)], false)).toBeNull();
  });

  it("drops only the named issues of the since second when they come again", () => {
    const next = nextWalk(walk, [item(1, T), item(2, U), item(3, U)], true)!;
    expect(
      [item(2, U), item(3, U), item(4, U), item(2, "2026-11-01T10:00:06Z")].map((i) => servedBefore(next, i)),
    ).toEqual([true, true, false, false]);
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

  it("lists a second of more than a page again until a pass sees as many of its issues as the one before", () => {
    const V = "2026-11-01T10:00:09Z";
    // A page wholly of U starts a pass through U, having seen those three.
    const first = nextWalk(walk, [item(1, U), item(2, U), item(3, U)], true)!;
    expect(first).toEqual({
      since: U,
      page: 2,
      per_page: 3,
      served: [1, 2, 3],
      pass: { seen: 3, before: null, pages: 1 },
    });
    const second = nextWalk(first, [item(4, U), item(5, U), item(6, U)], true)!;
    expect(second).toMatchObject({ since: U, page: 3, pass: { seen: 6, before: null, pages: 2 } });
    // The pass ends where the walk leaves U: U is listed again from its first page.
    const again = nextWalk(second, [item(7, U), item(8, V), item(9, V)], true)!;
    expect(again).toEqual({ ...second, page: 1, served: [], pass: { seen: 0, before: 7, pages: 3 } });
    // One issue fewer (one left U meanwhile): once more.
    let walked = nextWalk(again, [item(1, U), item(2, U), item(4, U)], true)!;
    walked = nextWalk(walked, [item(5, U), item(6, U), item(7, U)], true)!;
    const third = nextWalk(walked, [item(8, V), item(9, V), item(10, V)], true)!;
    expect(third).toMatchObject({ since: U, page: 1, pass: { seen: 0, before: 6, pages: 6 } });
    expect(stalledPages(third)).toBe(6);
    // As many as the pass before: the walk goes on from V.
    walked = nextWalk(third, [item(1, U), item(2, U), item(4, U)], true)!;
    walked = nextWalk(walked, [item(5, U), item(6, U), item(7, U)], true)!;
    expect(nextWalk(walked, [item(8, V), item(9, V), item(10, "2026-11-01T10:00:10Z")], true)).toEqual({
      since: "2026-11-01T10:00:10Z",
      page: 1,
      per_page: 3,
      served: [10],
    });
    // At the listing's end as well: the pass decides, then the walk ends.
    expect(nextWalk(second, [item(7, U)], false)).toMatchObject({ page: 1, pass: { before: 7 } });
    expect(nextWalk({ ...second, pass: { seen: 3, before: 4, pages: 2 } }, [item(7, U)], false)).toBeNull();
    // A pass of one page (U now fits on it) skipped nothing, whatever it saw.
    expect(nextWalk(again, [item(1, U), item(8, V), item(9, V)], true)).toEqual({
      since: V,
      page: 1,
      per_page: 3,
      served: [8, 9],
    });
  });

  it("pages by the server's size when it serves fewer than asked on a page that is not its last", () => {
    // Two issues of U, more after them: the server pages by two. This page is wholly U, so U goes on by page 2.
    expect(nextWalk(walk, [item(1, U), item(2, U)], true)).toEqual({
      since: U,
      page: 2,
      per_page: 2,
      served: [1, 2],
      pass: { seen: 2, before: null, pages: 1 },
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
      JSON.stringify({ ...next, pass: { seen: -1, before: null, pages: 1 } }),
      JSON.stringify({ ...next, pass: { seen: 0, before: null, pages: MAX_STALLED_PAGES + 1 } }),
    ])
      expect(decodeWalk(bad), bad).toBeNull();
  });
});
