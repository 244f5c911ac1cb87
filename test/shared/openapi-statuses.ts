// The statuses the OpenAPI document lists for a request's operation, so a test can hold every answer to it.
type Doc = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

type Operation = { method: string; path: RegExp; statuses: string[] };

/** For a request (`method`, `url`), the statuses its operation documents; undefined when no operation matches. */
export function documentedStatuses(doc: Doc) {
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
