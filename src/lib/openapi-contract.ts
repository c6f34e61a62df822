// The OpenAPI document is a contract a generated client relies on, so it must list every answer an
// operation can really give, with the headers that come with it. Some answers come from middleware
// that every operation of a kind passes through, not from the route, and are declared here once, for
// every operation they apply to, rather than repeated (and forgotten) route by route:
//
//   - a bearer-token operation passes `authenticate`: 401 (with WWW-Authenticate), 429 (its rate
//     limit, with Retry-After) and 503 (the session store down: AUTH_UNAVAILABLE);
//   - a JSON body passes the body limit and the JSON validator: 400, 413, 415;
//   - a multipart upload is refused with 415 when it is not multipart/form-data, 413 when too large;
//   - every answer carries X-Request-Id; a CSV download Content-Disposition;
//   - anything else (500 INTERNAL, 503 DATABASE_UNAVAILABLE, 504 QUERY_TIMEOUT) is the `default`
//     response, in the same error envelope.
//
// An error response with the generic description of its status becomes a reference to one shared
// response (components.responses.Error400 …), so the document and the clients generated from it
// state each error answer once.
//
// test/openapi/contract.test.ts checks the result against real responses of the real app.

// biome-ignore lint/suspicious/noExplicitAny: the document is plain JSON at this stage
type Json = Record<string, any>;

import { errorDescriptions } from "./openapi";

const ERROR_REF = { $ref: "#/components/schemas/Error" };

export const COMMON_HEADERS: Json = {
  RequestId: {
    description:
      "The request id: the caller's X-Request-Id when it is short and plain, else a generated one. Logs carry it.",
    required: true,
    schema: { type: "string" },
  },
  RetryAfter: {
    description: "Seconds to wait before trying again",
    required: true,
    schema: { type: "integer", minimum: 0 },
  },
  Location: {
    description: "The URL of the created or queued resource",
    required: true,
    schema: { type: "string" },
  },
  ContentDisposition: {
    description: 'On the CSV form only: attachment; filename="…csv"',
    required: false,
    schema: { type: "string" },
  },
  WwwAuthenticate: {
    description:
      'Bearer realm="courtflow", with error="invalid_token" when a token was sent but not accepted',
    required: true,
    schema: { type: "string" },
  },
  ETag: {
    description: "Strong validator of the figures; send it back in If-None-Match to get 304 when unchanged",
    required: true,
    schema: { type: "string" },
  },
  CacheControl: {
    description: "How the answer may be cached",
    required: true,
    schema: { type: "string" },
  },
  DataAsOf: {
    description:
      "When the measure rollups last took in a refresh (ISO 8601, UTC): the figures include every import " +
      "whose measuresRefreshedAt is at or before it. The same value as the body's dataAsOf; absent when " +
      "the rollups were never refreshed",
    required: false,
    schema: { type: "string", format: "date-time" },
  },
};

const header = (name: string) => ({ $ref: `#/components/headers/${name}` });

const sharedName = (status: string) => (status === "default" ? "Error" : `Error${status}`);

function ensureError(responses: Json, status: string): void {
  responses[status] ??= {
    description: errorDescriptions[status],
    content: { "application/json": { schema: ERROR_REF } },
  };
}

/** An error response that says nothing beyond its status: the shared one can stand for it. */
function isGenericError(status: string, response: Json): boolean {
  const content = response.content as Json | undefined;
  return (
    response.description === errorDescriptions[status] &&
    !response.headers &&
    content !== undefined &&
    Object.keys(content).length === 1 &&
    content["application/json"]?.schema?.$ref === ERROR_REF.$ref
  );
}

function addHeaders(status: string, response: Json): void {
  const add = (name: string, ref: string) => {
    response.headers ??= {};
    response.headers[name] ??= header(ref);
  };
  add("X-Request-Id", "RequestId");
  if (status === "401") add("WWW-Authenticate", "WwwAuthenticate");
  if (status === "429") add("Retry-After", "RetryAfter");
  if (response.content?.["text/csv"]) add("Content-Disposition", "ContentDisposition");
}

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

/** Adds the answers and headers that middleware gives every operation of a kind (see above). */
export function completeDocument<D extends object>(document: D): D {
  const doc = document as Json;
  doc.components ??= {};
  doc.components.headers = { ...COMMON_HEADERS, ...(doc.components.headers ?? {}) };
  doc.components.responses ??= {};
  const shared: Json = doc.components.responses;
  for (const item of Object.values(doc.paths ?? {}) as Json[]) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      op.responses ??= {};
      const responses: Json = op.responses;
      const bearer = (op.security as Json[] | undefined)?.some((s) => "bearerAuth" in s) ?? false;
      const body = op.requestBody?.content as Json | undefined;
      const hasInput = Boolean(body) || (op.parameters as Json[] | undefined)?.some((p) => p.in !== "header");

      if (hasInput) ensureError(responses, "400");
      if (bearer) {
        ensureError(responses, "401");
        ensureError(responses, "429");
        ensureError(responses, "503");
      }
      if (body) {
        ensureError(responses, "413");
        ensureError(responses, "415");
      }
      ensureError(responses, "default");

      for (const [status, response] of Object.entries(responses) as [string, Json][]) {
        if ("$ref" in response) continue;
        if (isGenericError(status, response)) {
          const name = sharedName(status);
          if (!shared[name]) {
            shared[name] = structuredClone(response);
            addHeaders(status, shared[name]);
          }
          responses[status] = { $ref: `#/components/responses/${name}` };
        } else {
          addHeaders(status, response);
        }
      }
    }
  }
  return document;
}
