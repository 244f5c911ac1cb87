// The Workers pool for the benchmark's D1 call count only (not part of `npm test`, whose projects do not include
// test/bench): the service's wrangler.toml, local D1 with the real migrations.
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("../..", import.meta.url));

export default defineConfig(async () => ({
  root,
  plugins: [
    cloudflareTest({
      wrangler: { configPath: `${root}/wrangler.toml` },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(`${root}/db/migrations`),
          LOG_LEVEL: "warn",
          SYNC_RUNNER: "in-process",
        },
      },
    }),
  ],
  test: {
    name: "bench-d1",
    include: ["test/bench/workers/*.ts"],
    setupFiles: ["test/workers/apply-migrations.ts"],
  },
}));
