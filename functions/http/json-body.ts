// The JSON gate for request bodies: JSON only (415 otherwise), well-formed (400 otherwise), empty means none.
import type { Context } from "hono";
import { ApiError } from "./errors";

// The same test @hono/zod-openapi applies to a declared JSON body; accepting anything wider here would let
// a request through to a validator that then rejects it with an error of its own shape.
const JSON_TYPE = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

/**
 * Reads the body as JSON: `undefined` when there is none (no body, or only whitespace, whatever its
 * Content-Type), the parsed value otherwise. Throws 415 for a body that is not declared JSON, 400 for one that
 * does not parse.
 */
export async function readJsonBody(c: Context): Promise<unknown> {
  const text = c.req.raw.body === null || c.req.header("content-length") === "0" ? "" : await c.req.text();
  if (text.trim() === "") return undefined;
  const type = c.req.header("content-type")?.trim() ?? "";
  if (!JSON_TYPE.test(type)) {
    throw new ApiError(
      "unsupported_media_type",
      type === ""
        ? "Send the body with Content-Type: application/json"
        : `Content-Type ${type} is not accepted; send application/json`,
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError("validation_error", "The body is not valid JSON", [
      { field: "(body)", message: "not valid JSON" },
    ]);
  }
}

/** Replaces an empty body (and its type) by none, so validators downstream see one shape for "nothing sent". */
export function dropEmptyBody(c: Context): void {
  const headers = new Headers(c.req.raw.headers);
  headers.delete("content-type");
  headers.delete("content-length");
  c.req.raw = new Request(c.req.url, { method: c.req.method, headers, signal: c.req.raw.signal });
  c.req.bodyCache = {};
}
