// The hand-made fixture of test/measures/measures.test.ts: 44 cases whose every figure is worked out
// by hand there. Dates are chosen so that the arithmetic can be checked on a calendar; 2024 is a
// leap year (February has 29 days), which several cases rely on.
//
// Courts: 1 STATE → 2 D1 → 4 D1-L, and 1 → 3 D2. Judges: 1 J1 (D1), 2 J2 (D2), 3 J3 (D1-L).
// Standards: felony 75%/90 90%/180 98%/365; misdemeanor 75%/60 90%/90 98%/180;
// civil_general 75%/180 90%/365 98%/540; probate has none.
import type { Fixture, FixtureActivity, FixtureCase } from "./targets";

type Ev = [type: FixtureActivity["type"], on: string, outcome?: FixtureActivity["outcome"]];

function c(
  id: number,
  caseType: FixtureCase["caseType"],
  courtId: number,
  judgeId: number | null,
  disposition: FixtureCase["disposition"],
  events: Ev[],
): { kase: FixtureCase; events: FixtureActivity[] } {
  const filed = events.find(([t]) => t === "filed")![1];
  return {
    kase: { id, caseType, courtId, judgeId, disposition, filedOn: filed },
    events: events.map(([type, occurredOn, outcome]) => ({
      caseId: id,
      type,
      occurredOn,
      outcome: outcome ?? null,
    })),
  };
}

const CASES = [
  // Felony, D1, J1: plain filed → disposed.
  c(1, "felony", 2, 1, "plea", [
    ["filed", "2024-01-01"],
    ["disposed", "2024-01-31"],
  ]),
  c(2, "felony", 2, 1, "plea", [
    ["filed", "2024-01-10"],
    ["disposed", "2024-03-10"],
  ]),
  c(3, "felony", 2, 1, "dismissed", [
    ["filed", "2023-12-01"],
    ["disposed", "2024-02-29"],
  ]),
  c(4, "felony", 2, 1, "plea", [
    ["filed", "2023-10-01"],
    ["disposed", "2024-04-01"],
  ]),
  c(5, "felony", 2, 1, "plea", [
    ["filed", "2023-06-30"],
    ["disposed", "2024-06-30"],
  ]),
  c(6, "felony", 2, 1, null, [
    ["filed", "2024-02-01"],
    ["disposed", "2024-07-01"],
  ]),
  // Felony, D1-L, J3: inactive periods.
  c(7, "felony", 4, 3, "plea", [
    ["filed", "2024-01-05"],
    ["placed_inactive", "2024-02-01"],
    ["reactivated", "2024-03-01"],
    ["disposed", "2024-04-15"],
  ]),
  c(8, "felony", 4, 3, null, [
    ["filed", "2023-11-01"],
    ["placed_inactive", "2024-01-15"],
  ]),
  c(9, "felony", 4, 3, null, [
    ["filed", "2024-03-01"],
    ["placed_inactive", "2024-04-01"],
    ["reactivated", "2024-05-01"],
  ]),
  c(10, "felony", 4, 3, "dismissed", [
    ["filed", "2023-05-01"],
    ["placed_inactive", "2023-06-01"],
    ["disposed", "2024-02-15"],
  ]),
  // Misdemeanor, D2, J2: reopenings.
  c(11, "misdemeanor", 3, 2, "plea", [
    ["filed", "2023-03-01"],
    ["disposed", "2023-06-01"],
    ["reopened", "2024-02-01"],
    ["disposed", "2024-03-02"],
  ]),
  c(12, "misdemeanor", 3, 2, "plea", [
    ["filed", "2023-01-10"],
    ["disposed", "2023-04-10"],
    ["reopened", "2024-05-01"],
  ]),
  c(13, "misdemeanor", 3, 2, "plea", [
    ["filed", "2024-01-20"],
    ["disposed", "2024-02-19"],
    ["reopened", "2024-04-01"],
    ["placed_inactive", "2024-05-01"],
    ["reactivated", "2024-06-01"],
    ["disposed", "2024-06-11"],
  ]),
  // Civil general: trials and their settings.
  c(14, "civil_general", 3, 2, "jury_trial", [
    ["filed", "2023-09-01"],
    ["trial_setting", "2024-01-15", "continued"],
    ["trial_setting", "2024-03-15", "held"],
    ["disposed", "2024-03-20"],
  ]),
  c(15, "civil_general", 3, 2, "bench_trial", [
    ["filed", "2023-10-01"],
    ["trial_setting", "2024-02-01", "held"],
    ["disposed", "2024-02-05"],
  ]),
  c(16, "civil_general", 3, 2, "jury_trial", [
    ["filed", "2023-08-01"],
    ["disposed", "2024-05-01"],
  ]),
  c(17, "civil_general", 3, 2, "bench_trial", [
    ["filed", "2023-06-01"],
    ["trial_setting", "2023-12-01", "continued"],
    ["trial_setting", "2024-01-10", "continued"],
    ["trial_setting", "2024-02-10", "continued"],
    ["trial_setting", "2024-04-10", "held"],
    ["disposed", "2024-04-12"],
  ]),
  c(18, "civil_general", 3, 2, "jury_trial", [
    ["filed", "2023-11-01"],
    ["trial_setting", "2024-03-01", "held"],
    ["trial_setting", "2024-06-01", "vacated"],
    ["trial_setting", "2024-07-15"],
    ["disposed", "2024-06-30"],
  ]),
  c(19, "civil_general", 3, 2, "jury_trial", [
    ["filed", "2023-12-15"],
    ["trial_setting", "2024-06-20", "continued"],
    ["disposed", "2024-07-01"],
  ]),
  c(20, "civil_general", 3, 2, "settled", [
    ["filed", "2023-11-20"],
    ["trial_setting", "2024-02-20", "cancelled"],
    ["disposed", "2024-03-01"],
  ]),
  c(21, "civil_general", 2, 1, "jury_trial", [
    ["filed", "2023-10-15"],
    ["trial_setting", "2024-01-05", "continued"],
    ["trial_setting", "2024-02-05", "continued"],
    ["trial_setting", "2024-03-05", "held"],
    ["disposed", "2024-03-06"],
  ]),
  c(22, "civil_general", 2, 1, "jury_trial", [
    ["filed", "2023-12-01"],
    ["trial_setting", "2024-01-10", "held"],
    ["disposed", "2024-01-12"],
    ["reopened", "2024-02-01"],
    ["trial_setting", "2024-03-01", "held"],
    ["disposed", "2024-03-05"],
  ]),
  // Hearings.
  c(23, "misdemeanor", 2, 1, null, [
    ["filed", "2024-02-01"],
    ["hearing", "2024-02-15", "held"],
    ["motion", "2024-03-01"],
    ["hearing", "2024-03-15", "continued"],
    ["hearing", "2024-04-15", "continued"],
    ["hearing", "2024-05-15"],
  ]),
  c(24, "probate", 3, null, null, [
    ["filed", "2022-01-01"],
    ["hearing", "2023-12-31", "held"],
    ["continuance", "2024-03-01"],
    ["hearing", "2024-06-30", "continued"],
    ["hearing", "2024-07-01", "continued"],
  ]),
  // Boundaries of from (2024-01-01), to and asOf (2024-06-30).
  c(25, "felony", 3, 2, null, [
    ["filed", "2023-12-31"],
    ["disposed", "2024-07-01"],
  ]),
  c(26, "felony", 3, 2, null, [["filed", "2024-06-30"]]),
  c(27, "felony", 3, 2, null, [["filed", "2024-07-01"]]),
  c(28, "felony", 2, 1, "plea", [
    ["filed", "2022-06-01"],
    ["disposed", "2024-01-01"],
  ]),
  c(29, "felony", 2, 1, null, [["filed", "2023-01-01"]]),
  // Backlog boundaries (misdemeanor: older than 180 days).
  c(30, "misdemeanor", 3, 2, null, [["filed", "2023-12-01"]]),
  c(31, "misdemeanor", 4, 3, null, [["filed", "2024-01-02"]]),
  c(32, "misdemeanor", 4, 3, null, [["filed", "2024-01-01"]]),
  // Age bucket boundaries.
  c(33, "felony", 3, 2, "plea", [
    ["filed", "2024-05-01"],
    ["disposed", "2024-06-30"],
  ]),
  c(34, "felony", 3, 2, null, [["filed", "2024-05-31"]]),
  c(35, "felony", 3, null, null, [["filed", "2024-05-30"]]),
  // Filed and disposed the same day.
  c(36, "felony", 2, 1, "dismissed", [
    ["filed", "2024-03-10"],
    ["disposed", "2024-03-10"],
  ]),
  c(37, "civil_general", 3, 2, null, [
    ["filed", "2023-07-01"],
    ["placed_inactive", "2023-09-01"],
    ["reactivated", "2024-03-01"],
  ]),
  c(38, "civil_general", 2, 1, "settled", [
    ["filed", "2024-04-01"],
    ["disposed", "2024-06-15"],
  ]),
  c(39, "civil_general", 4, null, "settled", [
    ["filed", "2023-01-01"],
    ["disposed", "2024-05-31"],
  ]),
  c(40, "misdemeanor", 2, null, "dismissed", [
    ["filed", "2024-02-10"],
    ["disposed", "2024-03-01"],
  ]),
  c(41, "misdemeanor", 3, 2, "plea", [
    ["filed", "2023-11-15"],
    ["disposed", "2024-01-14"],
  ]),
  c(42, "misdemeanor", 3, 2, "plea", [
    ["filed", "2023-10-01"],
    ["disposed", "2024-01-31"],
  ]),
  c(43, "felony", 3, 2, "plea", [
    ["filed", "2024-06-01"],
    ["disposed", "2024-06-29"],
  ]),
  c(44, "felony", 2, 1, null, [
    ["filed", "2024-04-20"],
    ["trial_setting", "2024-06-25", "continued"],
  ]),
];

export const FIXTURE: Fixture = {
  courts: [
    { id: 1, code: "STATE", level: "supreme", parentId: null },
    { id: 2, code: "D1", level: "trial", parentId: 1 },
    { id: 3, code: "D2", level: "trial", parentId: 1 },
    { id: 4, code: "D1-L", level: "limited", parentId: 2 },
  ],
  judges: [
    { id: 1, code: "J1", name: "Judge One", courtId: 2 },
    { id: 2, code: "J2", name: "Judge Two", courtId: 3 },
    { id: 3, code: "J3", name: "Judge Three", courtId: 4 },
  ],
  cases: CASES.map((x) => x.kase),
  activities: CASES.flatMap((x) => x.events),
  standards: [
    { caseType: "felony", percent: 75, days: 90 },
    { caseType: "felony", percent: 90, days: 180 },
    { caseType: "felony", percent: 98, days: 365 },
    { caseType: "misdemeanor", percent: 75, days: 60 },
    { caseType: "misdemeanor", percent: 90, days: 90 },
    { caseType: "misdemeanor", percent: 98, days: 180 },
    { caseType: "civil_general", percent: 75, days: 180 },
    { caseType: "civil_general", percent: 90, days: 365 },
    { caseType: "civil_general", percent: 98, days: 540 },
  ],
};
