import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import type { Config } from "../config/env";

// TLS options of every Redis connection with a rediss:// URL (main, session, cache, queue and the
// BullMQ workers' blocking connections): the CA that signs the servers' certificates and, for servers
// that require client certificates (redis `tls-auth-clients yes`, its default), ours.

export type RedisTlsSettings = Pick<Config, "REDIS_TLS_CA" | "REDIS_TLS_CERT" | "REDIS_TLS_KEY">;

/** A TLS file that cannot be used: the process stops at start-up with this message. */
export class RedisTlsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RedisTlsConfigError";
  }
}

const files = new Map<string, string>();

function pem(variable: string, file: string, marker: RegExp): string {
  const cached = files.get(file);
  if (cached !== undefined) return cached;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new RedisTlsConfigError(
      `${variable}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  if (!marker.test(text)) throw new RedisTlsConfigError(`${variable}: ${file} holds no PEM ${marker.source}`);
  files.set(file, text);
  return text;
}

/**
 * tls.connect options for a rediss:// connection. Certificates are always verified (ioredis and Node
 * default to it); without REDIS_TLS_CA against the system CAs.
 */
export function redisTlsOptions(settings: RedisTlsSettings): ConnectionOptions {
  const options: ConnectionOptions = { rejectUnauthorized: true };
  if (settings.REDIS_TLS_CA) options.ca = pem("REDIS_TLS_CA", settings.REDIS_TLS_CA, /CERTIFICATE/);
  if (settings.REDIS_TLS_CERT && settings.REDIS_TLS_KEY) {
    options.cert = pem("REDIS_TLS_CERT", settings.REDIS_TLS_CERT, /CERTIFICATE/);
    options.key = pem("REDIS_TLS_KEY", settings.REDIS_TLS_KEY, /PRIVATE KEY/);
  }
  return options;
}

const UNTRUSTED = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
]);

/**
 * A TLS failure in words, or null for other errors. ioredis rejects the commands of a connection
 * whose handshake failed with only "Connection is closed."; the cause comes on its `error` event,
 * which is where this is applied.
 */
export function describeRedisTlsError(err: unknown): string | null {
  const code = (err as { code?: unknown })?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code !== "string") return null;
  if (UNTRUSTED.has(code))
    return `TLS refused the server certificate: not signed by REDIS_TLS_CA or a system CA (${message})`;
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID")
    return `TLS refused the server certificate: it does not name the host connected to (${message})`;
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID")
    return `TLS refused the server certificate: ${message}`;
  if (code.startsWith("ERR_SSL_") || code === "ECONNRESET_TLS")
    return `TLS handshake failed (${message}); does the server require a client certificate (REDIS_TLS_CERT/KEY)?`;
  return null;
}
