// Chooses the upstream from config: a real URL, or the built-in simulator reached in-process.
import type { Config } from "./config";
import { Simulator } from "./simulator/dataset";
import { simulatorRoutes } from "./simulator/routes";
import type { Upstream } from "./sync/upstream-client";

export const SIMULATOR_BASE_URL = "http://simulator.internal/simulator";

export function simulatorFromConfig(config: Config): Simulator {
  return new Simulator({
    seed: config.SIM_SEED,
    total: config.SIM_TOTAL,
    failure_rate: config.SIM_FAILURE_RATE,
    rate_limit_rate: config.SIM_RATE_LIMIT_RATE,
    invalid_rate: config.SIM_INVALID_RATE,
    duplicate_rate: config.SIM_DUPLICATE_RATE,
    latency_ms: config.SIM_LATENCY_MS,
  });
}

/** The sync client speaks the same HTTP either way; with the simulator the transport is an in-process call. */
export function upstreamFor(config: Config, simulator: Simulator | undefined): Upstream {
  if (config.UPSTREAM_URL) return { baseUrl: config.UPSTREAM_URL, fetch: (url, init) => fetch(url, init) };
  if (!simulator) throw new Error("UPSTREAM_URL is unset and no simulator was given");
  const routes = simulatorRoutes(simulator);
  return {
    baseUrl: SIMULATOR_BASE_URL,
    fetch: (url, init) => {
      const path = url.slice(SIMULATOR_BASE_URL.length) || "/";
      return abortable(routes.request(path, init), init.signal);
    },
  };
}

/** An in-process call ignores AbortSignal by itself; reject when it fires, as a real fetch would. */
function abortable(
  response: Response | Promise<Response>,
  signal: AbortSignal | null | undefined,
): Promise<Response> {
  if (!signal) return Promise.resolve(response);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    Promise.resolve(response)
      .then(resolve, reject)
      .finally(() => signal.removeEventListener("abort", onAbort));
  });
}
