// Keeps a run's lease alive on a timer for as long as its process is alive, whatever the run is waiting for
// (a slow request, a backoff, a Retry-After), so only a dead process's run is ever taken over.

export type Heartbeat = { stop: () => void };

export function startHeartbeat(opts: {
  intervalMs: number;
  /** Renews the lease; throws when the run no longer holds it. */
  beat: () => Promise<void>;
  isLost: (err: unknown) => boolean;
  /** The run lost its lease: stop its work at once. */
  onLost: (err: unknown) => void;
  onError: (err: unknown) => void;
}): Heartbeat {
  let busy = false;
  let stopped = false;
  const timer = setInterval(async () => {
    if (busy || stopped) return;
    busy = true;
    try {
      await opts.beat();
    } catch (err) {
      if (stopped) return;
      if (opts.isLost(err)) {
        stopped = true;
        clearInterval(timer);
        opts.onLost(err);
      } else {
        // A missed beat is not fatal: the lease lasts several intervals, and the next beat or page renews it.
        opts.onError(err);
      }
    } finally {
      busy = false;
    }
  }, opts.intervalMs);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
