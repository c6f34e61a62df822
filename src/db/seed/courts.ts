import type { CaseType, CourtLevel } from "../schema/enums";
import { isoOf } from "./dates";
import { type Prng, weightedPicker } from "./prng";
import { LIMITED_MIX, TRIAL_MIX } from "./profiles";

// The court hierarchy of one fictional state: a supreme court, three appellate districts, twelve
// trial districts (one per county) and two limited-jurisdiction courts per county. Cases are filed
// only in trial and limited courts; the upper courts exist for the hierarchy filters and their judges.

export interface CourtRow {
  id: number;
  code: string;
  name: string;
  level: CourtLevel;
  parentId: number | null;
}

export interface JudgeRow {
  id: number;
  code: string;
  name: string;
  courtId: number;
  active: boolean;
}

export interface AssignmentRow {
  judgeId: number;
  courtId: number;
  startsOn: string;
  endsOn: string | null;
}

/** A judge's tenure at the court where cases are assigned to them. */
export interface Bench {
  judgeId: number;
  from: number;
  to: number;
}

/** A court that receives filings: its share of the state's volume and its pace. */
export interface FilingCourt {
  id: number;
  code: string;
  /** Multiplies case durations: below 1 a fast court, above 1 a slow one. */
  pace: number;
  pickType: (rng: Prng) => CaseType;
  bench: Bench[];
}

export interface CourtPlan {
  courts: CourtRow[];
  judges: JudgeRow[];
  assignments: AssignmentRow[];
  filingCourts: FilingCourt[];
  pickFilingCourt: (rng: Prng) => FilingCourt;
}

const COUNTIES = [
  "Ashford",
  "Bramble",
  "Cedar",
  "Dunmore",
  "Elk River",
  "Fairhaven",
  "Granite",
  "Harlow",
  "Iron Hill",
  "Juniper",
  "Kestrel",
  "Lakeview",
];
const ORDINALS = ["First", "Second", "Third"];
const FIRST_NAMES = [
  "Ada",
  "Benjamin",
  "Carmen",
  "David",
  "Elena",
  "Francis",
  "Grace",
  "Hector",
  "Imani",
  "James",
  "Keiko",
  "Luis",
  "Maria",
  "Nathan",
  "Olivia",
  "Priya",
  "Quentin",
  "Rosa",
  "Samuel",
  "Teresa",
  "Uma",
  "Victor",
  "Wen",
  "Yusuf",
];
const LAST_NAMES = [
  "Abbott",
  "Baptiste",
  "Chen",
  "Delgado",
  "Eriksen",
  "Fitzgerald",
  "Garcia",
  "Hughes",
  "Ibrahim",
  "Johansson",
  "Kowalski",
  "Lindqvist",
  "Moreau",
  "Nakamura",
  "Okafor",
  "Patel",
  "Quinn",
  "Rivera",
  "Schmidt",
  "Thompson",
  "Underwood",
  "Vasquez",
  "Whitfield",
  "Zhang",
];

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/**
 * Builds the hierarchy, the judges and their assignments. Ids are assigned here (from 1) so that the
 * same seed gives the same ids: the seed only runs on empty tables.
 * `windowStart` / `asOf` are day numbers bounding the generated filings.
 */
export function buildCourtPlan(rng: Prng, windowStart: number, asOf: number): CourtPlan {
  const courts: CourtRow[] = [];
  const add = (code: string, name: string, level: CourtLevel, parentId: number | null) => {
    const row = { id: courts.length + 1, code, name, level, parentId };
    courts.push(row);
    return row;
  };
  const supreme = add("STATE-SUP", "Supreme Court of the State", "supreme", null);
  const appellate = ORDINALS.map((o, i) =>
    add(`APP-${i + 1}`, `Court of Appeals, ${o} District`, "appellate", supreme.id),
  );
  const trial = COUNTIES.map((county, i) =>
    add(`D${pad(i + 1, 2)}`, `${county} County District Court`, "trial", appellate[Math.floor(i / 4)]!.id),
  );
  const limited = COUNTIES.flatMap((county, i) => [
    add(`D${pad(i + 1, 2)}-MUN`, `${county} Municipal Court`, "limited", trial[i]!.id),
    add(`D${pad(i + 1, 2)}-JUS`, `${county} Justice Court`, "limited", trial[i]!.id),
  ]);

  const judges: JudgeRow[] = [];
  const assignments: AssignmentRow[] = [];
  const benches = new Map<number, Bench[]>();
  const tenureStart = windowStart - 365 * 3;
  const newJudge = (court: CourtRow, from: number, to: number | null) => {
    const id = judges.length + 1;
    const name = `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`;
    judges.push({ id, code: `J${pad(id, 4)}`, name: `Hon. ${name}`, courtId: court.id, active: to === null });
    assignments.push({
      judgeId: id,
      courtId: court.id,
      startsOn: isoOf(from),
      endsOn: to === null ? null : isoOf(to),
    });
    const list = benches.get(court.id) ?? [];
    list.push({ judgeId: id, from, to: to ?? Number.MAX_SAFE_INTEGER });
    benches.set(court.id, list);
    return id;
  };
  const staff = (court: CourtRow, seats: number) => {
    for (let s = 0; s < seats; s++) {
      // Some seats changed hands during the window: the retired judge stays, inactive, with an ended
      // assignment, and a successor takes the seat the next day.
      if (rng.chance(0.2)) {
        const retiredOn = rng.int(windowStart + 90, asOf - 90);
        newJudge(court, tenureStart - rng.int(0, 3650), retiredOn);
        newJudge(court, retiredOn + 1, null);
      } else {
        newJudge(court, tenureStart - rng.int(0, 3650), null);
      }
    }
  };
  staff(supreme, 7);
  for (const c of appellate) staff(c, 5);

  const courtWeight = new Map<number, number>();
  for (const c of trial) {
    const weight = rng.lognormal(0, 0.6);
    courtWeight.set(c.id, weight);
    staff(c, Math.max(3, Math.round(3 + weight * 5)));
  }
  for (const c of limited) {
    const weight = rng.lognormal(-0.5, 0.6);
    courtWeight.set(c.id, weight);
    staff(c, Math.max(1, Math.round(weight * 3)));
  }
  // A few trial judges also sit part-time (a current second assignment) in a limited court of their county.
  for (const j of judges.filter((x) => x.active && courts[x.courtId - 1]!.level === "trial")) {
    if (!rng.chance(0.15)) continue;
    const county = trial.findIndex((t) => t.id === j.courtId);
    const target = limited[county * 2 + rng.int(0, 1)]!;
    const from = rng.int(windowStart, asOf - 30);
    assignments.push({ judgeId: j.id, courtId: target.id, startsOn: isoOf(from), endsOn: null });
    benches.get(target.id)?.push({ judgeId: j.id, from, to: Number.MAX_SAFE_INTEGER });
  }

  const filingCourts: FilingCourt[] = [...trial, ...limited].map((c) => ({
    id: c.id,
    code: c.code,
    pace: rng.lognormal(0, 0.22),
    pickType: weightedPicker(c.level === "trial" ? TRIAL_MIX : LIMITED_MIX),
    bench: benches.get(c.id) ?? [],
  }));
  const pickFilingCourt = weightedPicker(filingCourts.map((fc) => [fc, courtWeight.get(fc.id)!] as const));
  return { courts, judges, assignments, filingCourts, pickFilingCourt };
}
