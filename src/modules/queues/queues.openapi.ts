import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { bearerSecurity, errorResponses } from "../../lib/openapi";

// The OpenAPI description of the queue administration routes (queues.routes.ts, plain routes). The
// bull-board UI itself (/admin/queues) is a browser application, not part of the API contract.

const FailedJobSchema = z.object({
  id: z.string(),
  name: z.string(),
  data: z.unknown(),
  failedReason: z.string(),
  attemptsMade: z.number().int(),
  failedAt: z.string().nullable(),
});

const SchedulerSchema = z.object({
  id: z.string(),
  name: z.string(),
  pattern: z.string().nullable().openapi({ description: "Cron pattern, or null for a fixed interval" }),
  every: z
    .number()
    .nullable()
    .openapi({ description: "Interval in milliseconds, or null for a cron pattern" }),
  next: z.string().nullable().openapi({ description: "Next run (ISO 8601)" }),
});

export const QueueReportSchema = z
  .object({
    name: z.string(),
    counts: z.record(z.string(), z.number().int()).openapi({
      description: "Jobs by state: waiting, active, delayed, completed, failed, paused, …",
    }),
    failed: z
      .array(FailedJobSchema)
      .openapi({ description: "The most recent failed jobs with their reasons" }),
    schedulers: z.array(SchedulerSchema),
  })
  .openapi("QueueReport");

export const QueuesSchema = z
  .object({
    mode: z.enum(["bullmq", "in-process", "none"]).openapi({
      description: "bullmq = Redis queues and worker processes; in-process = embedded mode's runner",
    }),
    queues: z.array(QueueReportSchema),
  })
  .openapi("Queues");

const BoardSession = z
  .object({
    url: z
      .string()
      .openapi({ description: "Where the board is; open it in the same browser", example: "/admin/queues" }),
    expiresIn: z.number().int().openapi({ description: "Seconds the board cookie lasts" }),
  })
  .openapi("QueueBoardSession");

export function registerQueueDocs(
  registry: OpenAPIHono["openAPIRegistry"],
  base = "/api/system/queues",
): void {
  const common = { tags: ["queues"], security: bearerSecurity };
  registry.registerPath({
    ...common,
    method: "get",
    path: base,
    operationId: "getQueues",
    summary: "Job counts by state, recent failures with reasons, schedulers and their next run (admin)",
    request: {
      query: z.object({
        failed: z
          .number()
          .int()
          .min(0)
          .max(100)
          .optional()
          .openapi({ description: "How many recent failed jobs to list per queue (default 20)" }),
      }),
    },
    responses: {
      200: { description: "Every queue", content: { "application/json": { schema: QueuesSchema } } },
      ...errorResponses(400, 401, 403, 429, 503),
    },
  });
  registry.registerPath({
    ...common,
    method: "post",
    path: `${base}/board-session`,
    operationId: "openQueueBoard",
    summary: "Set the short-lived cookie that opens the bull-board UI in this browser (admin)",
    responses: {
      200: {
        description: "Cookie set",
        headers: {
          "Set-Cookie": {
            description: "cf_board=…; Path=/admin/queues; HttpOnly; SameSite=Strict",
            required: true,
            schema: { type: "string" },
          },
          "Cache-Control": { description: "no-store", required: true, schema: { type: "string" } },
        },
        content: { "application/json": { schema: BoardSession } },
      },
      ...errorResponses(401, 403, 429, 503),
    },
  });
  registry.registerPath({
    ...common,
    method: "delete",
    path: `${base}/board-session`,
    operationId: "closeQueueBoard",
    summary: "Clear the board cookie (admin)",
    responses: {
      204: {
        description: "Cookie cleared",
        headers: {
          "Set-Cookie": { description: "cf_board=; Max-Age=0", required: true, schema: { type: "string" } },
        },
      },
      ...errorResponses(401, 403, 429, 503),
    },
  });
}
