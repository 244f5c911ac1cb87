// Builds the GitHub adapter from validated configuration and the runtime's dependencies (one line for the factory).
import type { Config } from "../../config";
import type { Logger } from "../../logger";
import type { RetryListener, UpstreamAdapter, UpstreamSource, UpstreamStateStore } from "../adapter";
import { createGithubAdapter } from "./adapter";
import type { GithubFetch } from "./http";
import { parseRepo, repoLabel } from "./repo";

export type GithubRuntime = {
  state: UpstreamStateStore;
  fetch?: GithubFetch;
  clock: () => Date;
  sleep: (ms: number) => Promise<void>;
  logger?: Logger;
  random?: () => number;
  maxBodyBytes?: number;
  /** Told before each wait to retry a request (see GithubHttpOptions). */
  onRetry?: RetryListener;
};

export function githubAdapterFromConfig(config: Config, runtime: GithubRuntime): UpstreamAdapter {
  const repo = parseRepo(config.GITHUB_REPO ?? "");
  // parseConfig refuses UPSTREAM=github without a valid repository; this guards callers that skipped it.
  if (!repo) throw new Error("UPSTREAM=github needs GITHUB_REPO=owner/name");
  return createGithubAdapter({
    apiUrl: config.GITHUB_API_URL,
    repo,
    token: config.GITHUB_TOKEN ?? null,
    inProgressLabel: config.GITHUB_IN_PROGRESS_LABEL,
    state: runtime.state,
    fetch: runtime.fetch ?? ((url, init) => fetch(url, init)),
    clock: runtime.clock,
    sleep: runtime.sleep,
    logger: runtime.logger,
    random: runtime.random,
    maxBodyBytes: runtime.maxBodyBytes,
    onRetry: runtime.onRetry,
    maxConfirmations: config.SYNC_MAX_CONFIRMATIONS,
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    maxWaitMs: config.SYNC_MAX_RETRY_WAIT_SECONDS * 1000,
    maxDeferMs: config.SYNC_MAX_DEFER_SECONDS * 1000,
  });
}

/** What the status card names as the source, without building an adapter. */
export function githubSource(config: Config): UpstreamSource {
  const repo = parseRepo(config.GITHUB_REPO ?? "");
  return { kind: "github", label: `GitHub · ${repo ? repoLabel(repo) : "?"}` };
}
