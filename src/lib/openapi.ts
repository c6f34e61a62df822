import { z } from "@hono/zod-openapi";
import { errorStatus } from "./errors";

// Shared OpenAPI building blocks: the error envelope, common parameters and response helpers.

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(errorStatus) as [keyof typeof errorStatus, ...(keyof typeof errorStatus)[]]),
      message: z.string(),
      details: z.unknown().optional(),
      requestId: z.string(),
    }),
  })
  .openapi("Error");

const errorDescriptions: Record<number, string> = {
  400: "Invalid input (every bad field named in details)",
  401: "Missing, invalid or expired token",
  403: "Your role does not allow this",
  404: "Not found (or outside your court scope)",
  409: "Conflict with existing data",
  408: "The upload did not arrive within its deadline or fast enough (REQUEST_TIMEOUT); nothing was kept",
  413: "Payload too large",
  429: "Rate limited (see Retry-After), or an upload quota is reached (the message names it)",
  503: "A dependency is unavailable (AUTH_UNAVAILABLE / DATABASE_UNAVAILABLE)",
};

/** Error responses for a route, by status. */
export function errorResponses(...statuses: (400 | 401 | 403 | 404 | 408 | 409 | 413 | 429 | 503)[]) {
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
export const authErrors = [400, 401, 403, 429, 503] as const;

export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { "application/json": { schema } } };
}

export const bearerSecurity = [{ bearerAuth: [] as string[] }];

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

export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD")
  .refine(
    (s) =>
      !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
    {
      message: "must be a real calendar date",
    },
  )
  .openapi({ example: "2024-01-31" });

export const limitParam = z.coerce.number().int().min(1).max(200).default(50);

/** Query booleans arrive as strings. */
export const queryBool = z.enum(["true", "false"]).transform((v) => v === "true");
