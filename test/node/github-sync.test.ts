// The GitHub sync suite on libSQL, the fake GitHub served over real HTTP on a local port.
import { describe } from "vitest";
import { serveFakeGithub } from "../fake-github/server";
import { githubSyncSuite } from "../shared/github-sync.suite";
import { createTestApp } from "./support";

describe("GitHub sync on libSQL", () => {
  githubSyncSuite(
    createTestApp,
    async (fake) => {
      const served = await serveFakeGithub(fake);
      return { ...served, fetch: (url, init) => fetch(url, init) };
    },
    25,
  );
});
