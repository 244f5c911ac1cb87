// Issue 9, item 8: an empty (or truncated) full listing against many stored tasks is judged by counting in SQL,
// never by loading the stored set, so it stays within a small heap.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("memory", () => {
  it("item 8: an empty listing against 200,000 stored tasks stays under a 64 MB heap and deletes nothing", () => {
    const child = spawnSync(
      process.execPath,
      ["--max-old-space-size=64", "--expose-gc", "--import", "tsx", "test/node/fixtures/empty-listing.ts"],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, LOG_LEVEL: "silent" }, timeout: 120_000 },
    );
    expect(child.status, child.stderr).toBe(0);
    const out = JSON.parse(child.stdout.trim().split("\n").at(-1)!) as {
      status: string;
      message: string;
      live: number;
      addedMb: number;
    };
    expect(out.status).toBe("partial");
    expect(out.message).toContain("listed no tasks, which would delete all 200000 active tasks");
    expect(out.live).toBe(200_000);
    // Loading the stored ids alone would take tens of MB; counting takes next to nothing.
    expect(out.addedMb).toBeLessThan(8);
  }, 120_000);
});
