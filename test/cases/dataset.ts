import { TIME_STANDARDS } from "../../src/db/reference/time-standards";
import type { Court } from "../../src/db/schema";
import { CASE_TYPES, type CaseStatus, type CaseType, type Disposition } from "../../src/db/schema/enums";
import { createPrng } from "../../src/db/seed/prng";
import { addDays, todayIso } from "../../src/lib/dates";
import { caseAgeAt } from "../../src/modules/cases/cases.age";
import type { CaseSpec, EventSpec } from "../helpers/case-data";

// A small, seeded case population with every shape the list must handle (filed, inactive and
// reactivated, disposed, reopened, several events on one day), and the expectations the tests
// compute from it with the rules of docs/measures.md, independently of the SQL.

export interface Expected {
  id: number;
  courtId: number;
  caseNumber: string;
  caseType: CaseType;
  filedOn: string;
  status: CaseStatus;
  judgeId: number | null;
  disposedOn: string | null;
  ageDays: number | null;
  ageBase: string | null;
  overStandard: boolean | null;
}

const CASE_PREFIX: Record<CaseType, string> = {
  felony: "CR",
  misdemeanor: "Mi",
  traffic: "tr",
  civil_general: "CV",
  civil_summary: "cs",
  domestic_relations: "DR",
  juvenile_detained: "JD",
  juvenile_not_detained: "jn",
  probate: "PR",
  protection_order: "PO",
  post_conviction: "PC",
};

/** Specs for `n` cases spread over the courts and judges given. */
export function generateCases(n: number, courts: Court[], judgeIds: number[], seed = 7): CaseSpec[] {
  const rng = createPrng(seed);
  const today = todayIso();
  const specs: CaseSpec[] = [];
  for (let i = 0; i < n; i++) {
    const court = rng.pick(courts);
    const caseType = rng.pick(CASE_TYPES);
    const filedOn = addDays(today, -rng.int(0, 900));
    const events: EventSpec[] = [{ type: "filed", on: filedOn }];
    let cursor = filedOn;
    const step = (max: number) => {
      const next = addDays(cursor, rng.int(0, max));
      // Never in the future: status events are dated on or before the extract.
      if (next > today) cursor = today;
      else cursor = next;
      return cursor;
    };
    let status: CaseStatus = "active";
    let disposedOn: string | null = null;
    let disposition: Disposition | null = null;
    if (rng.chance(0.3)) {
      events.push({ type: "placed_inactive", on: step(120) });
      status = "inactive";
      if (rng.chance(0.6)) {
        events.push({ type: "reactivated", on: step(90) });
        status = "active";
      }
    }
    if (rng.chance(0.2))
      events.push({ type: "hearing", on: step(60), outcome: "held", notes: "=cmd|' /C calc'!A0" });
    if (status === "active" && rng.chance(0.35)) {
      disposedOn = step(200);
      events.push({ type: "disposed", on: disposedOn });
      disposition = rng.pick(["plea", "dismissed", "jury_trial", "settled"] as const);
      status = "disposed";
      if (rng.chance(0.25)) {
        events.push({ type: "reopened", on: step(100) });
        status = "active";
      }
    }
    specs.push({
      courtId: court.id,
      caseNumber: `${court.code}-${filedOn.slice(0, 4)}-${CASE_PREFIX[caseType]}-${String(i).padStart(5, "0")}`,
      caseType,
      filedOn,
      status,
      judgeId: rng.chance(0.85) ? rng.pick(judgeIds) : null,
      disposedOn: status === "disposed" ? disposedOn : null,
      disposition: status === "disposed" ? disposition : null,
      events,
    });
  }
  return specs;
}

/** What the API should say about each case today, from the rules of docs/measures.md in TypeScript. */
export function expectationsOf(specs: CaseSpec[], ids: number[]): Expected[] {
  const today = todayIso();
  return specs.map((s, i) => {
    const statusEvents = (s.events ?? [])
      .filter((e) => ["filed", "reopened", "reactivated", "placed_inactive", "disposed"].includes(e.type))
      .map((e) => ({ type: e.type as "filed", on: e.on }));
    const age = caseAgeAt(statusEvents, today);
    const maxDays = Math.max(...TIME_STANDARDS[s.caseType].map((t) => t.days));
    return {
      id: ids[i]!,
      courtId: s.courtId,
      caseNumber: s.caseNumber,
      caseType: s.caseType,
      filedOn: s.filedOn,
      status: s.status ?? "active",
      judgeId: s.judgeId ?? null,
      disposedOn: s.disposedOn ?? null,
      ageDays: age.ageDays,
      ageBase: age.ageDays === null ? null : addDays(today, -age.ageDays),
      overStandard: age.ageDays === null ? null : age.ageDays > maxDays,
    };
  });
}

const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);

/** The order each sort promises. */
export function sortExpected(rows: Expected[], sort: string): Expected[] {
  const copy = [...rows];
  switch (sort) {
    case "filedOn":
      return copy.sort((a, b) => cmp(a.filedOn, b.filedOn) || a.id - b.id);
    case "-filedOn":
      return copy.sort((a, b) => cmp(b.filedOn, a.filedOn) || b.id - a.id);
    case "caseNumber":
      return copy.sort((a, b) => cmp(a.caseNumber.toLowerCase(), b.caseNumber.toLowerCase()) || a.id - b.id);
    case "ageDays":
    case "-ageDays": {
      const aged = copy.filter((r) => r.ageDays !== null);
      const rest = copy.filter((r) => r.ageDays === null).sort((a, b) => a.id - b.id);
      aged.sort((a, b) =>
        sort === "ageDays"
          ? cmp(b.ageBase!, a.ageBase!) || b.id - a.id
          : cmp(a.ageBase!, b.ageBase!) || a.id - b.id,
      );
      return [...aged, ...rest];
    }
    default:
      throw new Error(`unknown sort ${sort}`);
  }
}
