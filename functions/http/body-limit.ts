// Bounds request bodies: at most `maxBytes` held in memory, and a refused body still read off the connection.
import type { MiddlewareHandler } from "hono";
import { ApiError } from "./errors";

/** The largest request body the service accepts (every route's JSON is far smaller). */
export const MAX_BODY_BYTES = 64 * 1024;

export type BodyLimit = {
  /** The largest body a route may receive. */
  maxBytes: number;
  /** How much of a refused body is read and thrown away so the keep-alive connection stays usable. */
  drainBytes: number;
  /** How long that reading may take before the connection is given up instead. */
  drainMs: number;
};

/** Reads and discards the rest of a stream; true when it ended within the byte and time budget. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, budget: number, ms: number) {
  let left = budget;
  const deadline = Date.now() + ms;
  while (left >= 0 && Date.now() < deadline) {
    const timeout = new Promise<"timeout">((r) =>
      setTimeout(r, Math.max(0, deadline - Date.now()), "timeout"),
    );
    const chunk = await Promise.race([reader.read(), timeout]);
    if (chunk === "timeout") break;
    if (chunk.done) return true;
    left -= chunk.value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  return false;
}

/**
 * The 413. A server that answers before reading the body leaves its bytes on the connection, and a
 * keep-alive client's next request then fails ("socket closed"): so the rest is read first, within a budget.
 * A body larger than that is not worth reading: the answer says `Connection: close` so clients open a new one.
 */
async function refuse(reader: ReadableStreamDefaultReader<Uint8Array> | undefined, limit: BodyLimit) {
  const drained = reader ? await drain(reader, limit.drainBytes, limit.drainMs) : true;
  const err = new ApiError("payload_too_large", `Request body is larger than ${limit.maxBytes} bytes`);
  return drained ? err : err.withHeaders({ Connection: "close" });
}

function concat(chunks: Uint8Array[], size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Reads the body into memory up to the limit and hands it on as a fresh request; 413 beyond the limit. */
export function bodyLimit(limit: BodyLimit): MiddlewareHandler {
  return async (c, next) => {
    // GET and HEAD carry no body (the fetch standard's Request refuses one): asking for it would only build a
    // full Request from @hono/node-server's lazy one, on every read the service answers.
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const body = c.req.raw.body;
    if (body === null) return next();
    const declared = Number(c.req.header("content-length") ?? Number.NaN);
    const reader = body.getReader();
    if (declared > limit.maxBytes) {
      // Only worth reading when it fits the drain budget; otherwise close without reading.
      throw await refuse(declared <= limit.drainBytes ? reader : undefined, limit);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit.maxBytes) throw await refuse(reader, limit);
      chunks.push(value);
    }
    const { url, method, headers, signal } = c.req.raw;
    c.req.raw = new Request(url, { method, headers, signal, body: concat(chunks, size) });
    c.req.bodyCache = {};
    return next();
  };
}
