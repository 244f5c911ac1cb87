// D1 calls per upstream page, measured: test/bench/workers/d1-calls.ts runs a 50,000-task full sync (500-task
// pages) in the Workers pool (vitest, local D1), every call counted at the binding, and prints its figures.
import { spawnSync } from "node:child_process";
import { WRANGLER_ENV } from "../e2e/server";

export async function benchD1Calls(): Promise<Record<string, number>> {
  const child = spawnSync("npx", ["vitest", "run", "--config", "test/bench/d1-calls.vitest.ts"], {
    encoding: "utf8",
    env: { ...process.env, ...WRANGLER_ENV, NO_COLOR: "1" },
    maxBuffer: 16 << 20,
  });
  const found = /bench-result (\{.*\})/.exec(`${child.stdout}\n${child.stderr}`);
  if (child.status !== 0 || !found)
    throw new Error(`D1 call count failed (${child.status}):\n${child.stdout}${child.stderr}`.slice(-4000));
  return JSON.parse(found[1]!) as Record<string, number>;
}
