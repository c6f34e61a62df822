import { useState } from "preact/hooks";
import type { CourtOption } from "../courts";
import { saveBlob } from "../download";
import { type Filters, filterParams } from "../filters";
import {
  backlogView,
  caseflowView,
  clearanceView,
  continuancesView,
  freshness,
  judgeWorkloadView,
  kpiCards,
  loadSummary,
  pendingAgeView,
  summaryCsv,
  timeToDispositionView,
  trialCertaintyView,
} from "../measures/views";
import { hrefOf } from "../router";
import { DataTable } from "../ui/data-table";
import { MeasureCard } from "../ui/measure-card";
import { ErrorMessage } from "../ui/message";
import { useAsync } from "../ui/use-async";

function Kpis({ filters }: { filters: Filters }) {
  const [state] = useAsync(() => loadSummary(filters), JSON.stringify(filters));
  const [asTable, setAsTable] = useState(false);
  const [csvError, setCsvError] = useState<unknown>(null);
  const s = state.data;
  const cards = s ? kpiCards(s) : [];
  return (
    <section
      class="kpis"
      aria-labelledby="kpi-title"
      aria-busy={state.status === "loading"}
      data-measure="summary"
    >
      <header class="card-head">
        <h2 id="kpi-title">Key figures</h2>
        <div class="card-actions">
          <button type="button" aria-pressed={asTable} onClick={() => setAsTable(!asTable)}>
            {asTable ? "Show cards" : "Show table"}
          </button>
          <button
            type="button"
            onClick={() => summaryCsv(filters).then((b) => saveBlob(b, "summary.csv"), setCsvError)}
          >
            Download CSV
          </button>
        </div>
      </header>
      {s && (
        <p class="freshness" data-testid="freshness">
          {freshness(s)}
        </p>
      )}
      {state.status === "error" && <ErrorMessage error={state.error} />}
      {csvError ? <ErrorMessage error={csvError} /> : null}
      {asTable ? (
        <DataTable
          caption="Key figures"
          table={{
            columns: ["Figure", "This period", "Previous period", "Change"],
            rows: cards.map((c) => [c.label, c.value, c.previous, c.change]),
          }}
        />
      ) : (
        <ul class="kpi-list">
          {cards.map((c) => {
            const change = c.raw.change ?? 0;
            const good = change === 0 ? "flat" : change > 0 === (c.better === "up") ? "good" : "bad";
            return (
              <li
                class="kpi"
                key={c.id}
                data-kpi={c.id}
                data-value={String(c.raw.value)}
                data-previous={String(c.raw.previous)}
                data-change={String(c.raw.change)}
              >
                <span class="kpi-label">{c.label}</span>
                <span class="kpi-value">{c.value}</span>
                <span class={`kpi-change ${good}`}>
                  {c.change} <span class="kpi-previous">vs {c.previous}</span>
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** The selected court's sub-courts (or the top of the user's scope): figures or cases for each. */
function Courts({ filters, courts }: { filters: Filters; courts: CourtOption[] }) {
  const selected = courts.find((c) => c.id === filters.courtId);
  const list = selected ? selected.node.children : courts.filter((c) => c.depth === 0).map((c) => c.node);
  if (list.length === 0 && !selected) return null;
  const rows = (selected ? [selected.node, ...list] : list).map((n) => [
    n === selected?.node
      ? `${n.name} (selected)`
      : { text: n.name, href: hrefOf("", { ...filterParams(filters), court: n.id, judge: undefined }) },
    n.code,
    { text: `Cases of ${n.code}`, href: hrefOf("/cases", { court: n.id, caseType: filters.caseType }) },
  ]);
  return (
    <section class="card wide" aria-labelledby="courts-title" data-measure="courts">
      <header class="card-head">
        <h2 id="courts-title">{selected ? "This court and its courts" : "Courts"}</h2>
      </header>
      <p class="description">Open a court's figures, or its case list.</p>
      <DataTable caption="Courts" table={{ columns: ["Court", "Code", "Case list"], rows }} />
    </section>
  );
}

export function Overview({ filters, courts }: { filters: Filters; courts: CourtOption[] }) {
  return (
    <>
      <h1 class="page-title">Overview</h1>
      <Kpis filters={filters} />
      <div class="grid">
        <MeasureCard view={clearanceView} filters={filters} />
        <MeasureCard view={caseflowView} filters={filters} />
        <MeasureCard view={pendingAgeView} filters={filters} />
        <MeasureCard view={timeToDispositionView} filters={filters} />
        <MeasureCard view={backlogView} filters={filters} />
        <MeasureCard view={trialCertaintyView} filters={filters} />
        <MeasureCard view={continuancesView} filters={filters} />
        <MeasureCard view={judgeWorkloadView} filters={filters} />
        <Courts filters={filters} courts={courts} />
      </div>
      <p class="hint">
        Figures come from the API's{" "}
        <a href="/api/docs" target="_blank" rel="noopener">
          measures routes
        </a>
        ; each card's CSV is the same route's CSV variant.
      </p>
    </>
  );
}
