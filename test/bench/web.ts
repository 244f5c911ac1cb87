// Bench part "web": the dashboard's gzip size (JS and CSS of dist/web, which run.ts builds first).
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ASSETS = join(ROOT, "dist/web/assets");

function gzipKb(ext: string): number {
  const bytes = readdirSync(ASSETS)
    .filter((name) => name.endsWith(ext))
    .reduce((sum, name) => sum + gzipSync(readFileSync(join(ASSETS, name)), { level: 9 }).length, 0);
  return Math.round((bytes / 1024) * 100) / 100;
}

/** Builds dist/web from the current sources (a fresh clone has none; a stale one would mislead the size). */
export function buildWeb() {
  const build = spawnSync("npx", ["vite", "build", "--config", "web/vite.config.ts", "--logLevel", "warn"], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (build.status !== 0) throw new Error(`web build failed with status ${build.status}`);
}

export async function benchWeb(): Promise<Record<string, number>> {
  return { "web.js_gzip_kb": gzipKb(".js"), "web.css_gzip_kb": gzipKb(".css") };
}
