// Chooses the upstream adapter from config: GitHub Issues, a real URL speaking the HTTP contract, or the simulator.
import { type Config, upstreamKind } from "../config";
import type { Logger } from "../logger";
import { Simulator } from "../simulator/dataset";
import type { AttemptFailure, RetryListener, UpstreamAdapter, UpstreamStateStore } from "./adapter";
import { githubAdapterFromConfig } from "./github/from-config";
import { httpContractAdapter } from "./http-contract";
import type { RetryPolicy } from "./retry";
import { DEFAULT_RETRY } from "./retry";
import { simulatorAdapter } from "./simulator";

/** What an adapter is built with, per run: the clock and sleep of the app (fakes in tests). */
export type UpstreamContext = {
  clock: () => Date;
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
  random?: () => number;
  /** The adapter's persistent state in this run's database (GitHub: ETag, last quota). */
  state?: UpstreamStateStore;
  /** Told before each retry wait, besides the log line: the running run shows it as its retry in progress. */
  onRetry?: RetryListener;
};

export type UpstreamFactory = (ctx: UpstreamContext) => UpstreamAdapter;

export function simulatorFromConfig(config: Config, clock?: () => Date): Simulator {
  return new Simulator(
    {
      seed: config.SIM_SEED,
      total: config.SIM_TOTAL,
      failure_rate: config.SIM_FAILURE_RATE,
      rate_limit_rate: config.SIM_RATE_LIMIT_RATE,
      invalid_rate: config.SIM_INVALID_RATE,
      duplicate_rate: config.SIM_DUPLICATE_RATE,
      latency_ms: config.SIM_LATENCY_MS,
      id_style: config.SIM_ID_STYLE,
      clock_skew_ms: config.SIM_CLOCK_SKEW_MS,
      future_rate: config.SIM_FUTURE_RATE,
      cursor_fault: config.SIM_CURSOR_FAULT,
      pagination: config.SIM_PAGINATION,
      churn: {
        updates: config.SIM_CHURN_UPDATES,
        creates: config.SIM_CHURN_CREATES,
        deletes: config.SIM_CHURN_DELETES,
      },
    },
    { clock },
  );
}

export function retryPolicy(config: Config): RetryPolicy {
  return {
    ...DEFAULT_RETRY,
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    maxRetryWaitMs: config.SYNC_MAX_RETRY_WAIT_SECONDS * 1000,
    maxDeferMs: config.SYNC_MAX_DEFER_SECONDS * 1000,
  };
}

/** The adapter factory for this config; `simulator` is required when no UPSTREAM_URL is set. */
export function upstreamFromConfig(config: Config, simulator: Simulator | undefined): UpstreamFactory {
  const policy = retryPolicy(config);
  return (ctx) => {
    const retry = {
      policy,
      clock: ctx.clock,
      sleep: ctx.sleep,
      random: ctx.random,
      onRetry: (failure: AttemptFailure, waitMs: number, attempt: number) => {
        ctx.logger.warn("upstream request retried", {
          kind: failure.kind,
          http_status: failure.httpStatus,
          attempt,
          wait_ms: waitMs,
          message: failure.message,
        });
        ctx.onRetry?.(failure, waitMs, attempt);
      },
    };
    if (upstreamKind(config) === "github") {
      if (!ctx.state) throw new Error("UPSTREAM=github needs a state store for its ETags and quota");
      const github = {
        state: ctx.state,
        clock: ctx.clock,
        sleep: ctx.sleep,
        logger: ctx.logger,
        onRetry: ctx.onRetry,
      };
      return githubAdapterFromConfig(config, {
        ...github,
        random: ctx.random,
        maxBodyBytes: config.UPSTREAM_MAX_PAGE_BYTES,
      });
    }
    const opts = { maxPageBytes: config.UPSTREAM_MAX_PAGE_BYTES, retry };
    if (config.UPSTREAM_URL)
      return httpContractAdapter({ ...opts, baseUrl: config.UPSTREAM_URL, fetch: (u, i) => fetch(u, i) });
    if (!simulator) throw new Error("UPSTREAM_URL is unset and no simulator was given");
    return simulatorAdapter(simulator, opts);
  };
}
