import type { paths } from "./api/schema.gen";

// The filters every measure and the case list share, kept in the URL (?court=&caseType=&judge=&from=&to=).

export type CaseType = NonNullable<paths["/api/measures/summary"]["get"]["parameters"]["query"]>["caseType"] &
  string;

export interface Filters {
  courtId?: number;
  caseType?: CaseType;
  judgeId?: number;
  from?: string;
  to?: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const positive = (v: string | null) => (v && /^\d{1,10}$/.test(v) && Number(v) > 0 ? Number(v) : undefined);

export function filtersOf(q: URLSearchParams, caseTypes: readonly string[]): Filters {
  const caseType = q.get("caseType");
  const from = q.get("from");
  const to = q.get("to");
  return {
    courtId: positive(q.get("court")),
    caseType: caseType && caseTypes.includes(caseType) ? (caseType as CaseType) : undefined,
    judgeId: positive(q.get("judge")),
    from: from && DATE.test(from) ? from : undefined,
    to: to && DATE.test(to) ? to : undefined,
  };
}

/** URL parameters of the filters (for links that keep them). */
export function filterParams(f: Filters): Record<string, string | number | undefined> {
  return { court: f.courtId, caseType: f.caseType, judge: f.judgeId, from: f.from, to: f.to };
}

/** The query every /api/measures route takes. */
export function measureQuery(f: Filters) {
  return { courtId: f.courtId, caseType: f.caseType, judgeId: f.judgeId, from: f.from, to: f.to };
}

export function sameFilters(a: Filters, b: Filters): boolean {
  return JSON.stringify(filterParams(a)) === JSON.stringify(filterParams(b));
}
