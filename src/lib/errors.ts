// One error class for everything a client may see, and one table from code to HTTP status.

export const errorStatus = {
  VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  REFERENCE_NOT_FOUND: 409,
  TRANSACTION_CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  /** nginx's "client closed request": the client went away; never sent, but logged and counted. */
  CLIENT_CLOSED_REQUEST: 499,
  INTERNAL: 500,
  DATABASE_UNAVAILABLE: 503,
  AUTH_UNAVAILABLE: 503,
  SERVICE_UNAVAILABLE: 503,
  QUERY_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof errorStatus;
export type ErrorStatus = (typeof errorStatus)[ErrorCode];

export interface FieldProblem {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly status: ErrorStatus;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.status = errorStatus[code];
    this.headers = options?.headers;
  }
  readonly headers: Record<string, string> | undefined;

  static validation(problems: FieldProblem[], message?: string): AppError {
    const fields = [...new Set(problems.map((p) => p.path))].join(", ");
    return new AppError("VALIDATION_FAILED", message ?? `Invalid request: ${fields}`, problems);
  }

  static notFound(what: string): AppError {
    return new AppError("NOT_FOUND", `${what} not found`);
  }
}

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details?: unknown; requestId: string };
}

export function envelope(err: AppError, requestId: string): ErrorEnvelope {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.details === undefined ? {} : { details: err.details }),
      requestId,
    },
  };
}
