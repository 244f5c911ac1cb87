// The one error type handlers throw, and the one JSON shape every error response takes.
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type DatabaseFaultKind, FAULT_MESSAGES } from "../db/database-faults";

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

  body(): ErrorBody {
    const error: ErrorBody["error"] = { code: this.code, message: this.message, ...this.errorExtra };
    if (this.details !== undefined) error.details = this.details;
    return { error, ...this.extra };
  }
}

export const notFound = (what: string) => new ApiError("not_found", `${what} not found`);

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
