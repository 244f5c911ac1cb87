// Both HTTP adapters against a real, scripted HTTP server misbehaving at the transport: a body that never ends, a
// compressed bomb, a connection dropped mid-body, bytes that are not UTF-8.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { describe, expect, it, onTestFinished } from "vitest";
import type { FetchedPage, PageRequest } from "../../functions/upstreams/adapter";
import { createGithubAdapter } from "../../functions/upstreams/github/adapter";
import { httpContractAdapter } from "../../functions/upstreams/http-contract";
import { DEFAULT_RETRY } from "../../functions/upstreams/retry";
import { failureOf } from "./github-adapter-support";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(handler: Handler): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const TIMEOUT_MS = 400;
const CAP = 64 * 1024;
const FIRST_PAGE: PageRequest = { cursor: null, limit: 10, updatedSince: null };

const adapters = {
  contract: (url: string) =>
    httpContractAdapter({
      baseUrl: url,
      fetch: (u, i) => fetch(u, i),
      maxPageBytes: CAP,
      retry: {
        policy: { ...DEFAULT_RETRY, timeoutMs: TIMEOUT_MS, maxAttempts: 2 },
        clock: () => new Date(),
        sleep: async () => {},
        random: () => 0.5,
      },
    }),
  github: (url: string) => {
    const state = new Map<string, string>();
    return createGithubAdapter({
      apiUrl: url,
      repo: { owner: "o", name: "r" },
      token: null,
      inProgressLabel: "wip",
      state: { get: async (k) => state.get(k) ?? null, set: async (k, v) => void state.set(k, v) },
      fetch: (u, i) => fetch(u, i),
      clock: () => new Date(),
      sleep: async () => {},
      timeoutMs: TIMEOUT_MS,
      maxBodyBytes: CAP,
      maxAttempts: 2,
    });
  },
};

/** A page of the adapter's upstream holding records with these ids (issue numbers for GitHub) and titles. */
function pageBody(kind: keyof typeof adapters, items: Array<{ id: string; title: string }>): string {
  if (kind === "contract") {
    const data = items.map((r) => ({ ...r, status: "todo", updated_at: "2026-01-01T00:00:00Z" }));
    return JSON.stringify({ data, next_cursor: null });
  }
  return JSON.stringify(
    items.map((r) => ({
      number: Number(r.id),
      title: r.title,
      state: "open",
      labels: [],
      updated_at: "2026-01-01T00:00:00Z",
      html_url: `https://github.com/o/r/issues/${r.id}`,
    })),
  );
}

const fetchFirst = (kind: keyof typeof adapters, url: string): Promise<FetchedPage> =>
  adapters[kind](url).fetchPage(FIRST_PAGE);

describe.each(["contract", "github"] as const)("%s adapter over a hostile connection", (kind) => {
  it("a body that trickles forever ends in a retried timeout, not a hang", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write("[");
      const drip = setInterval(() => res.write(" "), 50);
      res.on("close", () => clearInterval(drip));
    });
    const started = Date.now();
    const err = await failureOf(fetchFirst(kind, url));
    expect(err.failure).toMatchObject({ kind: "timeout", retryable: true });
    expect(err.attempts).toBe(2);
    expect(Date.now() - started).toBeLessThan(4 * TIMEOUT_MS);
  });

  it("a gzip bomb is refused at the cap on its inflated bytes", async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)); // 64 MiB of spaces in ~64 KiB
    const url = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(bomb);
    });
    const err = await failureOf(fetchFirst(kind, url));
    expect(err.failure).toMatchObject({ kind: "too_large", retryable: false });
  });

  it("a connection dropped mid-body is a network failure, retried, not a malformed answer", async () => {
    let requests = 0;
    const body = pageBody(kind, [{ id: "1", title: "One" }]);
    const url = await serve((_req, res) => {
      requests++;
      res.writeHead(200, { "content-type": "application/json", "content-length": String(body.length) });
      if (requests > 1) return void res.end(body);
      res.write(body.slice(0, 10));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const page = await fetchFirst(kind, url);
    expect(page.live).toHaveLength(1);
    expect(page.attempts).toBe(2);
    expect(page.retried.map((f) => f.kind)).toEqual(["network"]);
  });
});

describe.each(["contract", "github"] as const)("%s adapter reading bytes that are not UTF-8", (kind) => {
  it("refuses the page instead of reading two ids (or titles) that differ only in invalid bytes as one", async () => {
    // Two records whose ids (GitHub: titles) differ in one invalid byte; decoded leniently both read "a\uFFFD".
    const [one, two] =
      kind === "contract"
        ? [
            { id: "a<FF>", title: "One" },
            { id: "a<FE>", title: "Two" },
          ]
        : [
            { id: "1", title: "a<FF>" },
            { id: "2", title: "a<FE>" },
          ];
    const text = pageBody(kind, [one!, two!]).replace("<FF>", "\xff").replace("<FE>", "\xfe");
    const url = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(Buffer.from(text, "latin1"));
    });
    const err = await failureOf(fetchFirst(kind, url));
    expect(err.failure).toMatchObject({ kind: "malformed_response", retryable: false });
    expect(err.failure.message).toMatch(/not valid UTF-8/);
  });
});
