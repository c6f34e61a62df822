// One error class for everything a client may see, and one table from code to HTTP status.

/**
 * Every error code, its HTTP status and what it means to a client. docs/api.md's error table is
 * generated from this (`bun run docs:api`; a test fails when the two disagree).
 */
export const errorCatalog = {
  VALIDATION_FAILED: {
    status: 400,
    meaning:
      "A parameter, query value or body field is invalid, or breaks a rule of the data model; `details` names each one",
  },
  BAD_REQUEST: { status: 400, meaning: "The body cannot be read at all (malformed JSON)" },
  UNAUTHENTICATED: {
    status: 401,
    meaning: "No bearer token, or an invalid, expired or revoked one; log in or refresh",
  },
  INVALID_CREDENTIALS: {
    status: 401,
    meaning: "Wrong email or password, or a deactivated account (login only)",
  },
  FORBIDDEN: { status: 403, meaning: "Your role does not allow this action" },
  ROLE_NOT_ASSIGNABLE: {
    status: 403,
    meaning: "A court administrator named a role they may not give (only court_admin and viewer)",
  },
  FIELD_NOT_ALLOWED: {
    status: 403,
    meaning: "A field this caller may not change on this user (e.g. the email, by a court administrator)",
  },
  SELF_CHANGE_NOT_ALLOWED: {
    status: 403,
    meaning:
      "Your own role, court, active state or password through the user administration routes (use POST /api/auth/password)",
  },
  NOT_FOUND: { status: 404, meaning: "No such record (or it is outside your court scope), or no such route" },
  METHOD_NOT_ALLOWED: {
    status: 405,
    meaning: "The path exists but not with this method; the `Allow` header lists the methods it has",
  },
  REQUEST_TIMEOUT: {
    status: 408,
    meaning:
      "An upload did not arrive within IMPORT_UPLOAD_TIMEOUT_S, or slower than IMPORT_UPLOAD_MIN_BYTES_PER_S; nothing was kept",
  },
  CONFLICT: {
    status: 409,
    meaning: "The change clashes with existing data (a duplicate code or email, a state that forbids it)",
  },
  REFERENCE_NOT_FOUND: {
    status: 409,
    meaning: "A referenced record does not exist, or a record is still referenced",
  },
  TRANSACTION_CONFLICT: {
    status: 409,
    meaning: "A concurrent change kept conflicting after the automatic retries; send the request again",
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    meaning: "The body exceeds BODY_LIMIT_BYTES (JSON) or IMPORT_MAX_BYTES (uploads)",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    meaning: "Wrong Content-Type: JSON bodies need application/json, uploads multipart/form-data",
  },
  RATE_LIMITED: { status: 429, meaning: "Too many requests; wait the `Retry-After` seconds" },
  CLIENT_CLOSED_REQUEST: {
    status: 499,
    meaning:
      "The client went away before the answer (nginx's code): never sent, but logged at warn and counted as 499",
  },
  INTERNAL: {
    status: 500,
    meaning: "An unexpected failure; the message says nothing more, the log has it under the request id",
  },
  DATABASE_UNAVAILABLE: {
    status: 503,
    meaning: "PostgreSQL is unreachable or out of connections; try again shortly",
  },
  AUTH_UNAVAILABLE: {
    status: 503,
    meaning: "The session store (Redis) is down: authentication fails closed until it is back",
  },
  SERVICE_UNAVAILABLE: { status: 503, meaning: "Another dependency (the job queues) is not answering" },
  QUERY_TIMEOUT: {
    status: 504,
    meaning: "The query ran past the statement timeout and was cancelled; narrow the filters",
  },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof errorCatalog;
export type ErrorStatus = (typeof errorCatalog)[ErrorCode]["status"];

/** Code → HTTP status. */
export const errorStatus = Object.fromEntries(
  Object.entries(errorCatalog).map(([code, e]) => [code, e.status]),
) as { [C in ErrorCode]: (typeof errorCatalog)[C]["status"] };

export const ERROR_CODES = Object.keys(errorCatalog) as [ErrorCode, ...ErrorCode[]];

/**
 * The one shape of `error.details`: a list of problems, each naming where it is. `path` is
 * `<where>.<field>` (`body.code`, `query.limit`, `param.id`; nested fields and list indexes follow with
 * dots) or just `body` for the body as a whole. Optional fields add machine-readable context.
 */
export interface FieldProblem {
  path: string;
  message: string;
  /** The database constraint behind a conflict (`courts_code_uq`). */
  constraint?: string;
}

export class AppError extends Error {
  readonly status: ErrorStatus;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldProblem[],
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.status = errorStatus[code];
    this.headers = options?.headers;
  }
  readonly headers: Record<string, string> | undefined;

  static validation(problems: FieldProblem[], message?: string): AppError {
    const said = problems.map((p) => `${p.path} ${p.message}`).join("; ");
    return new AppError("VALIDATION_FAILED", message ?? `Invalid request: ${said}`, problems);
  }

  static notFound(what: string): AppError {
    return new AppError("NOT_FOUND", `${what} not found`);
  }
}

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details?: FieldProblem[]; requestId: string };
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
