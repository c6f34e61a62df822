import { SignJWT } from "jose";
import { CHAOS_JWT_SECRET } from "./processes";

// Tokens a hostile client forges from a real one; every one must be refused with 401 (and the
// tampered one must not make a viewer an admin).

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

/**
 * alg=none, a wrong secret, a viewer's token tampered into an admin's (signature kept), expired,
 * refresh-as-access, unknown session and subject, and garbage.
 */
export async function forgedTokens(adminToken: string, viewerToken: string): Promise<string[]> {
  const [header, payload, signature] = adminToken.split(".");
  const claims = claimsOf(adminToken);
  const [vHeader, , vSignature] = viewerToken.split(".");
  const sign = (key: string, extra: Record<string, unknown>, exp: number) =>
    new SignJWT({ ...claims, ...extra })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(key));
  const now = Math.floor(Date.now() / 1000);
  return [
    `${b64({ alg: "none", typ: "JWT" })}.${payload}.`,
    `${b64({ alg: "none", typ: "JWT" })}.${payload}`,
    await sign("wrong-secret-wrong-secret-wrong-secret-000", {}, now + 3600),
    `${vHeader}.${b64({ ...claimsOf(viewerToken), role: "admin", sub: claims.sub })}.${vSignature}`,
    await sign(CHAOS_JWT_SECRET, {}, now - 60),
    await sign(CHAOS_JWT_SECRET, { typ: "refresh" }, now + 3600),
    await sign(CHAOS_JWT_SECRET, { sid: "no-such-session-aaaaaaaaaaaaaaaaaaaaaaaaaaa" }, now + 3600),
    await sign(CHAOS_JWT_SECRET, { sub: "-1" }, now + 3600),
    `${b64({ alg: "RS256", typ: "JWT" })}.${payload}.${signature}`,
    "x.y.z",
    "a".repeat(8000),
    "e30.e30.e30",
    `${header}.${payload}.${signature}.extra`,
  ];
}
