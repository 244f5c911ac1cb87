// The GitHub sync suite on D1 in the Workers runtime; the fake GitHub is reached in-process (its Hono app's
// fetch), as Workers tests cannot open a listening socket. Node runs the same suite over real HTTP.
import { env } from "cloudflare:test";
import { describe } from "vitest";
import { createD1Db } from "../../db/d1";
import { githubSyncSuite } from "../shared/github-sync.suite";
import { buildHarness, type HarnessOptions, resetDb } from "../shared/harness";

async function d1Harness(options?: HarnessOptions) {
  const db = createD1Db(env.DB);
  await resetDb(db);
  return buildHarness(db, "d1", options);
}

describe("GitHub sync on D1 in the Workers runtime", () => {
  githubSyncSuite(
    d1Harness,
    async (fake) => ({
      url: "http://fake-github.test",
      fetch: fake.fetch,
      close: async () => {},
    }),
    10,
  );
});
