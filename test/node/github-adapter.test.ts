// The GitHub adapter against the fake GitHub over real HTTP: the listing (walked by update time, within a second
// by page number), mapping, incremental listings and conditional requests. Quotas, refusals and deletion
// confirmations are in github-adapter-limits.test.ts.
import { describe, expect, it } from "vitest";
import { UpstreamDeferred } from "../../functions/upstreams/adapter";
import { quotaKey } from "../../functions/upstreams/github/http";
import { githubTime } from "../../functions/upstreams/github/repo";
import { encodeWalk, MAX_STALLED_PAGES } from "../../functions/upstreams/github/walk";
import { compareBy, type FakeGithubOptions } from "../fake-github/app";
import { issueKey, listAll, TEST_TOKEN, type Testbed } from "../fake-github/harness";
import { failureOf, ids, served } from "./github-adapter-support";

/** The second of `ms`, as GitHub writes update times. */
const secondAt = (ms: number) => githubTime(new Date(ms).toISOString());

/** A fake of `total` issues, all updated in one second a minute ago (`same`, as GitHub writes it). */
async function inOneSecond(total: number, fakeOptions: FakeGithubOptions = {}) {
  const bed = await served({ total, pullEvery: 0, ...fakeOptions });
  const same = secondAt(bed.fake.repo.nowMs - 60_000);
  for (const issue of bed.fake.repo.visible()) issue.updated_at = same;
  return { bed, same };
}

/** As inOneSecond(14), but 1 and 2 five seconds earlier: the walk's first page ends part-way into the second. */
async function entersPartWay() {
  const { bed, same } = await inOneSecond(14);
  const earlier = secondAt(Date.parse(same) - 5_000);
  for (const n of [1, 2]) bed.fake.repo.items.get(n)!.updated_at = earlier;
  return { bed, same };
}

const visibleKeys = (bed: Testbed) => new Set(bed.fake.repo.visibleIssues().map((i) => issueKey(i.number)));

describe("GitHub adapter: full listing", () => {
  it("lists every issue once over pages of 100, walking by update time, and skips pull requests", async () => {
    const bed = await served({ total: 250, pullEvery: 5 });
    const pages = await listAll(bed.adapter);
    const expected = bed.fake.repo.visibleIssues().map((i) => `acme/widgets#${i.number}`);
    // The fake's update times share seconds in runs of up to 20 issues, so page boundaries fall inside them.
    expect(ids(pages).sort()).toEqual(expected.sort());
    expect(pages.reduce((n, p) => n + p.ignored, 0)).toBe(50);
    expect(pages.reduce((n, p) => n + p.received, 0)).toBe(200);
    const asked = bed.fake.log.map((r) => ({ path: r.path, query: new URLSearchParams(r.query) }));
    expect(asked.map((r) => r.path)).toEqual(asked.map(() => "/repos/acme/widgets/issues"));
    expect(Object.fromEntries(asked[0]!.query)).toEqual({
      state: "all",
      per_page: "100",
      sort: "updated",
      direction: "asc",
    });
    // Each next page is asked from the latest update second served, never by GitHub's page number.
    for (const [i, r] of asked.slice(1).entries()) {
      const previous = pages[i]!.live.map((t) => Date.parse(t.updated_at));
      expect(Date.parse(r.query.get("since")!)).toBe(Math.max(...previous));
      expect(r.query.get("page")).toBeNull();
    }
  });

  it("a page wholly within one second goes on by page number within that second", async () => {
    const { bed, same } = await inOneSecond(12);
    bed.fake.repo.create({ title: "later" });
    const pages = await listAll(bed.adapter, null, 5);
    expect(new Set(ids(pages))).toEqual(visibleKeys(bed));
    const asked = bed.fake.log.map((r) => new URLSearchParams(r.query));
    // The second is listed once more (from its first page), and that pass saw the same issues: done.
    expect(asked.map((q) => [q.get("since"), q.get("page")])).toEqual([
      [null, null],
      [same, "2"],
      [same, "3"],
      [same, null],
      [same, "2"],
      [same, "3"],
    ]);
  });

  it("lists a second of more than a page again while issues leave it mid-walk, so none is skipped", async () => {
    const { bed } = await inOneSecond(12);
    // After the first and the third page served (pages of 5, all within that second), an issue already served
    // leaves the second: edited, then deleted. Every later issue moves one place back, and the one at the next
    // page's start with it.
    bed.fake.afterListingPage = (served) => {
      if (served === 1) bed.fake.repo.update(1, { title: "edited mid-listing" });
      if (served === 3) bed.fake.repo.delete(7);
    };
    const pages = await listAll(bed.adapter, null, 5);
    const listed = new Set(ids(pages));
    for (const key of visibleKeys(bed)) expect(listed).toContain(key);
    // Three passes through the second: the second saw one issue fewer than the first, the third the same ones.
    const asked = bed.fake.log.map((r) => new URLSearchParams(r.query).get("page") ?? "1");
    expect(asked.join(" ")).toBe("1 2 3 1 2 3 1 2 3");
  });

  it("goes on to the next pass at once when a pass's last page comes back empty", async () => {
    const { bed } = await inOneSecond(11);
    // Pages of 5: after the second served, 1 is deleted, and the third page (which held 11) is now past the end.
    bed.fake.afterListingPage = (served) => {
      if (served === 2) bed.fake.repo.delete(1);
    };
    const pages = await listAll(bed.adapter, null, 5);
    const listed = new Set(ids(pages));
    for (const key of visibleKeys(bed)) expect(listed).toContain(key);
    // The engine stops a listing on an empty page that hands out a cursor: none does.
    expect(pages.filter((p) => p.received === 0 && p.nextCursor !== null)).toEqual([]);
    const asked = bed.fake.log.map((r) => new URLSearchParams(r.query).get("page") ?? "1");
    expect(asked.join(" ")).toBe("1 2 3 1 2 1 2");
    // The empty page's request counts with the page that followed it.
    expect(pages.reduce((n, p) => n + p.attempts, 0)).toBe(asked.length);
  });

  it("follows a page whose issues were all served before, when issues joined the second ahead of them", async () => {
    const { bed, same } = await inOneSecond(25);
    const repo = bed.fake.repo;
    // 1 to 5 are newer; the walk's first page is 6 to 10, wholly of `same`, and starts a pass through it.
    for (const n of [1, 2, 3, 4, 5]) repo.items.get(n)!.updated_at = secondAt(repo.nowMs);
    // Then 1 to 5 are edited and stamped with that past second (a lagging replica): they join it ahead of 6, and
    // the pass's second page holds 6 to 10 again, every one served before.
    bed.fake.afterListingPage = (served) => {
      if (served !== 1) return;
      for (const n of [1, 2, 3, 4, 5])
        Object.assign(repo.items.get(n)!, { title: `lagged ${n}`, updated_at: same });
    };
    const pages = await listAll(bed.adapter, null, 5);
    expect(pages.filter((p) => p.received === 0 && p.nextCursor !== null)).toEqual([]);
    const titles = new Map(pages.flatMap((p) => p.live.map((r) => [r.id, r.title] as const)));
    expect(new Set(titles.keys())).toEqual(visibleKeys(bed));
    for (const n of [1, 2, 3, 4, 5]) expect(titles.get(issueKey(n))).toBe(`lagged ${n}`);
  });

  it("passes through a second the walk enters part-way through a page as well, so none is skipped", async () => {
    const { bed, same } = await entersPartWay();
    // The walk comes to the second from the page of 1 and 2, so its first page in that second is asked `since` it.
    // After that page served, 3 leaves the second; 8 would then slip back over the next page boundary.
    bed.fake.afterListingPage = (served) => {
      if (served === 2) bed.fake.repo.update(3, { title: "left the second" });
    };
    const pages = await listAll(bed.adapter, null, 5);
    expect(new Set(ids(pages))).toEqual(visibleKeys(bed));
    const asked = bed.fake.log
      .map((r) => new URLSearchParams(r.query))
      .filter((q) => q.get("since") === same);
    expect(asked.map((q) => q.get("page") ?? "1").join(" ")).toBe("1 2 3 1 2 3 1 2 3");
  });

  it("lists a second again when an issue joins it as another leaves, so the joiner is served", async () => {
    const { bed, same } = await entersPartWay();
    const repo = bed.fake.repo;
    // The second pass through it: after its first page, issue 2 is edited and stamped with that past second
    // (GitHub's clock behind, or a lagging replica), so it joins the second ahead of every served issue; after its
    // second page, 9 leaves it. That pass counts twelve issues, as the first did, without ever seeing 2's edit.
    bed.fake.afterListingPage = (served) => {
      if (served === 5)
        Object.assign(repo.items.get(2)!, { title: "joined a past second", updated_at: same });
      if (served === 6) repo.update(9, { title: "left the second" });
    };
    const pages = await listAll(bed.adapter, null, 5);
    const titles = new Map(pages.flatMap((p) => p.live.map((r) => [r.id, r.title] as const)));
    expect(titles.get(issueKey(2))).toBe("joined a past second");
    expect(titles.get(issueKey(9))).toBe("left the second");
    expect(new Set(titles.keys())).toEqual(visibleKeys(bed));
  });

  it("serves an issue again when it changes within the second it was served in", async () => {
    const bed = await served({ total: 8, pullEvery: 0 });
    const repo = bed.fake.repo;
    // 1 to 4 a few seconds apart, 5 to 8 in GitHub's current second: the first page (of 5) ends with 5.
    const now = secondAt(repo.nowMs);
    for (const issue of repo.visible())
      issue.updated_at = issue.number <= 4 ? secondAt(repo.nowMs - (5 - issue.number) * 5_000) : now;
    // Within that same second, 5 is edited again after the first page served it: its update time stays.
    bed.fake.afterListingPage = (served) => {
      if (served === 1) repo.update(5, { title: "edited in the same second" });
    };
    const pages = await listAll(bed.adapter, null, 5);
    expect(repo.items.get(5)!.updated_at).toBe(now);
    const titles = pages.flatMap((p) => p.live.filter((r) => r.id === issueKey(5)).map((r) => r.title));
    expect(titles).toEqual([expect.any(String), "edited in the same second"]);
    expect(new Set(ids(pages))).toEqual(visibleKeys(bed));
  });

  it("walks a second by the server's own pages when it serves fewer issues than asked", async () => {
    const { bed } = await inOneSecond(12, { maxPerPage: 4 });
    bed.fake.repo.create({ title: "later" });
    const pages = await listAll(bed.adapter, null, 5);
    expect(new Set(ids(pages))).toEqual(visibleKeys(bed));
    expect(pages.every((p) => p.received > 0)).toBe(true);
  });

  it("stops a listing whose update times do not move for MAX_STALLED_PAGES pages, saying so", async () => {
    const bed = await served({ total: MAX_STALLED_PAGES + 2, pullEvery: 0 });
    const same = "2026-10-01T00:00:00Z";
    for (const issue of bed.fake.repo.visible()) issue.updated_at = same;
    const cursor = encodeWalk({ since: same, page: MAX_STALLED_PAGES, per_page: 1, served: [] });
    const err = await failureOf(bed.adapter.fetchPage({ cursor, limit: 1, updatedSince: null }));
    expect([err.failure.kind, err.failure.retryable]).toEqual(["malformed_response", false]);
    expect(err.failure.message).toContain(`did not move past ${same} in ${MAX_STALLED_PAGES} pages`);
  });

  it("an issue that leaves or changes behind the walk moves nothing out of it", async () => {
    const bed = await served({ total: 200, pullEvery: 0 });
    const byUpdate = bed.fake.repo.visible().sort(compareBy("updated", "asc"));
    const [first, second, third] = byUpdate;
    const originalTitle = third!.title;
    // After page 1 (the oldest updates): one served issue deleted, one transferred, one edited. Counted by
    // position, each would move the next page's start one issue on, and the issues skipped would never be listed.
    bed.fake.afterListingPage = (served) => {
      if (served !== 1) return;
      bed.fake.repo.delete(first!.number);
      bed.fake.repo.transfer(second!.number, 31337);
      bed.fake.repo.advance(5_000);
      bed.fake.repo.update(third!.number, { title: "edited mid-listing" });
    };
    const pages = await listAll(bed.adapter);
    const listed = ids(pages);
    const all = Array.from({ length: 200 }, (_, i) => `acme/widgets#${i + 1}`);
    expect(new Set(listed)).toEqual(new Set(all));
    // The edited issue comes again, newer, at the end of the walk.
    const edited = pages.flatMap((p) => p.live).filter((r) => r.id === `acme/widgets#${third!.number}`);
    expect(edited.map((r) => r.title)).toEqual([originalTitle, "edited mid-listing"]);
  });

  it("maps state and the in-progress label (any case) to a status, and keeps html_url as the source URL", async () => {
    const bed = await served({ total: 30, pullEvery: 0 });
    const records = (await listAll(bed.adapter)).flatMap((p) => p.live);
    const byNumber = new Map(records.map((r) => [Number(r.id.split("#")[1]), r]));
    expect(byNumber.get(4)!.status).toBe("done"); // closed
    expect(byNumber.get(7)!.status).toBe("in_progress"); // open, labelled "In Progress"
    expect(byNumber.get(3)!.status).toBe("todo"); // open, labelled "bug"
    bed.fake.repo.update(2, { labels: ["IN PROGRESS"], state: "closed" });
    const again = (await listAll(bed.adapter)).flatMap((p) => p.live);
    expect(again.find((r) => r.id === "acme/widgets#2")!.status).toBe("done");
    const seven = byNumber.get(7)!;
    expect(seven.source_url).toBe("https://github.com/acme/widgets/issues/7");
    expect(seven.updated_at).toBe(new Date(bed.fake.repo.items.get(7)!.updated_at).toISOString());
    expect(seven.title).toBe(bed.fake.repo.items.get(7)!.title);
  });

  it("takes upstream's now from GitHub's Date header, not from our clock", async () => {
    const bed = await served({ total: 5, now: new Date("2030-05-05T05:05:05Z") });
    const [page] = await listAll(bed.adapter);
    expect(page!.upstreamNow).toBe("2030-05-05T05:05:05.000Z");
  });

  it("reports the quota with every page and persists the latest for the status card", async () => {
    const bed = await served({ total: 150, quotaLimit: 5000 });
    const pages = await listAll(bed.adapter);
    expect(pages.map((p) => p.quota?.remaining)).toEqual([4999, 4998]);
    const key = await quotaKey(TEST_TOKEN);
    expect(JSON.parse(bed.state.data.get(key)!)).toMatchObject({ remaining: 4998, limit: 5000 });
  });

  it("does not inherit the spent quota of the token it replaced", async () => {
    const bed = await served({ total: 250, pullEvery: 0, public: true }, { quotaReserve: 1 });
    bed.fake.setQuota(2, 20 * 60_000);
    // The token's quota runs down to the reserve: its runs defer until the reset.
    await expect(listAll(bed.adapter)).rejects.toBeInstanceOf(UpstreamDeferred);
    await expect(listAll(bed.rebuild())).rejects.toBeInstanceOf(UpstreamDeferred);
    // Another credential (here none: the anonymous quota) starts from its own quota, not the spent one.
    expect(ids(await listAll(bed.rebuild({ token: null })))).toHaveLength(250);
  });

  it("quarantines an issue that fails validation, with its external id and a reason", async () => {
    const bed = await served({ total: 10, pullEvery: 0 });
    bed.fake.repo.items.get(3)!.title = "";
    bed.fake.repo.items.get(5)!.title = "bad\u0000title";
    const pages = await listAll(bed.adapter);
    const invalid = pages.flatMap((p) => p.invalid);
    expect(invalid.map((r) => r.externalId).sort()).toEqual(["acme/widgets#3", "acme/widgets#5"]);
    expect(invalid.find((r) => r.externalId === "acme/widgets#5")!.reason).toContain("NUL");
    expect(ids(pages)).toHaveLength(8);
    expect(pages[0]!.received).toBe(10);
  });

  it("refuses a cursor it did not write, or a link that leaves the API's origin or the issue listing", async () => {
    const bed = await served({ total: 5 });
    for (const cursor of [
      "http://evil.example/repos/acme/widgets/issues?page=2",
      `${bed.url}/repos/acme/other/issues?page=2`,
      `${bed.url}/user/repos?page=2`,
      '{"since":"2026-01-01T00:00:00Z","page":0,"per_page":100,"served":[]}',
      '{"since":"yesterday","page":1,"per_page":100,"served":[]}',
      '{"since":null,"page":1,"per_page":100,"served":[],"url":"http://evil.example"}',
      "not a cursor",
    ]) {
      const err = await failureOf(bed.adapter.fetchPage({ cursor, limit: 100, updatedSince: null }));
      expect(err.failure.kind, cursor).toBe("redirect");
      expect(err.failure.message).toContain("cursor was refused");
    }
    expect(bed.fake.log).toHaveLength(0);
  });

  it("starts a listing again from its start when a run resumes from a next-page link (before walks)", async () => {
    const bed = await served({ total: 30, pullEvery: 0 });
    const since = "2026-01-01T03:00:00Z";
    const link = `${bed.url}/repositories/4242/issues?state=all&sort=updated&direction=asc&since=${since}&page=7`;
    await bed.adapter.fetchPage({ cursor: link, limit: 10, updatedSince: null });
    const asked = new URLSearchParams(bed.fake.log[0]!.query);
    expect([bed.fake.log[0]!.path, asked.get("since"), asked.get("page")]).toEqual([
      "/repos/acme/widgets/issues",
      since,
      null,
    ]);
  });

  it("does not follow a redirect of the listing (a renamed repository) and says what to do", async () => {
    const bed = await served({ total: 5 });
    bed.fake.renamed = true;
    const err = await failureOf(listAll(bed.adapter));
    expect(err.failure.kind).toBe("redirect");
    expect(err.failure.message).toContain("GITHUB_REPO");
    expect(bed.fake.log).toHaveLength(1);
  });

  it("refuses a body over the byte cap instead of reading it whole", async () => {
    const bed = await served({ total: 100 }, { maxBodyBytes: 4096 });
    const err = await failureOf(listAll(bed.adapter));
    expect(err.failure.kind).toBe("too_large");
  });

  it("retries a 502 with backoff and then succeeds", async () => {
    const bed = await served({ total: 5 });
    bed.fake.serverErrors = 2;
    const [page] = await listAll(bed.adapter);
    expect(page!.attempts).toBe(3);
    expect(page!.retried.map((f) => f.httpStatus)).toEqual([502, 502]);
    expect(bed.sleeps).toHaveLength(2);
  });

  it("tells its onRetry hook of each retry before waiting: the failure, the wait and the attempts made", async () => {
    const told: [number | undefined, number, number][] = [];
    const bed = await served({ total: 5 });
    const adapter = bed.rebuild({
      onRetry: (f, waitMs, attempt) => told.push([f.httpStatus, waitMs, attempt]),
    });
    bed.fake.serverErrors = 2;
    await listAll(adapter);
    expect(told.map(([status, , attempt]) => [status, attempt])).toEqual([
      [502, 1],
      [502, 2],
    ]);
    expect(told.map(([, waitMs]) => waitMs)).toEqual(bed.sleeps);
  });
});

describe("GitHub adapter: incremental listing and conditional requests", () => {
  it("asks for issues updated since the watermark, by update time, oldest first", async () => {
    const bed = await served({ total: 120, now: new Date("2026-11-01T12:00:00Z") });
    const since = bed.fake.repo.now().toISOString();
    bed.fake.repo.advance(5000);
    bed.fake.repo.update(11, { title: "Edited eleven" });
    bed.fake.repo.advance(1000);
    bed.fake.repo.update(3, { state: "closed" });
    const pages = await listAll(bed.adapter, since);
    expect(ids(pages)).toEqual(["acme/widgets#11", "acme/widgets#3"]);
    expect(bed.fake.log[0]!.query).toContain("since=2026-11-01T12%3A00%3A00Z");
    expect(bed.fake.log[0]!.query).toContain("sort=updated");
  });

  it("answers an unchanged repository with one free 304 and resends a changed one in full", async () => {
    const bed = await served({ total: 50 });
    const since = bed.fake.repo.now().toISOString();
    const first = await listAll(bed.adapter, since);
    expect(first.map((p) => [p.notModified, p.received])).toEqual([[false, 0]]);
    const before = bed.fake.quotas.token.remaining;
    const second = await bed.rebuild().fetchPage({ cursor: null, limit: 100, updatedSince: since });
    expect(second.notModified).toBe(true);
    expect(second.nextCursor).toBeNull();
    expect(bed.fake.quotas.token.remaining).toBe(before);
    expect(bed.fake.log.at(-1)).toMatchObject({ status: 304, conditional: true });
    bed.fake.repo.advance(1000);
    bed.fake.repo.update(8, { title: "Changed" });
    const third = await listAll(bed.adapter, since);
    expect(third[0]!.notModified).toBe(false);
    expect(ids(third)).toEqual(["acme/widgets#8"]);
  });

  it("never sends If-None-Match for a listing that brought records, nor for full listings", async () => {
    const bed = await served({ total: 50 });
    const since = "2026-01-01T00:00:00Z";
    await listAll(bed.adapter, since);
    await listAll(bed.adapter, since);
    await listAll(bed.adapter, null);
    await listAll(bed.adapter, null);
    expect(bed.fake.log.every((r) => !r.conditional && r.status === 200)).toBe(true);
  });
});
