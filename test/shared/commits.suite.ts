// Commits that gather pages, and the page read ahead while another is written: what they must not change.
// Run on libSQL (test/node) and D1 (test/workers).
import { describe, expect, it } from "vitest";
import { httpUpstream, type MakeHarness } from "./harness";
import { rec, scripted } from "./scripted-upstream";
import { expectMirrors, expectRunInvariants, sync, taskRows } from "./sync-checks";

export function commitsSuite(make: MakeHarness) {
  describe("commits of several pages, and read-ahead", () => {
    it("a commit holds whole pages up to SYNC_COMMIT_RECORDS; a crash after one keeps exactly its pages", async () => {
      const committedAt: number[] = [];
      const h = await make({
        sim: { total: 250 },
        // Page by page, a group is committed only when full (writing behind, also when the database is idle).
        env: { SYNC_PAGE_SIZE: "50", SYNC_COMMIT_RECORDS: "100", SYNC_READ_AHEAD: "false" },
        afterPage: (_run, pages) => {
          committedAt.push(pages);
          if (pages === 4) throw new Error("injected crash after the second commit");
        },
      });
      const { run } = await sync(h);
      expect(committedAt).toEqual([2, 4]);
      expect(run).toMatchObject({ status: "partial", pages: 4, counts: { created: 200 } });
      expect(await taskRows(h.db)).toHaveLength(200);
      await expectRunInvariants(h.db, run);

      // The retry resumes the listing at the checkpoint: the one page left.
      const retried = await h.app.request(`/api/sync/runs/${run.id}/retry`, { method: "POST" });
      expect(await retried.json()).toMatchObject({ status: "success", pages: 1, counts: { created: 50 } });
      await expectMirrors(h.db, h.simulator);
    });

    it("writing behind, a group is committed as soon as the database is idle, never past SYNC_COMMIT_RECORDS", async () => {
      const committedAt: number[] = [];
      let crashedAt = 0;
      const h = await make({
        sim: { total: 500 },
        env: { SYNC_PAGE_SIZE: "50", SYNC_COMMIT_RECORDS: "100" },
        afterPage: (_run, pages) => {
          committedAt.push(pages);
          if (pages >= 5 && crashedAt === 0) {
            crashedAt = pages;
            throw new Error("injected crash after a commit");
          }
        },
      });
      const { run } = await sync(h);
      // Nothing was being written when the first page was planned: it went alone, so writing starts at once.
      expect(committedAt[0]).toBe(1);
      const sizes = committedAt.map((n, i) => n - (committedAt[i - 1] ?? 0));
      for (const size of sizes) expect([1, 2], JSON.stringify(committedAt)).toContain(size);
      expect(run).toMatchObject({ status: "partial", pages: crashedAt, counts: { created: crashedAt * 50 } });
      expect(await taskRows(h.db)).toHaveLength(crashedAt * 50);
      await expectRunInvariants(h.db, run);
      const retried = await h.app.request(`/api/sync/runs/${run.id}/retry`, { method: "POST" });
      expect(await retried.json()).toMatchObject({ status: "success", pages: 10 - crashedAt });
      await expectMirrors(h.db, h.simulator);
    });

    it("a page naming a task of a page not yet committed sees that page's write (an update, a tombstone)", async () => {
      const { upstream } = scripted([
        [rec("a"), rec("b")],
        [{ ...rec("a", "2026-01-02T00:00:00.000Z"), title: "Task a, renamed" }, rec("c")],
        [{ ...rec("b", "2026-01-03T00:00:00.000Z"), deleted: true }, rec("d")],
      ]);
      const h = await make({ upstream, env: { SYNC_MAX_DELETE_SHARE: "1" } });
      const { run } = await sync(h);
      // One created per task, whatever the commits: page 2 saw "a" stored, page 3 saw "b" stored and live.
      expect(run).toMatchObject({
        status: "success",
        pages: 3,
        counts: { fetched: 5, created: 4, updated: 1, deleted: 1 },
      });
      const rows = await taskRows(h.db);
      expect(rows.find((r) => r.external_id === "a")?.title).toBe("Task a, renamed");
      expect(rows.find((r) => r.external_id === "b")?.deleted_at).not.toBeNull();
    });

    it("a slice never requests a page it will not read (no read-ahead past its budget)", async () => {
      const h = await make({ sim: { total: 120 }, env: { SYNC_PAGE_SIZE: "20", SYNC_SLICE_PAGES: "2" } });
      const { run } = await sync(h);
      expect(run).toMatchObject({ status: "success", pages: 6 });
      expect(h.simulator.stats.requests).toBe(6);
    });

    it("a page read ahead that fails ends the run like any failed page: the pages before it are committed", async () => {
      const pages = [[rec("a")], [rec("b")], [rec("c")], [rec("d")]];
      const { fetch: serve } = scripted(pages);
      const cursors: (string | null)[] = [];
      // Page 3 (cursor c2) answers 500 however often it is retried.
      const upstream = httpUpstream("http://upstream.test", async (url) => {
        const cursor = new URL(url).searchParams.get("cursor");
        cursors.push(cursor);
        if (cursor === "c2") return new Response("gone", { status: 500 });
        return serve(url);
      });
      const h = await make({ upstream });
      const { run } = await sync(h);
      expect(run).toMatchObject({ status: "partial", pages: 2, counts: { created: 2 } });
      expect(cursors).not.toContain("c3");
      expect((await taskRows(h.db)).map((r) => r.external_id).sort()).toEqual(["a", "b"]);
      await expectRunInvariants(h.db, run);
    });
  });
}
