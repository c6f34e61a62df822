import { TIME_STANDARDS } from "../reference/time-standards";
import type { CaseType, Disposition } from "../schema/enums";
import { type Prng, weightedPicker } from "./prng";

// How each case type behaves in the generated data. Durations are lognormal, fitted to the model
// time standard (first and last tier) and then made a little slower, so that a typical court misses
// some tiers: a dashboard that shows every court meeting every standard would not test much.

export interface CaseProfile {
  code: string;
  /** ln of the median active days, and the spread, before the court's own pace is applied. */
  mu: number;
  sigma: number;
  disposition: (rng: Prng) => Disposition;
  /** Mean number of hearings per year of the case's life (at least one for most cases). */
  hearingsPerYear: number;
  /** Share of cases that go through an inactive period (warrant, bankruptcy stay, …). */
  inactiveRate: number;
  /** Share of disposed cases reopened later (modification, probation violation, …). */
  reopenRate: number;
  /** Share of cases not tried that still had a trial date set (settled or pleaded before it). */
  settingRate: number;
  /** Mean motions and orders per case. */
  paperwork: number;
}

const Z75 = 0.674;
const Z90 = 1.2816;
const Z98 = 2.054;
const zOf = (percent: number) => (percent >= 98 ? Z98 : percent >= 90 ? Z90 : Z75);
/** The generated durations are this much slower than the standard's fitted curve. */
const SLOWER = 1.12;

function fitDuration(type: CaseType): { mu: number; sigma: number } {
  const tiers = TIME_STANDARDS[type];
  const first = tiers[0]!;
  const last = tiers[tiers.length - 1]!;
  if (tiers.length === 1) {
    // One tier: assume a median of a quarter of the limit.
    const sigma = Math.log(4) / zOf(last.percent);
    return { mu: Math.log(last.days / 4) + Math.log(SLOWER), sigma };
  }
  const sigma = (Math.log(last.days) - Math.log(first.days)) / (zOf(last.percent) - zOf(first.percent));
  const mu = Math.log(first.days) - zOf(first.percent) * sigma + Math.log(SLOWER);
  return { mu, sigma: sigma * 1.05 };
}

const criminal = weightedPicker<Disposition>([
  ["plea", 55],
  ["dismissed", 24],
  ["jury_trial", 5],
  ["bench_trial", 3],
  ["transferred", 4],
  ["other", 6],
  ["default_judgment", 1],
  ["settled", 2],
]);
const traffic = weightedPicker<Disposition>([
  ["plea", 48],
  ["default_judgment", 22],
  ["dismissed", 20],
  ["bench_trial", 5],
  ["jury_trial", 0.5],
  ["transferred", 1.5],
  ["other", 3],
]);
const civil = weightedPicker<Disposition>([
  ["settled", 38],
  ["dismissed", 24],
  ["default_judgment", 20],
  ["bench_trial", 7],
  ["jury_trial", 3],
  ["transferred", 3],
  ["other", 5],
]);
const domestic = weightedPicker<Disposition>([
  ["settled", 48],
  ["dismissed", 18],
  ["default_judgment", 12],
  ["bench_trial", 12],
  ["transferred", 3],
  ["other", 7],
]);
const juvenile = weightedPicker<Disposition>([
  ["plea", 45],
  ["dismissed", 28],
  ["bench_trial", 15],
  ["transferred", 6],
  ["other", 6],
]);
const probate = weightedPicker<Disposition>([
  ["other", 55],
  ["settled", 20],
  ["dismissed", 15],
  ["bench_trial", 6],
  ["transferred", 4],
]);
const protection = weightedPicker<Disposition>([
  ["dismissed", 38],
  ["default_judgment", 24],
  ["bench_trial", 28],
  ["settled", 5],
  ["other", 5],
]);
const postConviction = weightedPicker<Disposition>([
  ["dismissed", 62],
  ["bench_trial", 18],
  ["other", 16],
  ["transferred", 4],
]);

type Behaviour = Omit<CaseProfile, "mu" | "sigma">;

const BEHAVIOUR: Record<CaseType, Behaviour> = {
  felony: {
    code: "CF",
    disposition: criminal,
    hearingsPerYear: 4,
    inactiveRate: 0.1,
    reopenRate: 0.05,
    settingRate: 0.3,
    paperwork: 1.6,
  },
  misdemeanor: {
    code: "CM",
    disposition: criminal,
    hearingsPerYear: 4,
    inactiveRate: 0.08,
    reopenRate: 0.03,
    settingRate: 0.12,
    paperwork: 0.6,
  },
  traffic: {
    code: "TR",
    disposition: traffic,
    hearingsPerYear: 3,
    inactiveRate: 0.05,
    reopenRate: 0.01,
    settingRate: 0.03,
    paperwork: 0.2,
  },
  civil_general: {
    code: "CV",
    disposition: civil,
    hearingsPerYear: 3,
    inactiveRate: 0.06,
    reopenRate: 0.03,
    settingRate: 0.3,
    paperwork: 2.2,
  },
  civil_summary: {
    code: "SC",
    disposition: civil,
    hearingsPerYear: 3,
    inactiveRate: 0.03,
    reopenRate: 0.02,
    settingRate: 0.08,
    paperwork: 0.5,
  },
  domestic_relations: {
    code: "DR",
    disposition: domestic,
    hearingsPerYear: 4,
    inactiveRate: 0.05,
    reopenRate: 0.1,
    settingRate: 0.15,
    paperwork: 1.5,
  },
  juvenile_detained: {
    code: "JD",
    disposition: juvenile,
    hearingsPerYear: 12,
    inactiveRate: 0.02,
    reopenRate: 0.06,
    settingRate: 0.1,
    paperwork: 0.8,
  },
  juvenile_not_detained: {
    code: "JV",
    disposition: juvenile,
    hearingsPerYear: 6,
    inactiveRate: 0.04,
    reopenRate: 0.06,
    settingRate: 0.1,
    paperwork: 0.8,
  },
  probate: {
    code: "PB",
    disposition: probate,
    hearingsPerYear: 1.5,
    inactiveRate: 0.06,
    reopenRate: 0.04,
    settingRate: 0.05,
    paperwork: 1.2,
  },
  protection_order: {
    code: "PO",
    disposition: protection,
    hearingsPerYear: 30,
    inactiveRate: 0.01,
    reopenRate: 0.08,
    settingRate: 0.02,
    paperwork: 0.5,
  },
  post_conviction: {
    code: "PC",
    disposition: postConviction,
    hearingsPerYear: 3,
    inactiveRate: 0.03,
    reopenRate: 0.02,
    settingRate: 0.05,
    paperwork: 1.4,
  },
};

export const CASE_PROFILES: Record<CaseType, CaseProfile> = Object.fromEntries(
  (Object.keys(BEHAVIOUR) as CaseType[]).map((t) => [t, { ...BEHAVIOUR[t], ...fitDuration(t) }]),
) as Record<CaseType, CaseProfile>;

/** Filing mix of general-jurisdiction trial courts (no traffic: that goes to limited courts). */
export const TRIAL_MIX: readonly (readonly [CaseType, number])[] = [
  ["felony", 16],
  ["misdemeanor", 6],
  ["civil_general", 16],
  ["civil_summary", 4],
  ["domestic_relations", 18],
  ["juvenile_detained", 4],
  ["juvenile_not_detained", 7],
  ["probate", 8],
  ["protection_order", 10],
  ["post_conviction", 3],
];

/** Filing mix of limited-jurisdiction courts (municipal and justice courts). */
export const LIMITED_MIX: readonly (readonly [CaseType, number])[] = [
  ["traffic", 52],
  ["misdemeanor", 28],
  ["civil_summary", 14],
  ["protection_order", 6],
];
