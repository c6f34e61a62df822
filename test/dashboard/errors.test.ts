import { expect, test } from "bun:test";
import { ApiError, apiErrorOf, describeError } from "../../dashboard/src/api/errors";

// The sentence the dashboard shows for each failure the API can give.

const body = (code: string, message = "m", details?: unknown) => ({
  error: { code, message, details, requestId: "r1" },
});

test("401, 403, 429 and 503 become plain sentences; 429 says how long to wait", () => {
  const cases: [number, unknown, Record<string, string>, string][] = [
    [401, body("INVALID_CREDENTIALS"), {}, "The email or password is not right."],
    [401, body("UNAUTHENTICATED"), {}, "Your session has ended. Please sign in again."],
    [403, body("FORBIDDEN"), {}, "Your role does not allow this."],
    [
      429,
      body("RATE_LIMITED"),
      { "retry-after": "17" },
      "Too many requests. Please wait 17 seconds and try again.",
    ],
    [503, body("DATABASE_UNAVAILABLE"), {}, "The service is temporarily unavailable"],
  ];
  for (const [status, b, headers, text] of cases) {
    const err = apiErrorOf(new Response(null, { status, headers }), b);
    expect(err).toBeInstanceOf(ApiError);
    expect({ status, message: err.message }).toEqual({ status, message: expect.stringContaining(text) });
  }
  expect(
    apiErrorOf(new Response(null, { status: 429, headers: { "retry-after": "17" } }), undefined)
      .retryAfterSeconds,
  ).toBe(17);
});

test("a 400 names the fields; a network failure says the server could not be reached", () => {
  const err = apiErrorOf(
    new Response(null, { status: 400 }),
    body("VALIDATION_FAILED", "Invalid query", [{ path: "query.from", message: "must not be after `to`" }]),
  );
  expect(err.message).toBe("Invalid query (query.from: must not be after `to`)");
  expect(err.requestId).toBe("r1");
  expect(describeError(new TypeError("Failed to fetch"))).toBe(
    "The server could not be reached. Check the connection and try again.",
  );
});
