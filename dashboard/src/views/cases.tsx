import { useEffect, useState } from "preact/hooks";
import { api, call } from "../api/client";
import {
  type paths,
  pathsApiCasesGetParametersQuerySortValues as SORTS,
  pathsApiCasesGetParametersQueryStatusValues as STATUSES,
} from "../api/schema.gen";
import { saveBlob } from "../download";
import type { Filters } from "../filters";
import { formatCount, humanize } from "../format";
import { hrefOf, linkClick, navigate } from "../router";
import { ErrorMessage } from "../ui/message";
import { useAsync } from "../ui/use-async";

// The case list behind a figure: the shared filters plus the drill-down's own (status, age range, over
// the standard), sorted and paged by the API's keyset cursor, exported whole as the API's CSV.

type CaseQuery = NonNullable<paths["/api/cases"]["get"]["parameters"]["query"]>;
type Sort = NonNullable<CaseQuery["sort"]>;

const SORT_LABELS: Record<Sort, string> = {
  "-filedOn": "Newest filed first",
  filedOn: "Oldest filed first",
  "-ageDays": "Oldest pending first",
  ageDays: "Youngest pending first",
  caseNumber: "Case number",
};

const int = (v: string | null) => (v && /^\d{1,6}$/.test(v) ? Number(v) : undefined);

/** The list's own parameters, read from the URL. */
export function caseQueryOf(f: Filters, q: URLSearchParams): CaseQuery {
  const status = q.get("status");
  const sort = q.get("sort");
  const over = q.get("overStandard");
  return {
    courtId: f.courtId,
    caseType: f.caseType,
    judgeId: f.judgeId,
    status: STATUSES.includes(status as never) ? (status as CaseQuery["status"]) : undefined,
    minAgeDays: int(q.get("minAge")),
    maxAgeDays: int(q.get("maxAge")),
    overStandard: over === "true" || over === "false" ? over : undefined,
    search: q.get("search")?.trim() || undefined,
    sort: SORTS.includes(sort as never) ? (sort as Sort) : "-filedOn",
  };
}

function describeDrill(cq: CaseQuery): string {
  const parts: string[] = [];
  if (cq.status) parts.push(`status ${cq.status}`);
  if (cq.minAgeDays !== undefined || cq.maxAgeDays !== undefined)
    parts.push(
      `aged ${cq.minAgeDays ?? 0}${cq.maxAgeDays === undefined ? "+" : `–${cq.maxAgeDays}`} days today`,
    );
  if (cq.overStandard === "true") parts.push("older than their time standard");
  if (cq.search) parts.push(`number starting "${cq.search}"`);
  return parts.length ? `Showing cases with ${parts.join(", ")}.` : "Showing every case in the filters.";
}

export function Cases({ filters, query }: { filters: Filters; query: URLSearchParams }) {
  const cq = caseQueryOf(filters, query);
  const key = JSON.stringify(cq);
  // Keyset paging: the cursors of the pages before this one, so "Previous" can go back.
  const [pages, setPages] = useState<{ key: string; cursors: (string | undefined)[] }>({
    key,
    cursors: [undefined],
  });
  const cursors = pages.key === key ? pages.cursors : [undefined];
  const cursor = cursors[cursors.length - 1];
  const [state] = useAsync(
    () =>
      call(() =>
        api.GET("/api/cases", {
          params: { query: { ...cq, cursor, limit: 50, includeTotal: cursor ? undefined : "true" } },
        }),
      ),
    `${key}|${cursor ?? ""}`,
  );
  // The first page carries the count of every match; later pages keep showing it.
  const [total, setTotal] = useState<{ key: string; n: number } | null>(null);
  const counted = state.status === "ok" ? state.data.total : undefined;
  useEffect(() => {
    if (counted !== undefined) setTotal({ key, n: counted });
  }, [counted, key]);
  const [csvError, setCsvError] = useState<unknown>(null);
  const [exporting, setExporting] = useState(false);

  const setParam = (name: string, value: string | undefined) => {
    const next = new URLSearchParams(query);
    if (value) next.set(name, value);
    else next.delete(name);
    navigate(`${location.pathname}?${next.toString()}`);
  };

  async function exportCsv() {
    setExporting(true);
    setCsvError(null);
    try {
      saveBlob(
        await call(() =>
          api.GET("/api/cases", { params: { query: { ...cq, format: "csv" } }, parseAs: "blob" }),
        ),
        "cases.csv",
      );
    } catch (err) {
      setCsvError(err);
    } finally {
      setExporting(false);
    }
  }

  const page = state.data;
  return (
    <>
      <h1 class="page-title">Cases</h1>
      <p class="drill" data-testid="drill">
        {describeDrill(cq)} {total?.key === key ? `${formatCount(total.n)} cases.` : ""}
      </p>
      <form class="filters" aria-label="Case list options" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select
            name="status"
            value={cq.status ?? ""}
            onChange={(e) => setParam("status", e.currentTarget.value || undefined)}
          >
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option value={s} key={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sort
          <select name="sort" value={cq.sort} onChange={(e) => setParam("sort", e.currentTarget.value)}>
            {SORTS.map((s) => (
              <option value={s} key={s}>
                {SORT_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Case number starts with
          <input
            type="search"
            name="search"
            value={cq.search ?? ""}
            onChange={(e) => setParam("search", e.currentTarget.value.trim() || undefined)}
          />
        </label>
        {(cq.minAgeDays !== undefined || cq.maxAgeDays !== undefined || cq.overStandard) && (
          <button
            type="button"
            onClick={() => {
              const next = new URLSearchParams(query);
              for (const k of ["minAge", "maxAge", "overStandard"]) next.delete(k);
              navigate(`${location.pathname}?${next.toString()}`);
            }}
          >
            Clear the age filter
          </button>
        )}
        <button type="button" onClick={exportCsv} disabled={exporting}>
          {exporting ? "Exporting…" : "Export all as CSV"}
        </button>
      </form>
      {csvError ? <ErrorMessage error={csvError} /> : null}
      {state.status === "error" && <ErrorMessage error={state.error} />}
      <div class="table-wrap" aria-busy={state.status === "loading"}>
        <table data-testid="case-table">
          <caption class="sr-only">Cases</caption>
          <thead>
            <tr>
              {[
                "Case number",
                "Court",
                "Type",
                "Filed",
                "Status",
                "Judge",
                "Age (days)",
                "Over standard",
              ].map((c) => (
                <th scope="col" key={c}>
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {page?.data.length === 0 && (
              <tr>
                <td colSpan={8}>No cases match.</td>
              </tr>
            )}
            {page?.data.map((c) => (
              <tr key={c.id}>
                <td>
                  <a href={hrefOf(`/cases/${c.id}`)} onClick={linkClick}>
                    {c.caseNumber}
                  </a>
                </td>
                <td>{c.courtCode}</td>
                <td>{humanize(c.caseType)}</td>
                <td>{c.filedOn}</td>
                <td>{c.status}</td>
                <td>{c.judgeName ?? "–"}</td>
                <td>{c.ageDays ?? "–"}</td>
                <td>{c.overStandard === null ? "–" : c.overStandard ? "yes" : "no"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Pages of cases">
        <button
          type="button"
          disabled={cursors.length < 2}
          onClick={() => setPages({ key, cursors: cursors.slice(0, -1) })}
        >
          Previous page
        </button>
        <span>Page {cursors.length}</span>
        <button
          type="button"
          disabled={!page?.nextCursor}
          onClick={() => page?.nextCursor && setPages({ key, cursors: [...cursors, page.nextCursor] })}
        >
          Next page
        </button>
      </nav>
    </>
  );
}
