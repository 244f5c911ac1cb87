// Retries one upstream request: exponential backoff with jitter, Retry-After floored and capped, and a wait
// longer than the run may sit through becomes a deferral (the run ends `deferred` with `next_allowed_at`).
import { type AttemptFailure, type RetryListener, UpstreamDeferred, UpstreamError } from "./adapter";

export type RetryPolicy = {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest wait a run sits through; beyond it the request ends deferred. */
  maxRetryWaitMs: number;
  /** Furthest a deferral reaches, whatever upstream asks (a Retry-After in year 9999 defers by this). */
  maxDeferMs: number;
  timeoutMs: number;
};

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 5_000,
  maxRetryWaitMs: 30_000,
  maxDeferMs: 3_600_000,
  timeoutMs: 10_000,
};

export type Attempt<T> =
  | { ok: true; value: T }
  | { ok: false; failure: AttemptFailure; retryAfterMs: number | null; deferUntil?: number };

export type RetryDeps = {
  policy: RetryPolicy;
  clock: () => Date;
  sleep: (ms: number) => Promise<void>;
  random?: () => number;
  signal?: AbortSignal;
  /** Called before each retry wait (the log line, and the run's retry in progress). */
  onRetry?: RetryListener;
};

export type Retried<T> = { value: T; attempts: number; retried: AttemptFailure[] };

/** Exponential backoff with jitter: a random wait in [c/2, c], c = min(max, base·2^(attempt-1)). */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}

function deferredAt(deps: RetryDeps, waitMs: number): string {
  return new Date(deps.clock().getTime() + Math.min(waitMs, deps.policy.maxDeferMs)).toISOString();
}

/** Waits, but gives up at once when the run is aborted (it lost its lease or is shutting down). */
async function pause(deps: RetryDeps, ms: number): Promise<void> {
  const { signal } = deps;
  if (!signal) return deps.sleep(ms);
  signal.throwIfAborted();
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([deps.sleep(ms), aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** Runs `attempt` until it succeeds, fails for good, or must wait longer than allowed. */
export async function withRetries<T>(
  deps: RetryDeps,
  attempt: (n: number) => Promise<Attempt<T>>,
): Promise<Retried<T>> {
  const random = deps.random ?? Math.random;
  const { policy } = deps;
  const retried: AttemptFailure[] = [];
  for (let n = 1; ; n++) {
    const result = await attempt(n);
    if (result.ok) return { value: result.value, attempts: n, retried };
    const { failure, retryAfterMs } = result;
    if (result.deferUntil !== undefined) {
      // The adapter knows when its quota resets: come back then.
      const wait = Math.max(0, result.deferUntil - deps.clock().getTime());
      if (wait > policy.maxRetryWaitMs)
        throw new UpstreamDeferred(failure, n, retried, deferredAt(deps, wait));
    } else if (!failure.retryable) {
      throw new UpstreamError(failure, n, retried);
    }
    const wait = Math.max(
      retryAfterMs ?? 0,
      result.deferUntil !== undefined ? result.deferUntil - deps.clock().getTime() : 0,
      backoffMs(n, policy, random),
    );
    if (n >= policy.maxAttempts) {
      if (failure.kind === "rate_limited") {
        // Still rate-limited after every attempt: come back later rather than call it a failure.
        throw new UpstreamDeferred(
          { ...failure, message: `${failure.message}; still rate-limited after ${n} attempts` },
          n,
          retried,
          deferredAt(deps, retryAfterMs ?? policy.maxDelayMs),
        );
      }
      throw new UpstreamError(
        { ...failure, message: `${failure.message} (attempt ${n} of ${policy.maxAttempts})` },
        n,
        retried,
      );
    }
    if (wait > policy.maxRetryWaitMs) {
      const until = deferredAt(deps, wait);
      throw new UpstreamDeferred(
        {
          ...failure,
          message: `${failure.message}; upstream asks to wait until ${until}, longer than the ${policy.maxRetryWaitMs / 1000} s a run waits`,
        },
        n,
        retried,
        until,
      );
    }
    retried.push(failure);
    deps.onRetry?.(failure, wait, n);
    await pause(deps, wait);
  }
}
