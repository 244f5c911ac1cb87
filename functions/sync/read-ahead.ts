// Reads a listing's pages with at most one request ahead: while one page is planned and written, upstream is
// already answering the next, so upstream's time and the database's overlap instead of adding up.
import type { FetchedPage, PageRequest } from "../upstreams/adapter";

type Ahead = { cursor: string; page: Promise<FetchedPage>; controller: AbortController };

export type PageReader = {
  /** The page at `cursor`: the request made ahead for it, or a new one. */
  read(cursor: string | null): Promise<FetchedPage>;
  /** Starts the request for `cursor` now (a page the caller will read next). */
  readAhead(cursor: string): void;
  /** Abandons a request made ahead (the slice ends or fails before reading it). */
  cancel(): void;
};

export function pageReader(
  fetchPage: (req: PageRequest) => Promise<FetchedPage>,
  request: Omit<PageRequest, "cursor" | "signal">,
  signal: AbortSignal,
): PageReader {
  let ahead: Ahead | null = null;
  const start = (cursor: string | null, own: AbortSignal) => fetchPage({ ...request, cursor, signal: own });
  const cancel = () => {
    ahead?.controller.abort(new Error("read-ahead abandoned"));
    ahead = null;
  };
  return {
    read(cursor) {
      if (ahead && ahead.cursor === cursor) {
        const { page } = ahead;
        ahead = null;
        return page;
      }
      cancel();
      return start(cursor, signal);
    },
    readAhead(cursor) {
      cancel();
      const controller = new AbortController();
      const forward = () => controller.abort(signal.reason);
      signal.addEventListener("abort", forward, { once: true });
      const page = start(cursor, controller.signal).finally(() =>
        signal.removeEventListener("abort", forward),
      );
      // Its failure is the caller's when it reads the page; an abandoned request's failure is nobody's.
      page.catch(() => {});
      ahead = { cursor, page, controller };
    },
    cancel,
  };
}
