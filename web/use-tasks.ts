// The task list: filters, sort, cursor pagination (a stack of cursors for "previous") and its loading state.
import { useCallback, useEffect, useState } from "preact/hooks";
import { listTasks, RequestError, type TaskPage, type TaskQuery } from "./api";

export const PAGE_SIZES = [25, 50, 100] as const;

export type TaskList = {
  query: TaskQuery;
  setQuery: (patch: Partial<TaskQuery>) => void;
  limit: number;
  setLimit: (limit: number) => void;
  page: TaskPage | null;
  loading: boolean;
  error: string | null;
  /** 1-based number of the page shown. */
  pageNumber: number;
  next: () => void;
  previous: () => void;
  reload: () => void;
};

const INITIAL_QUERY: TaskQuery = { statuses: [], search: "", deleted: "exclude", sort: "-updated_at" };

export function useTasks(): TaskList {
  const [query, setQueryState] = useState<TaskQuery>(INITIAL_QUERY);
  const [limit, setLimitState] = useState<number>(PAGE_SIZES[0]);
  // cursors[i] opens page i+1; the last one is the page shown.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [tick, setTick] = useState(0);
  const [page, setPage] = useState<TaskPage | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    void tick;
    const controller = new AbortController();
    setLoading(true);
    listTasks(query, limit, cursors[cursors.length - 1], controller.signal)
      .then((result) => {
        // A deletion can empty the last page: step back instead of showing nothing.
        if (result.results.length === 0 && cursors.length > 1) {
          setCursors((stack) => stack.slice(0, -1));
          return;
        }
        setPage(result);
        setError(null);
        setLoading(false);
      })
      .catch((err: unknown) => {
        if (err instanceof RequestError && err.code === "aborted") return;
        setError(err instanceof RequestError ? err.message : String(err));
        setLoading(false);
      });
    return () => controller.abort();
  }, [query, limit, cursors, tick]);

  const setQuery = useCallback((patch: Partial<TaskQuery>) => {
    setQueryState((q) => ({ ...q, ...patch }));
    setCursors([null]);
  }, []);

  const setLimit = useCallback((value: number) => {
    setLimitState(value);
    setCursors([null]);
  }, []);

  const next = useCallback(() => {
    if (page?.next_cursor) setCursors((stack) => [...stack, page.next_cursor]);
  }, [page]);

  const previous = useCallback(
    () => setCursors((stack) => (stack.length > 1 ? stack.slice(0, -1) : stack)),
    [],
  );
  const reload = useCallback(() => setTick((t) => t + 1), []);

  return {
    query,
    setQuery,
    limit,
    setLimit,
    page,
    loading,
    error,
    pageNumber: cursors.length,
    next,
    previous,
    reload,
  };
}
