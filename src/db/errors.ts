import { AppError, type FieldProblem } from "../lib/errors";

// Connection-level failures as postgres.js and Node report them (no SQLSTATE).
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

interface DriverError {
  code?: unknown;
  constraint_name?: string;
  constraint?: string;
  column_name?: string;
  column?: string;
  detail?: string;
  errno?: unknown;
}

/** Drizzle wraps driver errors (DrizzleQueryError): walk the cause chain to the one with a code. */
export function driverErrorOf(err: unknown): DriverError | null {
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 6; depth++) {
    const code = (cur as DriverError).code;
    if (typeof code === "string" && (/^[0-9A-Z]{5}$/.test(code) || CONNECTION_CODES.has(code))) {
      return cur as DriverError;
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return null;
}

export function sqlStateOf(err: unknown): string | null {
  const code = driverErrorOf(err)?.code;
  return typeof code === "string" ? code : null;
}

export function isConnectionError(code: string | null): boolean {
  if (!code) return false;
  return (
    CONNECTION_CODES.has(code) ||
    code.startsWith("08") ||
    code === "57P01" ||
    code === "57P02" ||
    code === "57P03"
  );
}

/**
 * Retrying the whole transaction may succeed: serialization failure, deadlock, lost connection. Not
 * a connect timeout: no connection was to be had for the whole pool timeout (a failover without a
 * primary yet, a server that does not answer), and five more waits would hold the request for half
 * a minute instead of answering 503 now.
 */
export function isRetryableTransactionError(err: unknown): boolean {
  const code = sqlStateOf(err);
  return code === "40001" || code === "40P01" || (isConnectionError(code) && code !== "CONNECT_TIMEOUT");
}

/** Column names from "Key (court_id, case_number)=(…) already exists." — the values are dropped. */
function keyFields(detail: string | undefined): string[] | undefined {
  const m = detail ? /Key \((.+?)\)=/.exec(detail) : null;
  return m?.[1]?.split(",").map((s) => s.trim().replace(/^lower\((.+)\)$/, "$1"));
}

const camel = (column: string) => column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The clashing key as error details, in the one shape every error uses: the written values come from
 * the JSON body, so each column is named as the body field it came from (`court_id` → `body.courtId`).
 */
function keyProblems(fields: string[] | undefined, message: string, constraint?: string): FieldProblem[] {
  const extra = constraint ? { constraint } : {};
  if (!fields?.length) return [{ path: "body", message, ...extra }];
  return fields.map((f) => {
    const others = fields.filter((o) => o !== f).map(camel);
    return {
      path: `body.${camel(f)}`,
      message: others.length ? `${message} (together with ${others.join(", ")})` : message,
      ...extra,
    };
  });
}

/** Maps a database error to the AppError the client sees, or null when it is not a database error. */
export function toAppError(err: unknown): AppError | null {
  const driver = driverErrorOf(err);
  if (!driver) return null;
  const code = String(driver.code);
  const constraint = driver.constraint_name ?? driver.constraint;
  const column = driver.column_name ?? driver.column;
  if (code === "23505") {
    const fields = keyFields(driver.detail);
    const message = fields
      ? `A record with this ${fields.map(camel).join(", ")} already exists`
      : "Duplicate record";
    return new AppError("CONFLICT", message, keyProblems(fields, "already exists", constraint), {
      cause: err,
    });
  }
  if (code === "23503") {
    const fields = keyFields(driver.detail);
    return new AppError(
      "REFERENCE_NOT_FOUND",
      fields
        ? `Referenced ${fields.map(camel).join(", ")} does not exist or is still referenced`
        : "Referenced record not found",
      keyProblems(fields, "does not exist or is still referenced", constraint),
      { cause: err },
    );
  }
  if (code === "23502") {
    return new AppError(
      "VALIDATION_FAILED",
      `${column ? camel(column) : "A field"} is required`,
      [{ path: column ? `body.${camel(column)}` : "body", message: "is required" }],
      { cause: err },
    );
  }
  if (code === "23514") {
    // Our words only: PostgreSQL's message, its SQLSTATE and the constraint's name tell a client
    // nothing it can act on and describe the schema.
    return new AppError(
      "VALIDATION_FAILED",
      "A value breaks a rule of the data model",
      [{ path: "body", message: "breaks a rule of the data model" }],
      { cause: err },
    );
  }
  if (code.startsWith("22")) {
    return new AppError("VALIDATION_FAILED", "A value is out of range or malformed", undefined, {
      cause: err,
    });
  }
  if (code === "57014") {
    return new AppError("QUERY_TIMEOUT", "The query took too long and was cancelled", undefined, {
      cause: err,
    });
  }
  if (code === "40001" || code === "40P01") {
    return new AppError("TRANSACTION_CONFLICT", "A concurrent change conflicted; try again", undefined, {
      cause: err,
    });
  }
  if (isConnectionError(code) || code === "53300") {
    return new AppError("DATABASE_UNAVAILABLE", "The database is unavailable; try again shortly", undefined, {
      cause: err,
    });
  }
  return null;
}
