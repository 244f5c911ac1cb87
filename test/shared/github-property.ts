// A property test of the GitHub sync (registered by github-sync.suite.ts, so it runs on libSQL over real HTTP and
// on D1): random histories of a repository whose issues are created, edited, closed, labelled (one by one, or
// more than a page of them in one second), deleted and transferred, between runs and between the pages of a
// running listing, with full and incremental syncs and GitHub's clock moving by seconds to minutes, served in
// GitHub's pages or in smaller ones than asked; some runs run out of quota, end deferred and are retried after
// the reset from their cursor. Changes mid-listing often pick among the latest updated issues, where a bulk
// edit's second sits. After every run the run invariants hold, and after every full sync each issue nothing
// changed while it ran is mirrored as GitHub has it; once GitHub stops changing and its clock is past the
// watermark's overlap, two incremental syncs give every issue's title and status, and a full sync leaves exactly
// GitHub's issues live.
import fc from "fast-check";
import { expect, it } from "vitest";
import type { Db } from "../../db/client";
import { compareBy } from "../fake-github/app";
import type { FakeIssue, FakeRepository } from "../fake-github/dataset";
import { issueKey } from "../fake-github/harness";
import type { OpenSetup } from "./github-sync.suite";
import { expectRunInvariants, liveRows, sync } from "./sync-checks";

const IN_PROGRESS = "In Progress";

const change = fc.oneof(
  fc.record({ kind: fc.constant("create" as const), label: fc.boolean() }),
  fc.record({
    kind: fc.constant("edit" as const),
    pick: fc.nat(),
    recent: fc.boolean(),
    title: fc.option(
      fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 12 }).filter((t) => t.trim() !== ""),
    ),
    state: fc.option(fc.constantFrom("open" as const, "closed" as const)),
    label: fc.option(fc.boolean()),
  }),
  fc.record({
    kind: fc.constantFrom("delete" as const, "transfer" as const),
    pick: fc.nat(),
    recent: fc.boolean(),
  }),
  // A bulk edit (many issues closed, reopened or labelled at once): more than a page updated in one second.
  fc.record({
    kind: fc.constant("bulk" as const),
    pick: fc.nat(),
    count: fc.integer({ min: 9, max: 30 }),
    edit: fc.constantFrom<Pick<FakeIssue, "state"> | Pick<FakeIssue, "labels">>(
      { state: "closed" },
      { state: "open" },
      { labels: [IN_PROGRESS] },
      { labels: [] },
    ),
  }),
  // GitHub's clock: within the same second, a few seconds on, or past the watermark's overlap.
  fc.record({ kind: fc.constant("tick" as const), ms: fc.constantFrom(0, 400, 1_000, 7_000, 20 * 60_000) }),
);
type Change = typeof change extends fc.Arbitrary<infer T> ? T : never;

const step = fc.oneof(
  { weight: 3, arbitrary: change.map((c) => ({ kind: "change" as const, change: c })) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("sync" as const),
      mode: fc.constantFrom("full" as const, "incremental" as const),
      // Changes made after this many pages of the run's listing are served: anywhere in a full listing of 60
      // issues by 8 (or 5), and so also while the walk is inside a bulk edit's second, near its end.
      midListing: fc.array(fc.tuple(fc.integer({ min: 1, max: 14 }), change), { minLength: 1, maxLength: 3 }),
      // Requests left in GitHub's quota window (the token's other users spent the rest; the window's reset stays
      // where it was): the run stops short of it, ends deferred, and its retries after the reset go on from its
      // cursor while the changes go on too.
      quota: fc.option(fc.integer({ min: 6, max: 12 }), { freq: 3 }),
    }),
  },
);

/** What a task of this issue should say: GitHub's title, and closed → done, the label → in_progress, else todo. */
function expected(issue: FakeIssue) {
  const status =
    issue.state === "closed"
      ? "done"
      : issue.labels.some((l) => l.toLowerCase() === IN_PROGRESS.toLowerCase())
        ? "in_progress"
        : "todo";
  return { title: issue.title.trim(), status };
}

/** How many of the latest updated issues a `recent` change picks from: where a bulk edit's second sits. */
const RECENT = 12;

function apply(repo: FakeRepository, c: Change): void {
  const live = repo.visible();
  // `recent`: one of the issues a listing serves last, often inside a second of more than a page.
  const pool = "recent" in c && c.recent ? [...live].sort(compareBy("updated", "asc")).slice(-RECENT) : live;
  const target = "pick" in c && pool.length > 0 ? pool[c.pick % pool.length]! : undefined;
  switch (c.kind) {
    case "create":
      repo.create({ title: `New ${repo.visible().length}`, labels: c.label ? [IN_PROGRESS] : [] });
      return;
    case "edit":
      if (!target) return;
      repo.update(target.number, {
        ...(c.title !== null ? { title: c.title } : {}),
        ...(c.state !== null ? { state: c.state } : {}),
        ...(c.label !== null ? { labels: c.label ? [IN_PROGRESS, "bug"] : ["bug"] } : {}),
      });
      return;
    case "delete":
      if (target) repo.delete(target.number);
      return;
    case "transfer":
      if (target) repo.transfer(target.number, 31337);
      return;
    case "bulk":
      for (const issue of [...live, ...live].slice(c.pick % Math.max(1, live.length)).slice(0, c.count))
        repo.update(issue.number, c.edit);
      return;
    case "tick":
      repo.advance(c.ms);
  }
}

/** Each visible issue as it stands: what a task should say of it, and its update time. */
const versions = (repo: FakeRepository) =>
  new Map(repo.visibleIssues().map((i) => [i.number, JSON.stringify([i.updated_at, expected(i)])]));

/**
 * After a full sync: every issue that nothing changed while it ran (not between its pages, nor between its
 * retries) is mirrored as GitHub has it. A walk that skipped one (a page boundary it slipped back over) fails here,
 * in the run that skipped it, before a later run's overlap could hide it.
 */
async function expectUntouchedMirrored(db: Db, repo: FakeRepository, before: Map<number, string>) {
  const now = versions(repo);
  const untouched = repo.visibleIssues().filter((i) => before.get(i.number) === now.get(i.number));
  await expectMirrored(db, untouched, ", untouched");
}

/** Each of `issues` has a live task that says what GitHub says of it (`note` follows its number on a failure). */
async function expectMirrored(db: Db, issues: FakeIssue[], note = "") {
  const rows = new Map((await liveRows(db)).map((r) => [r.external_id, r]));
  for (const issue of issues) {
    const row = rows.get(issueKey(issue.number));
    expect(row && { title: row.title, status: row.status }, `#${issue.number}${note}`).toEqual(
      expected(issue),
    );
  }
}

export function githubPropertyTest(open: OpenSetup, numRuns: number) {
  it("property: GitHub changing between runs and mid-listing, full and incremental syncs converge on its issues", async () => {
    await fc.assert(
      // The server's page size: GitHub's, or one that serves fewer than asked (5 of 8), as a proxy might.
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 10 }),
        fc.constantFrom(100, 5),
        async (steps, maxPerPage) => {
          const { h, fake, close } = await open(
            // Quota windows of 10 minutes: a deferred run's retry steps GitHub's clock by minutes, not an hour.
            { total: 60, pullEvery: 7, maxPerPage, quotaWindowMs: 10 * 60_000 },
            // Pages of 8 issues: a listing of 60 numbers spans several pages, so changes land between them.
            { SYNC_PAGE_SIZE: "8", SYNC_MAX_DELETE_SHARE: "1", SYNC_MAX_CONFIRMATIONS: "1000" },
          );
          try {
            // `relisted`: an issue edited after the walk served it is served again, newer, in the same listing.
            const run = async (mode: "full" | "incremental", relisted = false) => {
              const before = versions(fake.repo);
              let { status, run } = await sync(h, { mode });
              for (let retries = 0; run.status === "deferred" && retries < 10; retries++) {
                expect(run.next_allowed_at).toEqual(expect.any(String));
                await expectRunInvariants(h.db, run, { relisted: true });
                fake.repo.advance(Date.parse(run.next_allowed_at!) - fake.repo.nowMs + 1_000);
                const res = await h.app.request(`/api/sync/runs/${run.id}/retry`, { method: "POST" });
                // A retry that defers again answers 502 with the run inside the error.
                const body = (await res.json()) as typeof run & { run?: typeof run };
                [status, run] = [res.status, body.run ?? body];
                relisted = true;
              }
              expect([200, 202], JSON.stringify(run)).toContain(status);
              expect(run.status, run.message ?? "").toBe("success");
              await expectRunInvariants(h.db, run, { relisted });
              if (mode === "full") await expectUntouchedMirrored(h.db, fake.repo, before);
            };
            for (const s of steps) {
              if (s.kind === "change") {
                apply(fake.repo, s.change);
                continue;
              }
              const pending = [...s.midListing];
              fake.afterListingPage = (page) => {
                for (const [after, c] of pending) if (after === page) apply(fake.repo, c);
              };
              if (s.quota !== null) fake.spendQuota(s.quota);
              await run(s.mode, pending.length > 0);
              fake.afterListingPage = null;
              // Our clock reads GitHub's: a run takes at least a second of it, as a real one would.
              fake.repo.advance(1_000);
            }
            // Past the watermark's overlap: what the runs above missed is not listed again by the next one.
            fake.repo.advance(3 * 60_000);
            await run("incremental");
            await run("incremental");
            const issues = fake.repo.visibleIssues();
            await expectMirrored(h.db, issues);
            await run("full");
            const live = (await liveRows(h.db)).map((r) => r.external_id).sort();
            expect(live).toEqual(issues.map((i) => issueKey(i.number)).sort());
          } finally {
            fake.afterListingPage = null;
            await close();
          }
        },
      ),
      { numRuns, seed: 20261207 },
    );
  }, 300_000);
}
