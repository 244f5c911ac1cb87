// The GitHub adapter against the fake GitHub over real HTTP: the primary quota and secondary limits, refusals
// (token, repository), and deletion confirmations, with the token kept out of every message and log line.
import { describe, expect, it } from "vitest";
import { type FetchedPage, UpstreamDeferred } from "../../functions/upstreams/adapter";
import { listAll } from "../fake-github/harness";
import { expectNoToken, failureOf, ids, served } from "./github-adapter-support";

describe("GitHub adapter: rate limits", () => {
  it("stops before the quota runs out and defers to the reset; a later run resumes after it", async () => {
    const bed = await served({ total: 500, pullEvery: 0 }, { quotaReserve: 1 });
    bed.fake.setQuota(3, 20 * 60_000);
    const resetAt = new Date(bed.fake.quotas.token.resetSec * 1000).toISOString();
    const pages: FetchedPage[] = [];
    let cursor: string | null = null;
    const err = await failureOf(
      (async () => {
        for (;;) {
          const page = await bed.adapter.fetchPage({ cursor, limit: 100, updatedSince: null });
          pages.push(page);
          cursor = page.nextCursor;
        }
      })(),
    );
    expect(err).toBeInstanceOf(UpstreamDeferred);
    expect((err as UpstreamDeferred).nextAllowedAt).toBe(resetAt);
    expect(pages).toHaveLength(2);
    expect(bed.fake.log.every((r) => r.status === 200)).toBe(true); // never hit the wall
    expect(bed.fake.quotas.token.remaining).toBe(1);
    // A later run, still before the reset, defers without a request; after it, it carries on from the cursor.
    const later = bed.rebuild();
    await expect(later.fetchPage({ cursor, limit: 100, updatedSince: null })).rejects.toBeInstanceOf(
      UpstreamDeferred,
    );
    expect(bed.fake.log).toHaveLength(2);
    bed.fake.repo.advance(21 * 60_000);
    const resumed = await bed.rebuild().fetchPage({ cursor, limit: 100, updatedSince: null });
    const before = new Set(ids(pages));
    expect(resumed.live.length).toBeGreaterThan(0);
    expect(resumed.live.filter((r) => before.has(r.id))).toEqual([]);
  });

  it("waits for the reset within the budget when GitHub says the quota is spent (403, remaining 0)", async () => {
    const bed = await served({ total: 5 }, { maxWaitMs: 10 * 60_000, quotaReserve: 0 });
    bed.fake.setQuota(0, 5 * 60_000);
    const [page] = await listAll(bed.adapter);
    expect(page!.live).toHaveLength(4);
    expect(bed.fake.log.map((r) => r.status)).toEqual([403, 200]);
    expect(bed.sleeps[0]).toBeGreaterThanOrEqual(5 * 60_000 - 1000);
    expect(page!.retried[0]!.kind).toBe("rate_limited");
  });

  it("defers to the reset when the spent quota resets beyond the budget", async () => {
    const bed = await served({ total: 5 }, { maxWaitMs: 30_000, quotaReserve: 0 });
    bed.fake.setQuota(0, 40 * 60_000);
    const err = await failureOf(listAll(bed.adapter));
    expect(err).toBeInstanceOf(UpstreamDeferred);
    expect((err as UpstreamDeferred).nextAllowedAt).toBe(
      new Date(bed.fake.quotas.token.resetSec * 1000 + 1000).toISOString(),
    );
    expect(err.failure.message).toContain("quota is exhausted");
  });

  it("defers no further than maxDeferMs when GitHub dates its reset centuries ahead (the cron skips until then)", async () => {
    const bed = await served({ total: 5 }, { maxWaitMs: 30_000, maxDeferMs: 3_600_000, quotaReserve: 0 });
    const start = bed.fake.repo.now().getTime();
    bed.fake.setQuota(0, 3000 * 365 * 24 * 3_600_000);
    const err = await failureOf(listAll(bed.adapter));
    expect(err).toBeInstanceOf(UpstreamDeferred);
    expect(Date.parse((err as UpstreamDeferred).nextAllowedAt)).toBe(start + 3_600_000);
    // A later run finds the spent quota stored and defers before any request, by no more either.
    const later = await failureOf(listAll(bed.rebuild()));
    expect(Date.parse((later as UpstreamDeferred).nextAllowedAt)).toBe(start + 3_600_000);
    expect(bed.fake.log).toHaveLength(1);
  });

  it("sits out a secondary limit's retry-after within the budget", async () => {
    const bed = await served({ total: 5 }, { maxWaitMs: 60_000 });
    bed.fake.secondary = { times: 1, status: 403, retryAfterSec: 45 };
    const [page] = await listAll(bed.adapter);
    expect(page!.live).toHaveLength(4);
    expect(bed.sleeps).toEqual([45_000]);
  });

  it("defers a secondary limit whose retry-after exceeds the budget, never ending silently", async () => {
    const bed = await served({ total: 5 }, { maxWaitMs: 30_000 });
    bed.fake.secondary = { times: 1, status: 429, retryAfterSec: 120 };
    const start = bed.fake.repo.now().getTime();
    const err = await failureOf(listAll(bed.adapter));
    expect(err).toBeInstanceOf(UpstreamDeferred);
    expect(Date.parse((err as UpstreamDeferred).nextAllowedAt)).toBe(start + 120_000);
    expect(err.failure.message).toContain("secondary rate limit");
  });

  it("waits at least a minute, then exponentially longer, for a secondary limit without retry-after", async () => {
    const bed = await served({ total: 5 }, { maxWaitMs: 5 * 60_000 });
    bed.fake.secondary = { times: 2, status: 403, retryAfterSec: null };
    const [page] = await listAll(bed.adapter);
    expect(page!.live).toHaveLength(4);
    expect(bed.sleeps).toEqual([60_000, 120_000]);
  });

  it("defers a secondary limit without retry-after when a minute is beyond the budget", async () => {
    const bed = await served({ total: 5 }, { maxWaitMs: 30_000 });
    bed.fake.secondary = { times: 1, status: 403, retryAfterSec: null };
    const err = await failureOf(listAll(bed.adapter));
    expect(err).toBeInstanceOf(UpstreamDeferred);
    expect(bed.sleeps).toEqual([]);
  });
});

describe("GitHub adapter: refusals", () => {
  it("fails for good with 'GitHub refused the token' on a 401, never showing the token", async () => {
    const bed = await served({ total: 5, token: "ghp_theRightOne" });
    const err = await failureOf(listAll(bed.adapter));
    expect(err.failure).toMatchObject({ kind: "auth", httpStatus: 401, retryable: false });
    expect(err.failure.message).toBe("GitHub refused the token: Bad credentials");
    expectNoToken(bed, err.failure, err.message, err.retried);
  });

  it("fails for good with 'repository not found or not visible to this token' on a 404", async () => {
    const bed = await served({ total: 5, public: false });
    const other = bed.rebuild({ repo: { owner: "acme", name: "secret" } });
    const err = await failureOf(listAll(other));
    expect(err.failure.kind).toBe("not_found");
    expect(err.failure.message).toContain("repository not found or not visible to this token");
    const anonymous = await failureOf(listAll(bed.rebuild({ token: null })));
    expect(anonymous.failure.kind).toBe("not_found");
  });

  it("lists a public repository without a token at the anonymous limit", async () => {
    const bed = await served({ total: 5, public: true });
    const [page] = await listAll(bed.rebuild({ token: null }));
    expect(page!.quota).toMatchObject({ limit: 60, remaining: 59 });
  });

  it("keeps the token out of every log line, message, page and persisted state", async () => {
    const bed = await served({ total: 230 }, { maxWaitMs: 5 * 60_000 });
    bed.fake.secondary = { times: 1, status: 403, retryAfterSec: null };
    bed.fake.serverErrors = 1;
    const pages = await listAll(bed.adapter);
    const confirmation = await bed.adapter.confirmDeleted!(["acme/widgets#1"]);
    expect(bed.logs.length).toBeGreaterThan(0);
    expectNoToken(bed, pages, confirmation, [...bed.state.data.values()]);
  });
});

describe("GitHub adapter: confirming deletions", () => {
  it("confirms deleted (410), transferred (301) and unknown (404) issues, keeps present ones, counts requests", async () => {
    const bed = await served({ total: 20, pullEvery: 0 });
    bed.fake.repo.delete(2);
    bed.fake.repo.transfer(3, 777);
    const result = await bed.adapter.confirmDeleted!([
      "acme/widgets#1",
      "acme/widgets#2",
      "acme/widgets#3",
      "acme/widgets#999",
      "other/repo#1",
      "simulator-task-7",
    ]);
    expect(result.deleted).toEqual([
      "acme/widgets#2",
      "acme/widgets#3",
      "acme/widgets#999",
      "other/repo#1",
      "simulator-task-7",
    ]);
    // One more: at the first "gone", the repository itself is asked whether it is still there under this name.
    expect(result.requests).toBe(5);
    expect(bed.fake.log.map((r) => [r.path, r.status])).toEqual([
      ["/repos/acme/widgets/issues/1", 200],
      ["/repos/acme/widgets/issues/2", 410],
      ["/repos/acme/widgets", 200],
      ["/repos/acme/widgets/issues/3", 301],
      ["/repos/acme/widgets/issues/999", 404],
    ]);
  });

  it("confirms at most maxConfirmations ids per call", async () => {
    const bed = await served({ total: 20, pullEvery: 0 }, { maxConfirmations: 3 });
    for (const n of [1, 2, 3, 4, 5]) bed.fake.repo.delete(n);
    const result = await bed.adapter.confirmDeleted!([1, 2, 3, 4, 5].map((n) => `acme/widgets#${n}`));
    expect(result.deleted).toHaveLength(3);
    expect(result.requests).toBe(4); // and the repository, once
  });

  it("a quota spent part-way defers with the answers already given, and the requests they took", async () => {
    const bed = await served({ total: 20, pullEvery: 0 }, { quotaReserve: 1 });
    bed.fake.repo.delete(2);
    bed.fake.setQuota(4, 20 * 60_000);
    const err = await failureOf(bed.adapter.confirmDeleted!([1, 2, 3, 4].map((n) => `acme/widgets#${n}`)));
    expect(err).toBeInstanceOf(UpstreamDeferred);
    expect((err as UpstreamDeferred).partial).toEqual({
      answered: ["acme/widgets#1", "acme/widgets#2"],
      deleted: ["acme/widgets#2"],
      requests: 3,
    });
    expect(bed.fake.log.map((r) => r.status)).toEqual([200, 410, 200]);
  });

  it("takes no answer for deleted while the repository itself moved (renamed) or went out of sight", async () => {
    // A renamed repository answers 301 on every old URL, its issues' too, and one deleted or made private answers
    // 404: neither says an issue left. Both can happen after the listing, e.g. before a deferred run resumes its
    // confirmations (up to a quota window later).
    const renamed = await served({ total: 20, pullEvery: 0 });
    renamed.fake.renamed = true;
    const moved = await failureOf(renamed.adapter.confirmDeleted!(["acme/widgets#1", "acme/widgets#2"]));
    expect(moved.failure.kind).toBe("redirect");
    expect(moved.failure.message).toContain("GITHUB_REPO");

    const hidden = await served({ total: 20, pullEvery: 0 });
    hidden.fake.hidden = true;
    const lost = await failureOf(hidden.adapter.confirmDeleted!(["acme/widgets#1", "acme/widgets#2"]));
    expect(lost.failure.kind).toBe("not_found");
  });

  it("repeats a temporarily redirected (307) request at its Location, and does not take the redirect for gone", async () => {
    const bed = await served({ total: 20, pullEvery: 0 });
    bed.fake.repo.delete(2);
    bed.fake.redirectedTemporarily.add(1).add(2);
    const result = await bed.adapter.confirmDeleted!(["acme/widgets#1", "acme/widgets#2"]);
    expect(result.deleted).toEqual(["acme/widgets#2"]);
    expect(bed.fake.log.map((r) => [r.path, r.status])).toEqual([
      ["/repos/acme/widgets/issues/1", 307],
      ["/repositories/4242/issues/1", 200],
      ["/repos/acme/widgets/issues/2", 307],
      ["/repositories/4242/issues/2", 410],
      ["/repos/acme/widgets", 200],
    ]);
    expect(result.requests).toBe(5);
  });

  it("does not take an issue that is still there for deleted", async () => {
    const bed = await served({ total: 20, pullEvery: 0 });
    bed.fake.repo.delete(5);
    const result = await bed.adapter.confirmDeleted!(["acme/widgets#11", "acme/widgets#5"]);
    expect(result.deleted).toEqual(["acme/widgets#5"]);
  });
});
