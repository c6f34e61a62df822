import { sql } from "drizzle-orm";
import type { TestApp } from "../helpers/app";
import { makeAssignment, makeCases, makeJudge, resetData } from "../helpers/case-data";
import { makeCourt, makeCourtTree, makeUser } from "../helpers/factories";
import { login } from "../helpers/http";

/**
 * STATE → D1 (→ D1-L), D2 (→ D2-OLD, inactive); judges at home and on assignment in D1; a case of
 * each status under D1; tokens for an admin, D1's court admin, a D2 viewer and an analyst.
 */
export async function setUpCourts(t: TestApp) {
  const tokens: Record<string, string> = {};
  await resetData(t);
  const db = t.deps.db.db;
  const tree = await makeCourtTree(db);
  await makeCourt(db, { code: "D2-OLD", level: "limited", parentId: tree.d2.id });
  await db.execute(sql`update courts set active = false where code = 'D2-OLD'`);
  const home = await makeJudge(db, { code: "J-HOME", courtId: tree.d1.id, name: "Home Judge" });
  const visiting = await makeJudge(db, { code: "J-VISIT", courtId: tree.d2.id, name: "Visiting Judge" });
  await makeJudge(db, { code: "J-GONE", courtId: tree.d1.id, active: false });
  await makeAssignment(db, { judgeId: visiting.id, courtId: tree.d1.id, startsOn: "2020-01-01" });
  await makeCases(db, [
    { courtId: tree.d1.id, caseNumber: "A-1", caseType: "felony", filedOn: "2025-01-01", judgeId: home.id },
    {
      courtId: tree.d1l.id,
      caseNumber: "A-2",
      caseType: "traffic",
      filedOn: "2025-01-01",
      status: "inactive",
    },
    {
      courtId: tree.d1l.id,
      caseNumber: "A-3",
      caseType: "traffic",
      filedOn: "2025-01-01",
      status: "disposed",
      disposedOn: "2025-02-01",
    },
    { courtId: tree.d2.id, caseNumber: "B-1", caseType: "felony", filedOn: "2025-01-01" },
  ]);
  await makeUser(db, { email: "admin@x.org", role: "admin" });
  await makeUser(db, { email: "ca@x.org", role: "court_admin", courtId: tree.d1.id });
  await makeUser(db, { email: "viewer@x.org", role: "viewer", courtId: tree.d2.id });
  await makeUser(db, { email: "analyst@x.org", role: "analyst" });
  for (const who of ["admin", "ca", "viewer", "analyst"])
    tokens[who] = (await login(t, `${who}@x.org`)).accessToken;
  return { tree, tokens };
}

export const codes = (body: { data: { code: string }[] }) => body.data.map((c) => c.code);
