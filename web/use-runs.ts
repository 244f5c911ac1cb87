// The run history (newest first), reloaded when a run ends.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { listRuns, RequestError, type Run } from "./api";

export const HISTORY_SIZE = 20;

export function useRuns(): { runs: Run[] | null; error: string | null; reload: () => void } {
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(0);
  const reload = useCallback(() => {
    // Only the newest request's answer counts.
    const seq = ++latest.current;
    listRuns(HISTORY_SIZE)
      .then((page) => {
        if (seq !== latest.current) return;
        setRuns(page.results);
        setError(null);
      })
      .catch((err: unknown) => {
        if (seq === latest.current) setError(err instanceof RequestError ? err.message : String(err));
      });
  }, []);
  useEffect(reload, [reload]);
  return { runs, error, reload };
}
