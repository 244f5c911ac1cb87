// Writing behind on a libSQL file: pages planned while a batch is written start as soon as it is answered, not
// when upstream's next page arrives (upstream is the slower side only sometimes; the database must not idle).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type Client, createClient } from "@libsql/client";
import { afterEach, describe, expect, it } from "vitest";
import { createLibsqlDb } from "../../db/libsql";
import { buildHarness, httpUpstream } from "../shared/harness";
import { rec, scripted } from "../shared/scripted-upstream";
import { expectRunInvariants, sync, taskRows } from "../shared/sync-checks";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function until(test: () => Promise<boolean>, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(5)) if (await test()) return true;
  return false;
}

describe("writing behind on a libSQL file", () => {
  it("pages planned during a write are written while upstream still answers the next page", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tasksync-write-behind-"));
    const file = join(dir, "sync.db");
    const { db, close } = await createLibsqlDb(`file:${file}`);
    // Another process's connection: it holds the write lock while page 1 is written, and watches the rows.
    const other: Client = createClient({ url: `file:${file}`, concurrency: 1 });
    cleanups.push(() => {
      other.close();
      close();
      rmSync(dir, { recursive: true, force: true });
    });
    const pages = [[rec("a")], [rec("b")], [rec("c")]];
    const { fetch: serve } = scripted(pages);
    let lock: Awaited<ReturnType<Client["transaction"]>> | null = null;
    let secondWrittenBeforeThird: boolean | null = null;
    const fetch = async (url: string) => {
      const cursor = new URL(url).searchParams.get("cursor");
      // Page 1's write waits behind the lock, so page 2 is planned while it is in flight.
      if (cursor === null) lock = await other.transaction("write");
      if (cursor === "c2") {
        await lock?.rollback();
        // Page 3 is held until page 2 is written (or long past when it would have been).
        secondWrittenBeforeThird = await until(async () => {
          const rows = await other.execute("select 1 from tasks where external_id = 'b'");
          return rows.rows.length === 1;
        }, 3000);
      }
      return serve(url);
    };
    const h = buildHarness(db, "libsql", { upstream: httpUpstream("http://upstream.test", fetch) });
    const { run } = await sync(h);
    expect(run).toMatchObject({ status: "success", pages: 3, counts: { created: 3 } });
    expect(secondWrittenBeforeThird).toBe(true);
    expect((await taskRows(h.db)).map((r) => r.external_id)).toEqual(["a", "b", "c"]);
    await expectRunInvariants(h.db, run);
  });
});
