// The statuses the OpenAPI document lists for a request's operation, so a test can hold every answer to it.
import { expect } from "vitest";

type Doc = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

type Operation = { method: string; path: RegExp; statuses: string[] };
type StatusesOf = (method: string, url: string) => string[] | undefined;

/** For a request (`method`, `url`), the statuses its operation documents; undefined when no operation matches. */
export function documentedStatuses(doc: Doc): StatusesOf {
  const operations: Operation[] = Object.entries(doc.paths).flatMap(([template, item]) =>
    Object.entries(item).map(([method, op]) => ({
      method: method.toUpperCase(),
      // A trailing slash reaches the same route.
      path: new RegExp(`^${template.replace(/\{\w+\}/g, "[^/]+")}/?$`),
      statuses: Object.keys(op.responses),
    })),
  );
  return (method: string, url: string): string[] | undefined => {
    const { pathname } = new URL(url);
    // HEAD is answered by the GET route.
    const wanted = method === "HEAD" ? "GET" : method;
    return operations.find((op) => op.method === wanted && op.path.test(pathname))?.statuses;
  };
}

/**
 * Holds an answer to the statuses its operation documents, when one matches. The Host allowlist stands before every
 * route (host-guard.ts), so no operation lists its 403: a request that sent a Host of its own may get it anywhere.
 */
export function expectDocumented(
  statusesOf: StatusesOf,
  answer: { method: string; url: string; status: number; hostSent: boolean },
  label: string,
): void {
  const documented = statusesOf(answer.method, answer.url);
  if (documented && !(answer.hostSent && answer.status === 403))
    expect(documented, label).toContain(String(answer.status));
}
