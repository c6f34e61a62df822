import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../app-env";
import { toAppError } from "../db/errors";
import { StoreUnavailableError } from "../redis/types";
import { AppError, type ErrorCode, envelope } from "./errors";
import type { Logger } from "./logger";

const statusToCode: Record<number, ErrorCode> = {
  400: "BAD_REQUEST",
  401: "UNAUTHENTICATED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  408: "REQUEST_TIMEOUT",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "RATE_LIMITED",
  503: "SERVICE_UNAVAILABLE",
};

function fromHttpException(err: HTTPException): AppError {
  const code = statusToCode[err.status] ?? "INTERNAL";
  // Hono's own messages (e.g. "Malformed JSON in request body") are safe to show; a 5xx's is not.
  const message = err.status < 500 && err.message ? err.message : "Internal server error";
  return new AppError(code, message, undefined, { cause: err });
}

/** Normalises anything thrown to an AppError; unknown errors become a message-free 500. */
export function normaliseError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  // Sessions and rate limits are security state: when their store is down we fail closed.
  if (err instanceof StoreUnavailableError) {
    return new AppError("AUTH_UNAVAILABLE", "Authentication is temporarily unavailable", undefined, {
      cause: err,
    });
  }
  const db = toAppError(err);
  if (db) return db;
  if (err instanceof HTTPException) return fromHttpException(err);
  return new AppError("INTERNAL", "Internal server error", undefined, { cause: err });
}

/**
 * RFC 9110 requires a challenge on every 401; RFC 6750 says which: Bearer, with error="invalid_token"
 * when the request did present a bearer token (expired, revoked, malformed), so a client knows to
 * refresh or log in again rather than to add a header it forgot.
 */
export function bearerChallenge(authorization: string | undefined): string {
  return authorization && /^Bearer\s/i.test(authorization)
    ? 'Bearer realm="courtflow", error="invalid_token"'
    : 'Bearer realm="courtflow"';
}

export function createErrorHandler(logger: Logger) {
  return (err: Error, c: Context<AppEnv>) => {
    const requestId = c.get("requestId") ?? "unknown";
    // A client that went away (an abandoned upload, a closed tab) broke the request, not the server:
    // whatever the read of its body threw, it is a 499, counted and logged as such.
    const appErr =
      c.req.raw.signal?.aborted && !(err instanceof AppError && err.status < 500)
        ? new AppError("CLIENT_CLOSED_REQUEST", "The client closed the connection", undefined, { cause: err })
        : normaliseError(err);
    if (appErr.status >= 500) {
      // The stack and cause go to the log with the request id, never to the client. `reqId`, the key of
      // the request's own log line (hono-pino's), so one search finds both lines.
      logger.error(
        {
          err: appErr.cause ?? err,
          reqId: requestId,
          code: appErr.code,
          method: c.req.method,
          path: c.req.path,
        },
        "request failed",
      );
    }
    if (appErr.status === 401) c.header("WWW-Authenticate", bearerChallenge(c.req.header("authorization")));
    if (appErr.headers) for (const [k, v] of Object.entries(appErr.headers)) c.header(k, v);
    return c.json(envelope(appErr, requestId), appErr.status as ContentfulStatusCode);
  };
}
