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
  /** Verifies signature (HS256 only), issuer, audience, expiry and type. Throws InvalidTokenError. */
  verify(token: string, expected: TokenType): Promise<TokenClaims>;
}

export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(`invalid token: ${reason}`);
    this.name = "InvalidTokenError";
  }
}

export function createTokenSigner(secret: string): TokenSigner {
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
      try {
        // Pinning the algorithm list is what rejects `alg: none` and RS/HS confusion.
        const { payload } = await jwtVerify(token, await key, {
          algorithms: [ALGORITHM],
          issuer: ISSUER,
          audience: AUDIENCE,
        });
        const userId = Number(payload.sub);
        if (!Number.isSafeInteger(userId) || userId <= 0) throw new InvalidTokenError("bad subject");
        if (typeof payload.sid !== "string" || typeof payload.jti !== "string")
          throw new InvalidTokenError("missing claims");
        if (payload.typ !== expected) throw new InvalidTokenError(`expected a ${expected} token`);
        return {
          userId,
          sessionId: payload.sid,
          role: payload.role as UserRole,
          type: expected,
          jti: payload.jti,
          expiresAt: payload.exp ?? 0,
        };
      } catch (err) {
        if (err instanceof InvalidTokenError) throw err;
        if (err instanceof joseErrors.JWTExpired) throw new InvalidTokenError("expired");
        throw new InvalidTokenError("verification failed");
      }
    },
  };
}
