// The run history (newest first), reloaded when a run ends; older pages are appended on request.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { listRuns, RequestError, type Run } from "./api";

export const HISTORY_SIZE = 20;

export type RunsState = {
  runs: Run[] | null;
  error: string | null;
  /** True while older runs exist beyond those loaded. */
  hasOlder: boolean;
  loadingOlder: boolean;
  reload: () => void;
  loadOlder: () => void;
};

export function useRuns(): RunsState {
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const latest = useRef(0);

  const reload = useCallback(() => {
    // Only the newest request's answer counts; a reload starts again from the newest page.
    const seq = ++latest.current;
    listRuns(HISTORY_SIZE)
      .then((page) => {
        if (seq !== latest.current) return;
        setRuns(page.results);
        setCursor(page.next_cursor);
        setError(null);
      })
      .catch((err: unknown) => {
        if (seq === latest.current) setError(err instanceof RequestError ? err.message : String(err));
      });
  }, []);

  const loadOlder = useCallback(() => {
    if (!cursor) return;
    const seq = ++latest.current;
    setLoadingOlder(true);
    listRuns(HISTORY_SIZE, cursor)
      .then((page) => {
        if (seq !== latest.current) return;
        setRuns((shown) => [...(shown ?? []), ...page.results]);
        setCursor(page.next_cursor);
        setError(null);
      })
      .catch((err: unknown) => {
        if (seq === latest.current) setError(err instanceof RequestError ? err.message : String(err));
      })
      .finally(() => setLoadingOlder(false));
  }, [cursor]);

  useEffect(reload, [reload]);
  return { runs, error, hasOlder: cursor !== null, loadingOlder, reload, loadOlder };
}
