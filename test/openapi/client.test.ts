import { afterAll, beforeAll, expect, test } from "bun:test";
import { hc, type InferRequestType, type InferResponseType } from "hono/client";
import type { AppType } from "../../src/app";
import { createTestApp, type TestApp } from "../helpers/app";
import { makeCases, resetData, seedStandards } from "../helpers/case-data";
import { makeCourtTree, makeUser } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { login } from "../helpers/http";

// The dashboard's typed client. `bun run typecheck` compiles this file: the type-level assertions
// below fail the build if AppType stops carrying the routes, their inputs or their JSON bodies.

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

type Client = ReturnType<typeof hc<AppType>>;
type CourtsOk = InferResponseType<Client["api"]["courts"]["$get"], 200>;
type CaseOk = InferResponseType<Client["api"]["cases"][":id"]["$get"], 200>;
type CasesQuery = InferRequestType<Client["api"]["cases"]["$get"]>["query"];
type PutStandard = InferRequestType<Client["api"]["time-standards"][":caseType"]["$put"]>;

export type TypedClientAssertions = [
  Expect<Equal<CourtsOk["data"][number]["code"], string>>,
  Expect<Equal<CourtsOk["nextCursor"], string | null>>,
  Expect<Equal<CaseOk["ageDays"], number | null>>,
  Expect<
    Equal<
      CaseOk["standard"] extends infer S ? (S extends { status: infer X } ? X : never) : never,
      "over" | "within" | null
    >
  >,
  Expect<
    Equal<NonNullable<CasesQuery["sort"]>, "filedOn" | "-filedOn" | "ageDays" | "-ageDays" | "caseNumber">
  >,
  Expect<Equal<PutStandard["json"]["tiers"][number], { percent: number; days: number }>>,
];

describePgRedis("typed client (hc<AppType>)", () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await createTestApp();
    await resetData(t);
    const db = t.deps.db.db;
    await seedStandards(db);
    const tree = await makeCourtTree(db);
    await makeCases(db, [
      { courtId: tree.d1.id, caseNumber: "HC-1", caseType: "felony", filedOn: "2025-01-02" },
    ]);
    await makeUser(db, { email: "admin@x.org", role: "admin" });
    token = (await login(t, "admin@x.org")).accessToken;
  });
  afterAll(async () => {
    await t.close();
  });

  const client = () =>
    hc<AppType>("http://courtflow.test", {
      headers: { authorization: `Bearer ${token}` },
      // Straight into the app, no network.
      fetch: (input: Request | string | URL, init?: RequestInit) => t.app.request(input, init),
    });

  test("typed calls reach the real routes and return typed bodies", async () => {
    const api = client().api;
    const courts = await api.courts.$get({ query: { level: "trial", limit: "10" } });
    expect(courts.status).toBe(200);
    if (courts.status !== 200) return;
    const body = await courts.json();
    expect(body.data.map((c) => c.code)).toEqual(["D1", "D2"]);

    const cases = await api.cases.$get({ query: { search: "hc-", sort: "caseNumber" } });
    if (cases.status !== 200) throw new Error(`unexpected ${cases.status}`);
    const list = await cases.json();
    const first = list.data[0]!;
    const detail = await api.cases[":id"].$get({ param: { id: String(first.id) } });
    if (detail.status !== 200) throw new Error(`unexpected ${detail.status}`);
    const one = await detail.json();
    expect(one.caseNumber).toBe("HC-1");
    expect(one.court.code).toBe("D1");

    // Wrong inputs do not compile.
    // @ts-expect-error level must be one of the court levels
    void api.courts.$get({ query: { level: "county" } });
    const missingPercent = { param: { caseType: "felony" as const }, json: { tiers: [{ days: 3 }] } };
    // @ts-expect-error tiers need percent and days
    void api["time-standards"][":caseType"].$put(missingPercent);
  });
});
