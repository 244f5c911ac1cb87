// The one error type handlers throw, the one JSON shape every error response takes, and the one writer of it.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type DatabaseFaultKind, FAULT_MESSAGES } from "../../db/database-faults";

export type ErrorCode =
  | "validation_error"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "sync_in_progress"
  | "not_retryable"
  | "run_abandoned"
  | "payload_too_large"
  | "unsupported_media_type"
  | "upstream_failed"
  | "internal"
  | "database_busy"
  | "database_unavailable";

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  validation_error: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  sync_in_progress: 409,
  not_retryable: 409,
  run_abandoned: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  upstream_failed: 502,
  internal: 500,
  database_busy: 503,
  database_unavailable: 503,
};

export type ErrorBody = {
  error: { code: ErrorCode; message: string; details?: unknown; [extra: string]: unknown };
  [extra: string]: unknown;
};

export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    // Extra top-level members, e.g. the running run beside a 409.
    readonly extra?: Record<string, unknown>,
    readonly errorExtra?: Record<string, unknown>,
  ) {
    super(message);
    this.status = STATUS[code];
  }

  /** Response headers that belong to this error (WWW-Authenticate, Allow, Connection: close). */
  headers: Record<string, string> = {};
  withHeaders(headers: Record<string, string>): this {
    Object.assign(this.headers, headers);
    return this;
  }

  body(): ErrorBody {
    const error: ErrorBody["error"] = { code: this.code, message: this.message, ...this.errorExtra };
    if (this.details !== undefined) error.details = this.details;
    return { error, ...this.extra };
  }
}

export const notFound = (what: string) => new ApiError("not_found", `${what} not found`);

const CODE_FOR_STATUS: Record<number, ErrorCode> = {
  400: "validation_error",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

/** What a handler threw, as an ApiError when it is a client error (ours, or Hono's own 4xx); else undefined. */
export function clientError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  // Hono's own 4xx (a validator's malformed JSON, a content-type gate) in our error shape, not a 500.
  if (err instanceof HTTPException && err.status < 500) {
    return new ApiError(CODE_FOR_STATUS[err.status] ?? "validation_error", err.message || "Bad request");
  }
  return undefined;
}

/** Writes an error in the one JSON shape, with its own headers. */
export function sendError(c: Context, err: ApiError): Response {
  return c.json(err.body(), err.status, err.headers);
}

/** A database fault (locked, full, read-only…) as the 503 a client can retry, with how long to wait. */
export function databaseFaultError(kind: DatabaseFaultKind): { error: ApiError; retryAfterSeconds: number } {
  if (kind === "busy") {
    return {
      error: new ApiError(
        "database_busy",
        "The database is locked by another connection, so this request could not finish; retry shortly",
      ),
      retryAfterSeconds: 2,
    };
  }
  return {
    error: new ApiError(
      "database_unavailable",
      `The database cannot take this request: ${FAULT_MESSAGES[kind]}; see GET /api/health`,
    ),
    retryAfterSeconds: 30,
  };
}
