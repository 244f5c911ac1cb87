// One `vitest run` for both pools: Node (libSQL with the real migrations) and Workers (D1 through Miniflare).
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./db/migrations");
  return {
    test: {
      projects: [
        {
          test: {
            name: "node",
            include: ["test/node/**/*.test.ts"],
            environment: "node",
            testTimeout: 30_000,
          },
        },
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                // The entry's own settings under test: small pages and slices so Workflows take several steps;
                // the tests call the worker as http://example.com/…, a host it must be told it serves.
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  LOG_LEVEL: "warn",
                  ALLOWED_HOSTS: "example.com",
                  SYNC_PAGE_SIZE: "50",
                  SYNC_SLICE_PAGES: "2",
                  // In this pool a Workflow instance created from inside SELF.fetch does not advance while
                  // the request waits (under wrangler dev it does: test/e2e/durable.test.ts), so POSTed runs
                  // are driven in-process here and the Workflow is tested by creating instances directly.
                  SYNC_RUNNER: "in-process",
                },
              },
            }),
          ],
          test: {
            name: "workers",
            include: ["test/workers/**/*.test.ts"],
            setupFiles: ["test/workers/apply-migrations.ts"],
            testTimeout: 30_000,
          },
        },
        {
          test: {
            name: "e2e",
            include: ["test/e2e/**/*.test.ts"],
            environment: "node",
            testTimeout: 60_000,
            hookTimeout: 120_000,
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
