// The built-in simulator as an upstream: the HTTP contract adapter over an in-process call to its routes, so the
// sync speaks exactly the HTTP a real upstream gets. In page-number mode it confirms deletions one by one.
import type { Simulator } from "../simulator/dataset";
import { simulatorRoutes } from "../simulator/routes";
import type { Confirmation, UpstreamAdapter } from "./adapter";
import { type HttpContractOptions, httpContractAdapter, type UpstreamFetch } from "./http-contract";

export const SIMULATOR_BASE_URL = "http://simulator.internal/simulator";

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

export function simulatorFetch(sim: Simulator): UpstreamFetch {
  const routes = simulatorRoutes(sim);
  return (url, init) => {
    const path = url.slice(SIMULATOR_BASE_URL.length) || "/";
    return abortable(routes.request(path, init), init.signal);
  };
}

export function simulatorAdapter(
  sim: Simulator,
  opts: Omit<HttpContractOptions, "baseUrl" | "fetch" | "source" | "confirm">,
): UpstreamAdapter {
  const fetch = simulatorFetch(sim);
  const confirm = async (ids: string[], signal?: AbortSignal): Promise<Confirmation> => {
    const deleted: string[] = [];
    for (const id of ids) {
      const res = await fetch(`${SIMULATOR_BASE_URL}/tasks/${encodeURIComponent(id)}`, { signal });
      await res.body?.cancel();
      if (res.status === 404) deleted.push(id);
    }
    return { deleted, requests: ids.length };
  };
  const base = {
    ...opts,
    baseUrl: SIMULATOR_BASE_URL,
    fetch,
    source: { kind: "simulator" as const, label: "Simulator" },
  };
  const listing = httpContractAdapter(base);
  const confirming = httpContractAdapter({ ...base, confirm });
  // Pagination is a run-time switch of the simulator: read it when the engine asks.
  const current = () => (sim.settings.pagination === "page" ? confirming : listing);
  return {
    source: base.source,
    get deletions() {
      return current().deletions;
    },
    confirmDeleted: confirm,
    fetchPage: (req) => current().fetchPage(req),
  };
}
