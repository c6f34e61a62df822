import { OpenAPIHono } from "@hono/zod-openapi";
import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import type { ZodType } from "zod";
import type { AppEnv } from "../app-env";
import { AppError, type FieldProblem } from "./errors";
import { installPlainMessages } from "./zod-messages";

// Every router is built through this module, so every route's validation speaks plainly.
installPlainMessages();

/** The part of a zod error we read; structural, so zod and zod/v4/core errors both fit. */
interface IssueList {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}

// Validator targets as the client thinks of them: a JSON or form body is "body", not "json"/"form".
const TARGET_NAMES: Record<string, string> = { json: "body", form: "body" };

/** Field paths like `query.limit` or `body.tiers.0.days`, so the client knows exactly what to fix. */
export function problemsOf(error: IssueList, target?: string): FieldProblem[] {
  target = target === undefined ? undefined : (TARGET_NAMES[target] ?? target);
  return error.issues.map((issue) => ({
    path: [target, ...issue.path.map(String)].filter((p) => p !== undefined && p !== "").join("."),
    message: issue.message,
  }));
}

/** The hook every validator uses: a failure becomes 400 VALIDATION_FAILED naming every field. */
export function validationHook(result: { success: boolean; error?: IssueList; target: string }): void {
  if (!result.success && result.error) throw AppError.validation(problemsOf(result.error, result.target));
}

/** zValidator with the shared hook, for routes not declared through OpenAPI. */
export function validate<T extends ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
) {
  return zValidator(target, schema, validationHook);
}

/** A module router: OpenAPI-aware, with the shared validation hook. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}
