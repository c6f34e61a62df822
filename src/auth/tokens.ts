import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import type { UserRole } from "../db/schema";

export const ISSUER = "courtflow";
export const AUDIENCE = "courtflow-dashboard";
const ALGORITHM = "HS256";

export type TokenType = "access" | "refresh";

export interface TokenClaims {
  userId: number;
  sessionId: string;
  role: UserRole;
  type: TokenType;
  jti: string;
  expiresAt: number;
}

export interface TokenSigner {
  sign(input: {
    userId: number;
    sessionId: string;
    role: UserRole;
    type: TokenType;
    ttlSeconds: number;
  }): Promise<{
    token: string;
    jti: string;
  }>;
  /**
   * Verifies signature (HS256 only), issuer, audience, type, and the required claims sub, jti, sid,
   * exp (not passed) and iat (not in the future). Throws InvalidTokenError.
   */
  verify(token: string, expected: TokenType): Promise<TokenClaims>;
}

export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(`invalid token: ${reason}`);
    this.name = "InvalidTokenError";
  }
}

/** How far ahead of this process's clock another replica's `iat` may be. */
export const MAX_CLOCK_SKEW_S = 60;

/** Verified tokens remembered per process (see createTokenSigner). */
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

export function createTokenSigner(
  secret: string,
  opts: { cacheSize?: number; now?: () => number } = {},
): TokenSigner {
  const now = opts.now ?? Date.now;
  // Tokens that passed the full check, by their exact text, until they expire. An access token is
  // presented on every request of its lifetime, and the HMAC check through WebCrypto was a fifth of an
  // authenticated request's CPU (profiled in `bun run bench`). Only the signature and the claims are
  // remembered: the session is still read on every request, so revocation acts at once. Forged or
  // altered text is a different key, so it is always checked in full; only successes are kept.
  // Bounded: past the limit the oldest entry goes first.
  const cacheSize = opts.cacheSize ?? VERIFIED_TOKEN_CACHE_SIZE;
  const verified = new Map<string, Readonly<TokenClaims>>();
  function remember(token: string, claims: TokenClaims): void {
    if (cacheSize <= 0) return;
    if (verified.size >= cacheSize) verified.delete(verified.keys().next().value!);
    verified.set(token, Object.freeze(claims));
  }
  /** jose's rule: a token is expired once the current second reaches its `exp`. */
  const expired = (claims: TokenClaims) => Math.floor(now() / 1000) >= claims.expiresAt;

  // One CryptoKey for the process: given raw bytes, jose imports them again on every sign and verify,
  // which was a third of the token check on each authenticated request (profiled in `bun run bench`).
  const key = crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
  return {
    async sign({ userId, sessionId, role, type, ttlSeconds }) {
      const jti = crypto.randomUUID();
      const token = await new SignJWT({ sid: sessionId, role, typ: type })
        .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
        .setSubject(String(userId))
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
        .setJti(jti)
        .sign(await key);
      return { token, jti };
    },
    async verify(token, expected) {
      const known = verified.get(token);
      if (known) {
        if (expired(known)) {
          verified.delete(token);
          throw new InvalidTokenError("expired");
        }
        if (known.type !== expected) throw new InvalidTokenError(`expected a ${expected} token`);
        return known;
      }
      try {
        // Pinning the algorithm list is what rejects `alg: none` and RS/HS confusion.
        // exp and iat are required: a token without an expiry would live for ever, and one without
        // an issue time cannot be judged for age. jose checks their presence and numeric form.
        const { payload } = await jwtVerify(token, await key, {
          algorithms: [ALGORITHM],
          issuer: ISSUER,
          audience: AUDIENCE,
          requiredClaims: ["exp", "iat", "sub", "jti"],
          currentDate: new Date(now()),
        });
        // Issued in the future (beyond the replicas' clock skew): not a token this service signed.
        if (payload.iat! > Math.floor(now() / 1000) + MAX_CLOCK_SKEW_S)
          throw new InvalidTokenError("issued in the future");
        const userId = Number(payload.sub);
        if (!Number.isSafeInteger(userId) || userId <= 0) throw new InvalidTokenError("bad subject");
        if (typeof payload.sid !== "string" || typeof payload.jti !== "string")
          throw new InvalidTokenError("missing claims");
        if (payload.typ !== "access" && payload.typ !== "refresh") throw new InvalidTokenError("bad type");
        const claims: TokenClaims = {
          userId,
          sessionId: payload.sid,
          role: payload.role as UserRole,
          type: payload.typ,
          jti: payload.jti,
          expiresAt: payload.exp!,
        };
        remember(token, claims);
        if (claims.type !== expected) throw new InvalidTokenError(`expected a ${expected} token`);
        return claims;
      } catch (err) {
        if (err instanceof InvalidTokenError) throw err;
        if (err instanceof joseErrors.JWTExpired) throw new InvalidTokenError("expired");
        throw new InvalidTokenError("verification failed");
      }
    },
  };
}
