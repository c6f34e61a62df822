import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createTokenSigner, InvalidTokenError } from "../../src/auth/tokens";
import { createTestApp, type TestApp } from "../helpers/app";
import { resetDb, resetRedis } from "../helpers/db";
import { makeUser } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { call, login } from "../helpers/http";

const SECRET = "token-cache-test-secret-0123456789abcdef";
const subject = { userId: 7, sessionId: "s".repeat(43), role: "viewer" as const };

// Counts the HMAC checks WebCrypto performs (jose verifies through crypto.subtle.verify).
const realVerify = crypto.subtle.verify.bind(crypto.subtle);
let hmacChecks = 0;
function countHmacChecks(): void {
  hmacChecks = 0;
  crypto.subtle.verify = ((...args: Parameters<SubtleCrypto["verify"]>) => {
    hmacChecks++;
    return realVerify(...args);
  }) as SubtleCrypto["verify"];
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => null,
    (err) => err,
  );
}

describe("verified-token cache", () => {
  afterEach(() => {
    crypto.subtle.verify = realVerify;
  });

  test("a token presented again is not HMAC-checked again, and gives the same claims", async () => {
    const signer = createTokenSigner(SECRET);
    const { token } = await signer.sign({ ...subject, type: "access", ttlSeconds: 60 });
    countHmacChecks();
    const first = await signer.verify(token, "access");
    const second = await signer.verify(token, "access");
    expect(hmacChecks).toBe(1);
    expect(second).toEqual(first);
    expect(second).toMatchObject({ userId: 7, sessionId: subject.sessionId, role: "viewer", type: "access" });
  });

  test("a cached token is refused from the second its exp is reached", async () => {
    let now = Date.now();
    const signer = createTokenSigner(SECRET, { now: () => now });
    const { token } = await signer.sign({ ...subject, type: "access", ttlSeconds: 30 });
    const claims = await signer.verify(token, "access");
    now = claims.expiresAt * 1000 - 1;
    expect((await signer.verify(token, "access")).userId).toBe(7);
    now = claims.expiresAt * 1000;
    const err = await rejection(signer.verify(token, "access"));
    expect(err).toBeInstanceOf(InvalidTokenError);
    expect((err as InvalidTokenError).reason).toBe("expired");
  });

  test("a cached access token is still not a refresh token, nor the reverse", async () => {
    const signer = createTokenSigner(SECRET);
    const access = await signer.sign({ ...subject, type: "access", ttlSeconds: 60 });
    const refresh = await signer.sign({ ...subject, type: "refresh", ttlSeconds: 60 });
    await signer.verify(access.token, "access");
    await signer.verify(refresh.token, "refresh");
    expect(await rejection(signer.verify(access.token, "refresh"))).toBeInstanceOf(InvalidTokenError);
    expect(await rejection(signer.verify(refresh.token, "access"))).toBeInstanceOf(InvalidTokenError);
  });

  test("only verified text is remembered: an altered copy of a cached token is checked and refused", async () => {
    const signer = createTokenSigner(SECRET);
    const { token } = await signer.sign({ ...subject, type: "access", ttlSeconds: 60 });
    await signer.verify(token, "access");
    const [h, p, s] = token.split(".");
    const payload = JSON.parse(Buffer.from(p!, "base64url").toString());
    const forged = [h, Buffer.from(JSON.stringify({ ...payload, sub: "1" })).toString("base64url"), s].join(
      ".",
    );
    const flipped = `${token.slice(0, -2)}${token.at(-2) === "A" ? "B" : "A"}${token.at(-1)}`;
    countHmacChecks();
    for (const bad of [forged, flipped]) {
      expect(await rejection(signer.verify(bad, "access"))).toBeInstanceOf(InvalidTokenError);
      // Refused twice: a failure is never cached as a success.
      expect(await rejection(signer.verify(bad, "access"))).toBeInstanceOf(InvalidTokenError);
    }
    expect(hmacChecks).toBe(4);
    // Another signer's (another secret's) tokens are not this cache's.
    const other = await createTokenSigner(`${SECRET}-other`).sign({
      ...subject,
      type: "access",
      ttlSeconds: 60,
    });
    expect(await rejection(signer.verify(other.token, "access"))).toBeInstanceOf(InvalidTokenError);
  });

  test("bounded: past its size the oldest token is forgotten and checked in full again", async () => {
    const signer = createTokenSigner(SECRET, { cacheSize: 2 });
    const tokens = await Promise.all(
      [1, 2, 3].map(
        async (userId) => (await signer.sign({ ...subject, userId, type: "access", ttlSeconds: 60 })).token,
      ),
    );
    for (const token of tokens) await signer.verify(token, "access");
    countHmacChecks();
    await signer.verify(tokens[2]!, "access");
    await signer.verify(tokens[1]!, "access");
    expect(hmacChecks).toBe(0);
    await signer.verify(tokens[0]!, "access");
    expect(hmacChecks).toBe(1);
  });
});

describePgRedis("verified-token cache in the app: revocation still acts at once", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: "true", LOGIN_RATE_LIMIT_PER_MIN: "1000" } });
    await resetDb(t.deps.db.db);
    await resetRedis(t.deps.redis);
    await makeUser(t.deps.db.db, { email: "cached@example.org", role: "analyst" });
  });
  afterAll(async () => {
    await t.close();
  });

  test("a token used (and cached) a moment ago is refused right after logout, revoke and logout-all", async () => {
    for (const end of ["logout", "logout-all", "revoke"] as const) {
      const s = await login(t, "cached@example.org");
      for (let i = 0; i < 3; i++)
        expect((await call(t, "GET", "/api/auth/me", { token: s.accessToken })).status).toBe(200);
      if (end === "revoke") {
        // From a second session, as a user revoking a lost device would.
        const other = await login(t, "cached@example.org");
        const list = await call(t, "GET", "/api/auth/sessions", { token: other.accessToken });
        const target = (list.body.data ?? list.body).find((x: { current: boolean }) => !x.current);
        const revoked = await call(t, "DELETE", `/api/auth/sessions/${target.id}`, {
          token: other.accessToken,
        });
        expect(revoked.status).toBeLessThan(300);
      } else {
        expect((await call(t, "POST", `/api/auth/${end}`, { token: s.accessToken })).status).toBeLessThan(
          300,
        );
      }
      const after = await call(t, "GET", "/api/auth/me", { token: s.accessToken });
      expect(after.status).toBe(401);
      expect(after.body.error.code).toBe("UNAUTHENTICATED");
    }
  });
});
