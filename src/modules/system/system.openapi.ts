import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { ErrorSchema, noSecurity } from "../../lib/openapi";

// The OpenAPI description of /api/system/* (system.routes.ts). Those handlers are plain routes (no
// input worth a validator; probes must stay as cheap as they are), so their description is registered
// here; test/openapi/contract.test.ts checks it against what they really answer.

const noStore = {
  "Cache-Control": {
    description: "no-store: a probe's answer is never reused",
    required: true,
    schema: { type: "string" as const },
  },
};

const HealthStatus = z.enum(["ok", "degraded", "down"]);

export const QuickHealthSchema = z
  .object({
    status: HealthStatus.openapi({
      description: "ok; degraded = serving without a dependency (Redis); down = not serving (503)",
    }),
    uptimeSeconds: z.number().int(),
    version: z.string(),
    reasons: z.array(z.string()).optional().openapi({
      description: "Why it is not ok, e.g. `redis main down`, `database not answering`, `draining`",
    }),
  })
  .openapi("Health");

const LiveSchema = z.object({ status: z.literal("ok"), uptimeSeconds: z.number().int() }).openapi("Liveness");

const ReadySchema = z.object({ status: z.literal("ready") }).openapi("Ready");
const NotReadySchema = z
  .object({
    status: z.literal("not_ready"),
    reason: z.string().openapi({ description: "starting, draining, or database not answering" }),
  })
  .openapi("NotReady");

export const VersionSchema = z
  .object({
    name: z.string(),
    version: z.string(),
    commit: z
      .string()
      .nullable()
      .openapi({ description: "Git commit of the build (GIT_SHA), or the checkout's HEAD" }),
    buildTime: z.string().nullable(),
    environment: z.string(),
    startedAt: z.string(),
  })
  .openapi("Version");

/** The detailed report also names the runtime (kept off the open /version: it helps an attacker pick exploits). */
const DetailedVersionSchema = VersionSchema.extend({ bunVersion: z.string() }).openapi("DetailedVersion");

const CheckResultSchema = z
  .object({
    name: z.string(),
    status: z.enum(["ok", "warn", "down"]),
    critical: z.boolean().openapi({ description: "A critical check that is down makes the service down" }),
    latencyMs: z.number(),
    message: z.string().optional().openapi({ description: "Why it is not ok, in one line" }),
    details: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: "The check's own figures (units in the names); differ from check to check" }),
  })
  .openapi("HealthCheckResult");

const DetailedHealthSchema = z
  .object({
    status: HealthStatus,
    checkedAt: z.string(),
    durationMs: z.number(),
    checks: z
      .record(z.string(), CheckResultSchema)
      .openapi({ description: "database, redis, queues, memory, disk, event loop, response times" }),
    version: DetailedVersionSchema,
  })
  .openapi("DetailedHealth");

const metricsSecurity: { [scheme: string]: string[] }[] = [{ metricsToken: [] }, {}];
/** The detailed report also admits a signed-in admin's access token (the dashboard's operators page). */
const detailedSecurity: { [scheme: string]: string[] }[] = [{ metricsToken: [] }, { bearerAuth: [] }, {}];

const unauthorizedMetrics = {
  description: "METRICS_TOKEN is set and the request does not carry it",
  content: { "application/json": { schema: ErrorSchema } },
};

export function registerSystemDocs(registry: OpenAPIHono["openAPIRegistry"], base = "/api/system"): void {
  const common = { tags: ["system"], security: noSecurity };

  registry.registerPath({
    ...common,
    method: "get",
    path: `${base}/health`,
    operationId: "getHealth",
    summary: "Load-balancer health: the database answers; degraded (still 200) without Redis",
    responses: {
      200: {
        description: "Serving",
        headers: noStore,
        content: { "application/json": { schema: QuickHealthSchema } },
      },
      503: {
        description: "Not serving (database down or draining)",
        headers: noStore,
        content: { "application/json": { schema: QuickHealthSchema } },
      },
    },
  });

  registry.registerPath({
    ...common,
    method: "get",
    path: `${base}/health/live`,
    operationId: "getLiveness",
    summary: "Liveness: the process answers (never looks at dependencies)",
    responses: {
      200: {
        description: "Alive",
        headers: noStore,
        content: { "application/json": { schema: LiveSchema } },
      },
    },
  });

  registry.registerPath({
    ...common,
    method: "get",
    path: `${base}/health/ready`,
    operationId: "getReadiness",
    summary: "Readiness: started, not draining, database answering",
    responses: {
      200: {
        description: "Ready for traffic",
        headers: noStore,
        content: { "application/json": { schema: ReadySchema } },
      },
      503: {
        description: "Not ready",
        headers: noStore,
        content: { "application/json": { schema: NotReadySchema } },
      },
    },
  });

  registry.registerPath({
    method: "get",
    path: `${base}/health/detailed`,
    operationId: "getHealthDetailed",
    tags: ["system"],
    security: detailedSecurity,
    summary:
      "Every check with its figures, and the running version (METRICS_TOKEN when set, or an admin's access token)",
    responses: {
      200: {
        description: "ok or degraded",
        headers: noStore,
        content: { "application/json": { schema: DetailedHealthSchema } },
      },
      401: {
        ...unauthorizedMetrics,
        description: "METRICS_TOKEN is set and the request carries neither it nor a valid access token",
      },
      403: {
        description: "An access token of a user who is not an admin",
        content: { "application/json": { schema: ErrorSchema } },
      },
      503: {
        description: "down",
        headers: noStore,
        content: { "application/json": { schema: DetailedHealthSchema } },
      },
    },
  });

  registry.registerPath({
    method: "get",
    path: `${base}/metrics`,
    operationId: "getMetrics",
    tags: ["system"],
    security: metricsSecurity,
    summary: "Prometheus metrics (text exposition format; METRICS_TOKEN when set)",
    responses: {
      200: {
        description: "Prometheus text format 0.0.4",
        headers: noStore,
        content: { "text/plain": { schema: z.string() } },
      },
      401: unauthorizedMetrics,
    },
  });

  registry.registerPath({
    ...common,
    method: "get",
    path: `${base}/version`,
    operationId: "getVersion",
    summary: "What is running: version, commit, build time, Bun, environment, start time",
    responses: {
      200: { description: "The version", content: { "application/json": { schema: VersionSchema } } },
    },
  });
}
