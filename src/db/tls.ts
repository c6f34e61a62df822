import { readFileSync } from "node:fs";
import { connect } from "node:net";
import type { ConnectionOptions } from "node:tls";
import type { Config } from "../config/env";

// TLS to PostgreSQL, for every connection the product opens (API and worker pools, replicas,
// migrations, seeds, backups). postgres.js alone gets this wrong in ways that fail open or confuse:
// `ssl: "verify-full"` verifies against the system CAs only, so a private CA cannot be used; and a
// URL's `sslrootcert=/file` is not understood but sent to the server as a startup parameter. So the
// URL's libpq parameters are read here, removed, and turned into the `ssl` object postgres.js passes
// to tls.connect.

export type PgSslMode = Config["DATABASE_SSL"];
export type PgTlsSettings = Pick<Config, "DATABASE_SSL" | "DATABASE_SSL_CA">;

const STRENGTH: Record<PgSslMode, number> = { disable: 0, require: 1, "verify-ca": 2, "verify-full": 3 };

export interface PgTls {
  /** The URL without `sslmode` / `sslrootcert`. */
  url: string;
  mode: PgSslMode;
  /** The CA file the server certificate is checked against; null = the system CAs (or no check). */
  caFile: string | null;
  /** postgres.js's `ssl` option. */
  ssl: false | "require" | ConnectionOptions;
}

/** A TLS setting that cannot work as written: the process stops at start-up with this message. */
export class DatabaseTlsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseTlsConfigError";
  }
}

/** Splits libpq's TLS parameters off a URL's query. String-based: multi-host URLs are not WHATWG URLs. */
function splitTlsParams(url: string): { url: string; sslmode?: string; sslrootcert?: string } {
  const q = url.indexOf("?");
  if (q < 0) return { url };
  const kept = new URLSearchParams();
  const out: { sslmode?: string; sslrootcert?: string } = {};
  for (const [k, v] of new URLSearchParams(url.slice(q + 1))) {
    if (k === "sslmode") out.sslmode = v;
    else if (k === "sslrootcert") out.sslrootcert = v;
    else kept.append(k, v);
  }
  const rest = kept.toString();
  return { url: url.slice(0, q) + (rest ? `?${rest}` : ""), ...out };
}

function urlMode(value: string): PgSslMode {
  if (value in STRENGTH) return value as PgSslMode;
  if (value === "prefer" || value === "allow") {
    throw new DatabaseTlsConfigError(
      `sslmode=${value} in the database URL may fall back to plain text, which CourtFlow never does: ` +
        "use sslmode=require or sslmode=verify-full (or remove it and set DATABASE_SSL)",
    );
  }
  throw new DatabaseTlsConfigError(
    `sslmode=${value} in the database URL is not a TLS mode (disable, require, verify-ca, verify-full)`,
  );
}

function readCa(file: string, from: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch (err) {
    throw new DatabaseTlsConfigError(
      `${from}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new DatabaseTlsConfigError(`${from}: ${file} holds no PEM certificate`);
  }
  return pem;
}

/**
 * The TLS of one connection URL. The stricter of DATABASE_SSL and the URL's `sslmode` applies, so
 * neither can weaken the other. The CA is the URL's `sslrootcert` (a file, or `system`), else
 * DATABASE_SSL_CA, else the system CAs. A CA given for a mode that would not use it is an error,
 * not a silent "verified" that is not.
 */
export function resolvePgTls(rawUrl: string, settings: PgTlsSettings): PgTls {
  const { url, sslmode, sslrootcert } = splitTlsParams(rawUrl);
  let mode = settings.DATABASE_SSL;
  if (sslmode !== undefined) {
    const fromUrl = urlMode(sslmode);
    if (STRENGTH[fromUrl] > STRENGTH[mode]) mode = fromUrl;
  }
  // libpq: `sslrootcert=system` means the system CAs and implies verify-full.
  const system = sslrootcert === "system";
  if (system && STRENGTH[mode] < STRENGTH["verify-full"]) mode = "verify-full";
  const caFile = system ? null : (sslrootcert ?? settings.DATABASE_SSL_CA ?? null);
  const caFrom = sslrootcert && !system ? "sslrootcert in the database URL" : "DATABASE_SSL_CA";

  if (STRENGTH[mode] < STRENGTH["verify-ca"]) {
    if (caFile) {
      throw new DatabaseTlsConfigError(
        `${caFrom} is set but DATABASE_SSL=${mode} does not verify the server with it: ` +
          "use verify-full (or verify-ca), or remove the CA",
      );
    }
    return { url, mode, caFile: null, ssl: mode === "require" ? "require" : false };
  }
  const ssl: ConnectionOptions = { rejectUnauthorized: true };
  if (caFile) ssl.ca = readCa(caFile, caFrom);
  // verify-ca: the chain is checked, the host name is not (libpq's meaning).
  if (mode === "verify-ca") ssl.checkServerIdentity = () => undefined;
  return { url, mode, caFile, ssl };
}

/** The URL without its password and TLS parameters, for messages. */
function hostOf(url: string): { host: string; port: number } | null {
  const m = /^postgres(?:ql)?:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/,?]+)(?::(\d+))?/.exec(url);
  if (!m) return null;
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port: Number(m[2] ?? 5432) };
}

/**
 * Asks the server whether it speaks TLS (the SSLRequest every client sends first): true for "S",
 * false for "N", null when it cannot tell. Used to explain a failed TLS start, because postgres.js
 * answers a server without TLS with a TLS handshake the server never answers: a bare CONNECT_TIMEOUT.
 */
export function serverAcceptsTls(host: string, port: number, timeoutMs = 3000): Promise<boolean | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (value: boolean | null) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(null));
    socket.once("error", () => done(null));
    socket.once("connect", () => socket.write(Buffer.from([0, 0, 0, 8, 4, 210, 22, 47])));
    socket.once("data", (d) => done(d[0] === 0x53 ? true : d[0] === 0x4e ? false : null));
  });
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

function codeOf(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 5 && e instanceof Error; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    e = e.cause;
  }
  return undefined;
}

function messageOf(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error && typeof (e as { code?: unknown }).code !== "string")
    e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

/**
 * Why a connection attempt can never succeed as configured (a certificate that is not trusted or
 * names another host, a server without TLS, a pooler refusing a startup parameter), in one line for
 * the operator; null for failures worth retrying (server down, network).
 */
export async function permanentConnectFailure(err: unknown, tls: PgTls): Promise<string | null> {
  const code = codeOf(err);
  const message = messageOf(err);
  const where = tls.caFile ? `the CA in ${tls.caFile}` : "the system CAs";
  if (code && UNTRUSTED.has(code)) {
    return `TLS (${tls.mode}) refused the server certificate: it is not signed by ${where} (${message})`;
  }
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return `TLS (${tls.mode}) refused the server certificate: it does not name the host connected to (${message}); connect by a name the certificate lists`;
  }
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") {
    return `TLS (${tls.mode}) refused the server certificate: ${message}`;
  }
  if (code === "08P01" && /unsupported startup parameter/.test(message)) {
    return `the server refused a startup parameter (${message}): behind PgBouncer set DATABASE_POOLER=pgbouncer`;
  }
  if (tls.mode !== "disable" && code === "CONNECT_TIMEOUT") {
    const target = hostOf(tls.url);
    if (target && (await serverAcceptsTls(target.host, target.port)) === false) {
      return `the server does not accept TLS (it answered "N" to the SSL request); DATABASE_SSL=${tls.mode} never falls back to plain text`;
    }
  }
  return null;
}
