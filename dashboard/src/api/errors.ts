// One error type for every failed call, with the sentence the page shows for it.

export interface ErrorBody {
  error?: { code?: string; message?: string; details?: unknown; requestId?: string };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds: number | null = null,
    readonly requestId: string | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

function fieldList(details: unknown): string {
  if (!Array.isArray(details)) return "";
  const parts = details
    .map((d) =>
      d && typeof d === "object" && "path" in d && "message" in d ? `${d.path}: ${d.message}` : "",
    )
    .filter(Boolean);
  return parts.length ? ` (${parts.join("; ")})` : "";
}

/** The error of a non-2xx response, with a message a person can act on. */
export function apiErrorOf(response: Response, body: unknown): ApiError {
  const e = (body as ErrorBody | undefined)?.error;
  const code = e?.code ?? `HTTP_${response.status}`;
  const retry = Number(response.headers.get("retry-after"));
  const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : null;
  const requestId = e?.requestId ?? response.headers.get("x-request-id");
  let message: string;
  switch (response.status) {
    case 401:
      message =
        code === "INVALID_CREDENTIALS"
          ? "The email or password is not right."
          : "Your session has ended. Please sign in again.";
      break;
    case 403:
      message = "Your role does not allow this.";
      break;
    case 429:
      message = `Too many requests. Please wait ${retryAfter ?? "a few"} seconds and try again.`;
      break;
    case 503:
      message =
        "The service is temporarily unavailable (its database or session store is not answering). " +
        "Please try again in a moment.";
      break;
    case 404:
      message = e?.message ?? "Not found, or outside your courts.";
      break;
    default:
      message = `${e?.message ?? `The request failed (${response.status}).`}${fieldList(e?.details)}`;
  }
  return new ApiError(response.status, code, message, retryAfter, requestId);
}

/** The sentence for any thrown value (network failures included). */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof TypeError) return "The server could not be reached. Check the connection and try again.";
  return err instanceof Error ? err.message : String(err);
}
