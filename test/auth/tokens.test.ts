import { afterAll, beforeAll, expect, test } from "bun:test";
import { SignJWT } from "jose";
import { createTestApp, type TestApp } from "../helpers/app";
import { resetDb, resetRedis } from "../helpers/db";
import { makeUser } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { call, login } from "../helpers/http";

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

describePgRedis("token verification", () => {
  let t: TestApp;
  let good: { accessToken: string };
  let claims: Record<string, unknown>;
  const secret = () => new TextEncoder().encode(t.deps.config.jwtSecret);

  async function forge(overrides: Record<string, unknown>, key = secret(), alg = "HS256") {
    const { iat: _iat, exp, ...rest } = claims;
    return new SignJWT({ ...rest, ...overrides })
      .setProtectedHeader({ alg })
      .setIssuedAt()
      .setExpirationTime((overrides.exp as number | undefined) ?? (exp as number))
      .sign(key);
  }

  /** The genuine claims re-signed with the real secret, minus `drop` (no setIssuedAt/setExpirationTime). */
  async function forgeWithout(drop: "exp" | "iat", extra: Record<string, unknown> = {}) {
    const { [drop]: _dropped, ...rest } = claims;
    return new SignJWT({ ...rest, ...extra }).setProtectedHeader({ alg: "HS256" }).sign(secret());
  }

  beforeAll(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: "true", LOGIN_RATE_LIMIT_PER_MIN: "1000" } });
    await resetDb(t.deps.db.db);
    await resetRedis(t.deps.redis);
    await makeUser(t.deps.db.db, { email: "a@example.org", role: "admin" });
    good = await login(t, "a@example.org");
    claims = JSON.parse(Buffer.from(good.accessToken.split(".")[1]!, "base64url").toString());
  });
  afterAll(async () => {
    await t.close();
  });

  test("the genuine token carries the documented claims and works", async () => {
    expect(claims).toMatchObject({
      iss: "courtflow",
      aud: "courtflow-dashboard",
      role: "admin",
      typ: "access",
    });
    for (const k of ["sub", "sid", "iat", "exp", "jti"]) expect(claims[k]).toBeDefined();
    expect((await call(t, "GET", "/api/auth/me", { token: good.accessToken })).status).toBe(200);
    // and a re-signed copy with the same secret is accepted, which proves the forgeries below fail for their flaw only
    expect((await call(t, "GET", "/api/auth/me", { token: await forge({}) })).status).toBe(200);
  });

  const forgeries: [string, () => Promise<string>][] = [
    [
      "tampered payload",
      async () => {
        const [h, , s] = good.accessToken.split(".");
        return `${h}.${b64url({ ...claims, role: "admin", sub: "999" })}.${s}`;
      },
    ],
    ["alg: none", async () => `${b64url({ alg: "none", typ: "JWT" })}.${b64url(claims)}.`],
    [
      "signed with another secret",
      () => forge({}, new TextEncoder().encode("another-secret-another-secret-another!")),
    ],
    ["HS512 instead of HS256", () => forge({}, secret(), "HS512")],
    ["expired", () => forge({ exp: Math.floor(Date.now() / 1000) - 10 })],
    ["wrong issuer", () => forge({ iss: "someone-else" })],
    ["wrong audience", () => forge({ aud: "another-app" })],
    ["unknown session", () => forge({ sid: "no-such-session" })],
    ["another user's subject on this session", () => forge({ sub: "424242" })],
    ["garbage", async () => "not.a.token"],
    // Signed with the real secret, so only the missing claim can be the reason for the refusal.
    ["no exp claim (would never expire)", () => forgeWithout("exp")],
    ["no iat claim", () => forgeWithout("iat")],
    ["iat an hour in the future", () => forgeWithout("iat", { iat: Math.floor(Date.now() / 1000) + 3600 })],
  ];

  for (const [name, make] of forgeries) {
    test(`${name} → 401`, async () => {
      const res = await call(t, "GET", "/api/auth/me", { token: await make() });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("UNAUTHENTICATED");
    });
  }

  test("a token of a revoked session → 401", async () => {
    const other = await login(t, "a@example.org");
    expect((await call(t, "POST", "/api/auth/logout", { token: other.accessToken })).status).toBe(200);
    expect((await call(t, "GET", "/api/auth/me", { token: other.accessToken })).status).toBe(401);
  });

  test("no Authorization header, or not a Bearer one → 401", async () => {
    expect((await call(t, "GET", "/api/auth/me")).status).toBe(401);
    expect((await call(t, "GET", "/api/auth/me", { headers: { authorization: "Basic YTpi" } })).status).toBe(
      401,
    );
  });
});
