// Follows GET /api/sync/status: every second while a run is going, every few seconds when idle, not at all
// while the tab is hidden. Calls onFinished when a run it saw (or did not see) has ended.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { getSyncStatus, isRun, RequestError, type Run, type SyncStatus } from "./api";

export const FAST_POLL_MS = 1000;
export const IDLE_POLL_MS = 6000;

export type SyncStatusState = {
  status: SyncStatus | null;
  error: string | null;
  /** Polls now; with `fast`, keeps polling every second until told otherwise (a request of ours is out). */
  refresh: (fast?: boolean) => void;
};

export function useSyncStatus(onFinished: (run: Run) => void): SyncStatusState {
  const [status, setStatus] = useState<SyncStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const last = useRef<SyncStatus | null>(null);
  const fast = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const issued = useRef(0);
  const applied = useRef(0);
  const finished = useRef(onFinished);
  finished.current = onFinished;

  const poll = useCallback(async () => {
    clearTimeout(timer.current);
    const seq = ++issued.current;
    try {
      const next = await getSyncStatus();
      // An older answer that arrives late must not overwrite a newer one.
      if (seq < applied.current) return;
      applied.current = seq;
      const prev = last.current;
      last.current = next;
      const ended =
        isRun(next) &&
        !next.running &&
        next.status !== "running" &&
        prev !== null &&
        (prev.running || !isRun(prev) || prev.id !== next.id);
      setStatus(next);
      setError(null);
      if (ended) finished.current(next);
    } catch (err) {
      if (seq < applied.current) return;
      setError(err instanceof RequestError ? err.message : String(err));
    } finally {
      if (seq === issued.current && !document.hidden) {
        const running = last.current?.running === true;
        timer.current = setTimeout(poll, running || fast.current ? FAST_POLL_MS : IDLE_POLL_MS);
      }
    }
  }, []);

  const refresh = useCallback(
    (keepFast?: boolean) => {
      if (keepFast !== undefined) fast.current = keepFast;
      void poll();
    },
    [poll],
  );

  useEffect(() => {
    void poll();
    const onVisibility = () => {
      if (document.hidden) clearTimeout(timer.current);
      else void poll();
    };
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      document.removeEventListener("visibilitychange", onVisibility);
      clearTimeout(timer.current);
    };
  }, [poll]);

  return { status, error, refresh };
}
