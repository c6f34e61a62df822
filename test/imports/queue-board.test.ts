import { afterAll, beforeAll, expect, test } from "bun:test";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePgRedis } from "../helpers/guards";
import { expectError } from "../helpers/http";
import { type ImportWorld, setupWorld } from "./helpers";

/** Real logins (argon2), uploads and processing on a shared 2-core machine. */
const SLOW = 60_000;

describePgRedis("bull-board at /admin/queues: admins only, by bearer token or a short-lived cookie", () => {
  let t: TestApp;
  let w: ImportWorld;
  beforeAll(async () => {
    t = await createTestApp({ env: { API_RATE_LIMIT_PER_MIN: "100000" } });
    w = await setupWorld(t);
  }, SLOW);
  afterAll(async () => {
    await t.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) => t.app.request(path, { headers });

  test(
    "no credentials 401, a non-admin 403, an admin's bearer token 200 (the UI page)",
    async () => {
      expect((await get("/admin/queues")).status).toBe(401);
      await expectError(
        await get("/admin/queues", { authorization: `Bearer ${w.tokens.analyst}` }),
        403,
        "FORBIDDEN",
      );
      const res = await get("/admin/queues", { authorization: `Bearer ${w.tokens.admin}` });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(await res.text()).toContain("CourtFlow queues");
    },
    SLOW,
  );

  test(
    "the board cookie: set by an admin, HttpOnly and SameSite=Strict on /admin/queues, opens the board and its API",
    async () => {
      await expectError(
        await t.app.request("/api/system/queues/board-session", {
          method: "POST",
          headers: { authorization: `Bearer ${w.tokens.analyst}` },
        }),
        403,
        "FORBIDDEN",
      );
      const res = await t.app.request("/api/system/queues/board-session", {
        method: "POST",
        headers: { authorization: `Bearer ${w.tokens.admin}` },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ url: "/admin/queues", expiresIn: 900 });
      const setCookie = res.headers.get("set-cookie")!;
      expect(setCookie).toMatch(
        /^cf_board=[^;]+; Path=\/admin\/queues; Max-Age=900; HttpOnly; SameSite=Strict$/,
      );
      const cookie = setCookie.split(";")[0]!;
      expect((await get("/admin/queues", { cookie })).status).toBe(200);
      // The UI's own files come through the same gate.
      expect((await get("/admin/queues/static/images/logo.svg", { cookie })).status).toBe(200);
      expect((await get("/admin/queues/static/images/logo.svg")).status).toBe(401);
      const api = await get("/admin/queues/api/queues", { cookie });
      expect(api.status).toBe(200);
      const names = ((await api.json()) as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
      expect(names).toEqual(["imports", "maintenance", "measures"]);
      // Tampered: refused.
      const forged = `${cookie.slice(0, -3)}abc`;
      expect((await get("/admin/queues", { cookie: forged })).status).toBe(401);
      // The session ends (logout): the cookie stops working at once.
      await t.app.request("/api/auth/logout", {
        method: "POST",
        headers: { authorization: `Bearer ${w.tokens.admin}` },
      });
      expect((await get("/admin/queues", { cookie })).status).toBe(401);
    },
    SLOW,
  );
});
