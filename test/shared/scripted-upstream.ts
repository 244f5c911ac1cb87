// A scripted upstream speaking the HTTP contract: fixed pages, a Date header, every request recorded.
import { httpUpstream } from "./harness";

export type Rec = { id: string; title: string; status: string; updated_at: string; deleted?: boolean };
export const rec = (id: string, updated_at = "2026-01-01T00:00:00.000Z", title = `Task ${id}`): Rec => ({
  id,
  title,
  status: "todo",
  updated_at,
});

/** An upstream serving fixed pages (page i's cursor is "c<i>"), with a Date header; records requests. */
export function scripted(pages: Rec[][] | (() => Rec[][]), date = "Mon, 01 Jun 2026 00:00:00 GMT") {
  const calls: string[] = [];
  const fetch = async (url: string) => {
    calls.push(url);
    const list = typeof pages === "function" ? pages() : pages;
    const i = Number(new URL(url).searchParams.get("cursor")?.slice(1) ?? 0);
    const next = i + 1 < list.length ? `c${i + 1}` : null;
    return Response.json({ data: list[i] ?? [], next_cursor: next }, { headers: { date } });
  };
  return { upstream: httpUpstream("http://upstream.test", fetch), calls, fetch };
}
