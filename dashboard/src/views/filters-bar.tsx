import { pathsApiMeasuresSummaryGetParametersQueryCaseTypeValues as CASE_TYPES } from "../api/schema.gen";
import type { CourtOption, Judge } from "../courts";
import type { Filters } from "../filters";
import { humanize } from "../format";

export { CASE_TYPES };

/** Court, case type, judge and (where `dates`) the period; every change goes into the URL. */
export function FiltersBar({
  filters,
  courts,
  judges,
  dates,
  onChange,
}: {
  filters: Filters;
  courts: CourtOption[];
  judges: Judge[];
  dates: boolean;
  onChange: (next: Filters) => void;
}) {
  const set = (patch: Partial<Filters>) => onChange({ ...filters, ...patch });
  const num = (v: string) => (v === "" ? undefined : Number(v));
  return (
    <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
      <label>
        Court
        <select
          name="court"
          value={filters.courtId ?? ""}
          onChange={(e) => set({ courtId: num(e.currentTarget.value), judgeId: undefined })}
        >
          <option value="">All my courts</option>
          {courts.map((c) => (
            <option value={c.id} key={c.id}>
              {`${"\u00a0\u00a0".repeat(c.depth)}${c.name} (${c.code})`}
            </option>
          ))}
        </select>
      </label>
      <label>
        Case type
        <select
          name="caseType"
          value={filters.caseType ?? ""}
          onChange={(e) => set({ caseType: (e.currentTarget.value || undefined) as Filters["caseType"] })}
        >
          <option value="">All case types</option>
          {CASE_TYPES.map((t) => (
            <option value={t} key={t}>
              {humanize(t)}
            </option>
          ))}
        </select>
      </label>
      <label>
        Judge
        <select
          name="judge"
          value={filters.judgeId ?? ""}
          onChange={(e) => set({ judgeId: num(e.currentTarget.value) })}
        >
          <option value="">All judges</option>
          {judges.map((j) => (
            <option value={j.id} key={j.id}>
              {j.name}
            </option>
          ))}
        </select>
      </label>
      {dates && (
        <>
          <label>
            From
            <input
              type="date"
              name="from"
              value={filters.from ?? ""}
              onChange={(e) => set({ from: e.currentTarget.value || undefined })}
            />
          </label>
          <label>
            To
            <input
              type="date"
              name="to"
              value={filters.to ?? ""}
              onChange={(e) => set({ to: e.currentTarget.value || undefined })}
            />
          </label>
        </>
      )}
      <button type="button" onClick={() => onChange({})}>
        Clear filters
      </button>
    </form>
  );
}
