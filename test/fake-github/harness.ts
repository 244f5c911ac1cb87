// Builds a GitHub adapter wired to a fake GitHub (over real HTTP on Node, in-process on Workers), with GitHub's
// clock as ours, sleeps that move that clock, and every log line kept for the "token never leaks" checks.
import { createLogger } from "../../functions/logger";
import type { FetchedPage, UpstreamAdapter, UpstreamStateStore } from "../../functions/upstreams/adapter";
import { createGithubAdapter, type GithubAdapterOptions } from "../../functions/upstreams/github/adapter";
import { parseRepo } from "../../functions/upstreams/github/repo";
import { FakeGithub, type FakeGithubOptions } from "./app";

export const TEST_TOKEN = "ghp_TESTtoken0123456789abcdefSECRET";

/** The task key of the fake's issue `n` (its default repository, acme/widgets). */
export const issueKey = (n: number) => `acme/widgets#${n}`;

export function memoryStateStore(): UpstreamStateStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    get: async (key) => data.get(key) ?? null,
    set: async (key, value) => {
      data.set(key, value);
    },
  };
}

export type Testbed = {
  fake: FakeGithub;
  adapter: UpstreamAdapter;
  state: ReturnType<typeof memoryStateStore>;
  sleeps: number[];
  logs: string[];
  /** A new adapter over the same fake and state (a later run). */
  rebuild: (overrides?: Partial<GithubAdapterOptions>) => UpstreamAdapter;
};

export function githubTestbed(
  baseUrl: string | null,
  fakeOptions: FakeGithubOptions = {},
  overrides: Partial<GithubAdapterOptions> = {},
): Testbed {
  const fake = new FakeGithub({ token: TEST_TOKEN, ...fakeOptions });
  const state = memoryStateStore();
  const sleeps: number[] = [];
  const logs: string[] = [];
  const logger = createLogger("debug", (line) => logs.push(line));
  const build = (more: Partial<GithubAdapterOptions> = {}) =>
    createGithubAdapter({
      apiUrl: baseUrl ?? "http://fake-github.test",
      repo: parseRepo(`${fake.owner}/${fake.name}`)!,
      token: TEST_TOKEN,
      inProgressLabel: "in progress",
      state,
      // Real HTTP when the fake is served; an in-process call otherwise.
      fetch: baseUrl ? (url, init) => fetch(url, init) : fake.fetch,
      clock: () => fake.repo.now(),
      sleep: async (ms) => {
        sleeps.push(ms);
        fake.repo.advance(ms);
      },
      random: () => 0.5,
      logger,
      ...overrides,
      ...more,
    });
  return { fake, adapter: build(), state, sleeps, logs, rebuild: build };
}

/** Follows a listing to its end, as the engine does, and returns every page. */
export async function listAll(
  adapter: UpstreamAdapter,
  updatedSince: string | null = null,
  limit = 500,
): Promise<FetchedPage[]> {
  const pages: FetchedPage[] = [];
  let cursor: string | null = null;
  do {
    const page = await adapter.fetchPage({ cursor, limit, updatedSince });
    pages.push(page);
    cursor = page.nextCursor;
    if (pages.length > 1000) throw new Error("listing does not end");
  } while (cursor !== null);
  return pages;
}
