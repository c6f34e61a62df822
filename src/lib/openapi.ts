import { z } from "@hono/zod-openapi";
import { isIsoDate } from "./dates";
import { ERROR_CODES } from "./errors";

// Shared OpenAPI building blocks: the error envelope, common parameters and response helpers.

export const FieldProblemSchema = z
  .object({
    path: z.string().openapi({
      description:
        "Where: `body.<field>`, `query.<name>`, `param.<name>` (nested fields and list indexes follow with dots), or `body` for the body as a whole",
      example: "query.limit",
    }),
    message: z.string().openapi({
      description: "What is wrong, as the end of a sentence about that field",
      example: "must be an integer between 1 and 200",
    }),
    constraint: z.string().optional().openapi({ description: "The database constraint behind a conflict" }),
  })
  .openapi("FieldProblem");

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: z
        .array(FieldProblemSchema)
        .optional()
        .openapi({ description: "Every problem found, when the error is about particular fields" }),
      requestId: z.string(),
    }),
  })
  .openapi("Error");

/** The generic description of each error status; openapi-contract.ts shares these as components. */
export const errorDescriptions: Record<string, string> = {
  400: "Invalid input (every bad field named in details)",
  401: "Missing, invalid, expired or revoked token",
  403: "Your role does not allow this",
  404: "Not found (or outside your court scope)",
  409: "Conflict with existing data",
  408: "The upload did not arrive within its deadline or fast enough (REQUEST_TIMEOUT); nothing was kept",
  413: "Payload too large",
  415: "Unsupported media type (send the Content-Type the operation declares)",
  429: "Rate limited (see Retry-After), or an upload quota is reached (the message names it)",
  503: "A dependency is unavailable (AUTH_UNAVAILABLE, DATABASE_UNAVAILABLE, SERVICE_UNAVAILABLE)",
  default: "Any other error: 500 INTERNAL, 503 DATABASE_UNAVAILABLE, 504 QUERY_TIMEOUT",
};

export type ErrorResponseStatus = 400 | 401 | 403 | 404 | 408 | 409 | 413 | 415 | 429 | 503;

/** Error responses for a route, by status. */
export function errorResponses(...statuses: ErrorResponseStatus[]) {
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: errorDescriptions[s] ?? "Error",
        content: { "application/json": { schema: ErrorSchema } },
      },
    ]),
  ) as Record<
    number,
    { description: string; content: { "application/json": { schema: typeof ErrorSchema } } }
  >;
}

/** The responses every authenticated route can give. */
export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/** A JSON response whose `Location` header names the created (or queued) resource. */
export function jsonWithLocation<T extends z.ZodType>(schema: T, description: string) {
  return { ...json(schema, description), headers: { Location: { $ref: "#/components/headers/Location" } } };
}

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { "application/json": { schema } } };
}

export const bearerSecurity = [{ bearerAuth: [] as string[] }];
/** An operation anyone may call (login, refresh, health): overrides nothing, but says so explicitly. */
export const noSecurity: { [name: string]: string[] }[] = [];

/** Ids are PostgreSQL integers: positive and at most 2^31 − 1, so a huge id is a 400, not a 22003. */
export const MAX_ID = 2_147_483_647;
/** An id in a JSON body. */
export const bodyId = z.number().int().positive().max(MAX_ID);
/** An id in a query string or path (arrives as a string). */
export const queryId = z.coerce.number().int().positive().max(MAX_ID);

/** Natural codes of courts and judges (`D01`, `J-0042`). */
export const codeField = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, dot, dash and underscore only");
export const nameField = z.string().trim().min(1).max(200);

/** Positive integer path id, given as a string in the URL. */
export const IdParam = z.object({
  id: queryId.openapi({ param: { name: "id", in: "path" }, example: 1 }),
});

/** A real calendar date written YYYY-MM-DD: the one zod schema of an ISO date (isIsoDate, lib/dates.ts). */
export const isoDate = z
  .string()
  // abort: a value that is not YYYY-MM-DD gets that one message, not also "not a real date".
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: "must be a date YYYY-MM-DD", abort: true })
  .refine(isIsoDate, { message: "must be a real calendar date" })
  .openapi({ example: "2024-01-31" });

/** The same within [min, max] (inclusive), refused with one message naming the years. */
export function isoDateBetween(min: string, max: string) {
  return z
    .string()
    .refine((v) => isIsoDate(v) && v >= min && v <= max, {
      message: `must be a date YYYY-MM-DD between ${min.slice(0, 4)} and ${max.slice(0, 4)}`,
    })
    .openapi({ example: "2024-01-31" });
}

export const limitParam = z.coerce.number().int().min(1).max(200).default(50);

/** Query booleans arrive as strings. */
export const queryBool = z.enum(["true", "false"]).transform((v) => v === "true");
