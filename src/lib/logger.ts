import pino, { type Logger } from "pino";
import pretty from "pino-pretty";
import type { Config } from "../config/env";
import { safeErrorSerializer } from "./log-errors";

export type { Logger };

// Everything that could carry a credential, wherever it appears in a log object.
export const redactPaths = [
  "password",
  "newPassword",
  "currentPassword",
  "token",
  "accessToken",
  "refreshToken",
  "secret",
  "*.password",
  "*.newPassword",
  "*.currentPassword",
  "*.token",
  "*.accessToken",
  "*.refreshToken",
  "*.secret",
  "*.passwordHash",
  "req.headers.authorization",
  "req.headers.cookie",
  "req.headers['x-api-key']",
  "res.headers['set-cookie']",
  "headers.authorization",
  "headers.cookie",
  // Credentials logged on their own or one level deeper than the paths above (a request body's
  // nested user, a header map inside a context object).
  "authorization",
  "cookie",
  "passwordHash",
  "*.authorization",
  "*.cookie",
  '*["set-cookie"]',
  '*["x-api-key"]',
  "*.*.password",
  "*.*.newPassword",
  "*.*.currentPassword",
  "*.*.passwordHash",
  "*.*.token",
  "*.*.accessToken",
  "*.*.refreshToken",
  "*.*.secret",
  "*.*.authorization",
  "*.*.cookie",
];

export interface LoggerOptions {
  level: Config["LOG_LEVEL"];
  pretty?: boolean;
  /** Where JSON lines go; defaults to stdout. Tests pass a capture stream. */
  destination?: pino.DestinationStream;
  /** Fields on every line, e.g. a supervised API process's `processIndex` (added by the mixin). */
  fields?: Record<string, string | number>;
}

/**
 * JSON lines by default. Pretty output is an in-process stream: pino's worker-thread transports
 * do not work reliably on Bun.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level,
    // `service` comes from a mixin, not from `base`: hono-pino re-binds the root logger's bindings on
    // every request, and pino runs each binding through the redaction paths (a fifth of a small
    // request's CPU, profiled in `bun run bench`). A mixin costs only on lines actually written.
    base: undefined,
    mixin: opts.fields ? () => ({ service: "courtflow", ...opts.fields }) : () => ({ service: "courtflow" }),
    redact: { paths: redactPaths, censor: "[redacted]" },
    // Errors without the SQL parameters and quoted values a database error carries (log-errors.ts).
    serializers: { err: safeErrorSerializer },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  if (opts.destination) return pino(options, opts.destination);
  if (opts.pretty)
    return pino(
      options,
      pretty({ colorize: true, translateTime: "SYS:HH:MM:ss.l", singleLine: true, sync: true }),
    );
  return pino(options, pino.destination({ sync: false }));
}

export function loggerFromConfig(config: Config, fields?: LoggerOptions["fields"]): Logger {
  return createLogger({ level: config.LOG_LEVEL, pretty: config.NODE_ENV === "development", fields });
}
