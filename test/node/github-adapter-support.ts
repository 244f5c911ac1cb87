// Helpers of the GitHub adapter tests: the fake GitHub served over real HTTP with an adapter pointed at it, and
// checks of what a listing or a failure carried.
import { expect, onTestFinished } from "vitest";
import { type FetchedPage, UpstreamError } from "../../functions/upstreams/adapter";
import type { GithubAdapterOptions } from "../../functions/upstreams/github/adapter";
import type { FakeGithubOptions } from "../fake-github/app";
import { githubTestbed, TEST_TOKEN, type Testbed } from "../fake-github/harness";
import { serveFakeGithub } from "../fake-github/server";

export async function served(
  fakeOptions: FakeGithubOptions = {},
  overrides: Partial<GithubAdapterOptions> = {},
) {
  // The fake must exist before the server; serve a placeholder testbed, then point the adapter at its URL.
  const probe = githubTestbed(null, fakeOptions, overrides);
  const server = await serveFakeGithub(probe.fake);
  onTestFinished(() => server.close());
  const bed: Testbed = {
    ...probe,
    adapter: probe.rebuild({ apiUrl: server.url, fetch: (u, i) => fetch(u, i) }),
  };
  const rebuild = (more: Partial<GithubAdapterOptions> = {}) =>
    probe.rebuild({ apiUrl: server.url, fetch: (u, i) => fetch(u, i), ...more });
  return { ...bed, rebuild, url: server.url };
}

export const ids = (pages: FetchedPage[]) => pages.flatMap((p) => p.live.map((r) => r.id));
export const failureOf = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof UpstreamError)) throw new Error(`expected an UpstreamError, got ${String(err)}`);
  return err;
};

export function expectNoToken(bed: { logs: string[] }, ...values: unknown[]) {
  for (const line of bed.logs) expect(line).not.toContain(TEST_TOKEN);
  for (const v of values) expect(JSON.stringify(v) ?? "").not.toContain(TEST_TOKEN);
}
