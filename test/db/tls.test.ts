import { describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseTlsConfigError, permanentConnectFailure, resolvePgTls } from "../../src/db/tls";
import { tempDir } from "../helpers/process";

// How a connection URL and DATABASE_SSL / DATABASE_SSL_CA combine (src/db/tls.ts). The servers behind
// these settings are exercised by `bun run test:secure`; here, the rules.

const PEM = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
const url = "postgres://app:pw@db.internal:5432/courtflow";

function withCa(fn: (ca: string) => void) {
  const dir = tempDir("pg-tls");
  try {
    writeFileSync(join(dir, "ca.crt"), PEM);
    fn(join(dir, "ca.crt"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("PostgreSQL TLS settings", () => {
  test("verify-full with a CA file: checked chain and host name, against that CA only", () => {
    withCa((ca) => {
      const t = resolvePgTls(url, { DATABASE_SSL: "verify-full", DATABASE_SSL_CA: ca });
      expect(t).toEqual({ url, mode: "verify-full", caFile: ca, ssl: { rejectUnauthorized: true, ca: PEM } });
    });
  });

  test("the URL's sslmode/sslrootcert are read and removed; other parameters stay; the stricter mode wins", () => {
    withCa((ca) => {
      const t = resolvePgTls(
        `${url}?application_name=x&sslmode=verify-ca&sslrootcert=${encodeURIComponent(ca)}`,
        {
          DATABASE_SSL: "require",
        },
      );
      expect(t.url).toBe(`${url}?application_name=x`);
      expect(t.mode).toBe("verify-ca");
      expect(t.caFile).toBe(ca);
      // verify-ca: the chain, not the name.
      expect((t.ssl as { checkServerIdentity?: () => unknown }).checkServerIdentity?.()).toBeUndefined();
    });
    // A URL cannot weaken the setting.
    expect(resolvePgTls(`${url}?sslmode=disable`, { DATABASE_SSL: "require" }).mode).toBe("require");
    // Multi-host URLs keep their host list.
    expect(
      resolvePgTls("postgres://a@h1:5432,h2:5433/db?sslmode=require", { DATABASE_SSL: "disable" }),
    ).toMatchObject({
      url: "postgres://a@h1:5432,h2:5433/db",
      ssl: "require",
    });
  });

  test("sslrootcert=system: the system CAs and verify-full", () => {
    const t = resolvePgTls(`${url}?sslrootcert=system`, { DATABASE_SSL: "disable" });
    expect(t).toEqual({ url, mode: "verify-full", caFile: null, ssl: { rejectUnauthorized: true } });
  });

  test("refused: a plain-text fallback mode, a CA that would not be used, a CA file that is not one", () => {
    const refuse = (u: string, s: Parameters<typeof resolvePgTls>[1]) => {
      try {
        resolvePgTls(u, s);
      } catch (err) {
        expect(err).toBeInstanceOf(DatabaseTlsConfigError);
        return (err as Error).message;
      }
      throw new Error("accepted");
    };
    expect(refuse(`${url}?sslmode=prefer`, { DATABASE_SSL: "disable" })).toContain(
      "may fall back to plain text",
    );
    expect(refuse(`${url}?sslmode=sometimes`, { DATABASE_SSL: "disable" })).toContain("is not a TLS mode");
    withCa((ca) => {
      expect(refuse(url, { DATABASE_SSL: "require", DATABASE_SSL_CA: ca })).toContain(
        "does not verify the server",
      );
      expect(refuse(url, { DATABASE_SSL: "disable", DATABASE_SSL_CA: ca })).toContain(
        "does not verify the server",
      );
      writeFileSync(ca, "not a certificate");
      expect(refuse(url, { DATABASE_SSL: "verify-full", DATABASE_SSL_CA: ca })).toContain(
        "holds no PEM certificate",
      );
    });
  });

  test("which failures are final: certificate refusals and a refused startup parameter, not a server that is down", async () => {
    const tls = resolvePgTls(url, { DATABASE_SSL: "verify-full" });
    const err = (code: string, message: string) => Object.assign(new Error(message), { code });
    expect(await permanentConnectFailure(err("SELF_SIGNED_CERT_IN_CHAIN", "self signed"), tls)).toContain(
      "not signed by the system CAs",
    );
    expect(await permanentConnectFailure(err("ERR_TLS_CERT_ALTNAME_INVALID", "altnames"), tls)).toContain(
      "does not name the host",
    );
    expect(
      await permanentConnectFailure(err("08P01", "unsupported startup parameter: statement_timeout"), tls),
    ).toContain("DATABASE_POOLER=pgbouncer");
    expect(await permanentConnectFailure(err("ECONNREFUSED", "connect ECONNREFUSED"), tls)).toBeNull();
  });
});
