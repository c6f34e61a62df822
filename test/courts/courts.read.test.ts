import { afterAll, beforeAll, expect, test } from "bun:test";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePgRedis } from "../helpers/guards";
import { call, expectError } from "../helpers/http";
import { codes, setUpCourts } from "./fixture";

describePgRedis("courts: reading", () => {
  let t: TestApp;
  let tokens: Record<string, string>;
  let tree: Awaited<ReturnType<typeof setUpCourts>>["tree"];

  beforeAll(async () => {
    t = await createTestApp({ env: { API_RATE_LIMIT_PER_MIN: "100000" } });
    ({ tree, tokens } = await setUpCourts(t));
  });
  afterAll(async () => {
    await t.close();
  });

  test("list: every court by code for an admin; filters level, active and search", async () => {
    const all = await call(t, "GET", "/api/courts", { token: tokens.admin });
    expect(all.status).toBe(200);
    expect(codes(all.body)).toEqual(["D1", "D1-L", "D2", "D2-OLD", "STATE"]);
    expect(all.body.nextCursor).toBeNull();
    expect(codes((await call(t, "GET", "/api/courts?level=trial", { token: tokens.admin })).body)).toEqual([
      "D1",
      "D2",
    ]);
    expect(codes((await call(t, "GET", "/api/courts?active=false", { token: tokens.admin })).body)).toEqual([
      "D2-OLD",
    ]);
    expect(codes((await call(t, "GET", "/api/courts?search=d1", { token: tokens.admin })).body)).toEqual([
      "D1",
      "D1-L",
    ]);
    expect(
      codes((await call(t, "GET", "/api/courts?search=court%20state", { token: tokens.admin })).body),
    ).toEqual(["STATE"]);
  });

  test("list pages with an opaque cursor", async () => {
    const first = await call(t, "GET", "/api/courts?limit=2", { token: tokens.admin });
    expect(codes(first.body)).toEqual(["D1", "D1-L"]);
    const second = await call(t, "GET", `/api/courts?limit=2&cursor=${first.body.nextCursor}`, {
      token: tokens.admin,
    });
    expect(codes(second.body)).toEqual(["D2", "D2-OLD"]);
    const third = await call(t, "GET", `/api/courts?limit=2&cursor=${second.body.nextCursor}`, {
      token: tokens.admin,
    });
    expect(codes(third.body)).toEqual(["STATE"]);
    expect(third.body.nextCursor).toBeNull();
    const bad = await call(t, "GET", "/api/courts?cursor=zzz", { token: tokens.admin });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("query.cursor");
  });

  test("scope: a court admin of D1 sees D1's subtree; a D2 viewer sees D2's", async () => {
    expect(codes((await call(t, "GET", "/api/courts", { token: tokens.ca })).body)).toEqual(["D1", "D1-L"]);
    expect(codes((await call(t, "GET", "/api/courts", { token: tokens.viewer })).body)).toEqual([
      "D2",
      "D2-OLD",
    ]);
    await expectError(
      await call(t, "GET", `/api/courts/${tree.d2.id}`, { token: tokens.ca }),
      404,
      "NOT_FOUND",
    );
    await expectError(
      await call(t, "GET", `/api/courts/${tree.state.id}`, { token: tokens.viewer }),
      404,
      "NOT_FOUND",
    );
  });

  test("tree: nested for an admin, rooted at the user's court for scoped roles", async () => {
    const res = await call(t, "GET", "/api/courts/tree", { token: tokens.admin });
    expect(res.status).toBe(200);
    const strip = (n: { code: string; children: unknown[] }): unknown => ({
      code: n.code,
      children: (n.children as { code: string; children: unknown[] }[]).map(strip),
    });
    expect(res.body.data.map(strip)).toEqual([
      {
        code: "STATE",
        children: [
          { code: "D1", children: [{ code: "D1-L", children: [] }] },
          { code: "D2", children: [{ code: "D2-OLD", children: [] }] },
        ],
      },
    ]);
    const scoped = await call(t, "GET", "/api/courts/tree", { token: tokens.ca });
    expect(scoped.body.data.map(strip)).toEqual([{ code: "D1", children: [{ code: "D1-L", children: [] }] }]);
    const csv = await call(t, "GET", "/api/courts/tree?format=csv", { token: tokens.admin });
    expect(String(csv.body).split("\r\n").slice(0, 3)).toEqual([
      "id,code,name,level,parent_id,depth,path,active",
      `${tree.state.id},STATE,Court STATE,supreme,,0,STATE,true`,
      `${tree.d1.id},D1,Court D1,trial,${tree.state.id},1,STATE/D1,true`,
    ]);
  });

  test("detail: children, current judges (home and assigned) and case counts over the subtree", async () => {
    const res = await call(t, "GET", `/api/courts/${tree.d1.id}`, { token: tokens.admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      code: "D1",
      parent: { id: tree.state.id, code: "STATE" },
      caseCounts: { active: 1, inactive: 1, disposed: 1 },
    });
    expect(res.body.children.map((c: { code: string }) => c.code)).toEqual(["D1-L"]);
    expect(res.body.judges.map((j: { code: string; via: string }) => [j.code, j.via])).toEqual([
      ["J-HOME", "home"],
      ["J-VISIT", "assignment"],
    ]);
    // The court admin's own root shows no parent: it lies outside their scope.
    const own = await call(t, "GET", `/api/courts/${tree.d1.id}`, { token: tokens.ca });
    expect(own.body.parent).toBeNull();
  });

  test("list as CSV matches the JSON", async () => {
    const res = await call(t, "GET", "/api/courts", { token: tokens.admin, headers: { accept: "text/csv" } });
    expect(res.headers.get("content-type")).toStartWith("text/csv");
    const lines = String(res.body).trimEnd().split("\r\n");
    expect(lines[0]).toBe("id,code,name,level,parent_id,active,created_at,updated_at");
    expect(lines.slice(1).map((l) => l.split(",")[1])).toEqual(["D1", "D1-L", "D2", "D2-OLD", "STATE"]);
  });
});
