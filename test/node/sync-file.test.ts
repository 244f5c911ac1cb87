// The sync suites again over a libSQL file, as the service runs: commits go through the write thread (its own
// connection) while the engine reads and plans the next pages on the main one, so every guarantee the suites
// check also holds with the write behind the listing.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe } from "vitest";
import { createLibsqlDb } from "../../db/libsql";
import { commitsSuite } from "../shared/commits.suite";
import { buildHarness, type HarnessOptions } from "../shared/harness";
import { hostileUpstreamSuite } from "../shared/hostile-upstream.suite";
import { syncPropertySuite } from "../shared/sync-property.suite";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function createFileApp(options: HarnessOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), "tasksync-file-sync-"));
  const { db, close } = await createLibsqlDb(`file:${join(dir, "sync.db")}`);
  cleanups.push(() => {
    close();
    rmSync(dir, { recursive: true, force: true });
  });
  return buildHarness(db, "libsql", options);
}

describe("sync on a libSQL file with its write thread", () => {
  hostileUpstreamSuite(createFileApp);
  commitsSuite(createFileApp);
  syncPropertySuite(createFileApp, 15);
});
