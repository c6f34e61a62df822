import type { CaseType } from "../schema/enums";

/** One tier of a model time standard: `percent` of cases disposed within `days`. */
export interface TimeStandardTier {
  percent: number;
  days: number;
}

/**
 * Model Time Standards for State Trial Courts (2011), as listed in docs/measures.md. The
 * time_standards table is seeded from this constant and admins may edit it there; code that needs
 * the reference values without a database (seeds, tests, defaults) imports them from here.
 * Tiers are in ascending order of percent and days.
 */
export const TIME_STANDARDS: Record<CaseType, TimeStandardTier[]> = {
  felony: [
    { percent: 75, days: 90 },
    { percent: 90, days: 180 },
    { percent: 98, days: 365 },
  ],
  misdemeanor: [
    { percent: 75, days: 60 },
    { percent: 90, days: 90 },
    { percent: 98, days: 180 },
  ],
  traffic: [
    { percent: 75, days: 30 },
    { percent: 90, days: 60 },
    { percent: 98, days: 90 },
  ],
  civil_general: [
    { percent: 75, days: 180 },
    { percent: 90, days: 365 },
    { percent: 98, days: 540 },
  ],
  civil_summary: [
    { percent: 75, days: 60 },
    { percent: 90, days: 90 },
    { percent: 98, days: 180 },
  ],
  domestic_relations: [
    { percent: 75, days: 120 },
    { percent: 90, days: 180 },
    { percent: 98, days: 365 },
  ],
  juvenile_detained: [
    { percent: 75, days: 30 },
    { percent: 90, days: 45 },
    { percent: 98, days: 90 },
  ],
  juvenile_not_detained: [
    { percent: 75, days: 60 },
    { percent: 90, days: 90 },
    { percent: 98, days: 150 },
  ],
  probate: [
    { percent: 75, days: 360 },
    { percent: 90, days: 540 },
    { percent: 98, days: 720 },
  ],
  protection_order: [
    { percent: 90, days: 10 },
    { percent: 98, days: 30 },
  ],
  post_conviction: [{ percent: 98, days: 180 }],
};

/** The rows of the time_standards table, in a stable order. */
export function timeStandardRows(): { caseType: CaseType; percent: number; days: number }[] {
  return (Object.entries(TIME_STANDARDS) as [CaseType, TimeStandardTier[]][]).flatMap(([caseType, tiers]) =>
    tiers.map((t) => ({ caseType, percent: t.percent, days: t.days })),
  );
}
