// The GitHub adapter's pure parts: Link parsing, which next links are followed, external ids, times, status, rate
// limits (the listing walk's are in github-walk.test.ts).
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
