import { useMemo, useState } from "preact/hooks";
import { saveBlob } from "../download";
import type { Filters } from "../filters";
import type { MeasureView } from "../measures/views";
import { ChartView } from "./chart";
import { DataTable } from "./data-table";
import { ErrorMessage } from "./message";
import { useAsync } from "./use-async";

/** One measure: title, headline, chart or table (a toggle), and its CSV from the API. */
export function MeasureCard<R>({ view, filters }: { view: MeasureView<R>; filters: Filters }) {
  const [state] = useAsync(() => view.load(filters), JSON.stringify(filters));
  const [asTable, setAsTable] = useState(!view.chart);
  const [csvError, setCsvError] = useState<unknown>(null);
  const [downloading, setDownloading] = useState(false);
  const titleId = `${view.id}-title`;

  async function download() {
    setCsvError(null);
    setDownloading(true);
    try {
      saveBlob(await view.csv(filters), view.csvName);
    } catch (err) {
      setCsvError(err);
    } finally {
      setDownloading(false);
    }
  }

  const data = state.data;
  // Built once per answer: a new spec object would redraw the chart on every render.
  const spec = useMemo(() => (data === undefined || !view.chart ? null : view.chart(data)), [data, view]);
  return (
    <section
      class={`card measure ${view.chart ? "" : "wide"}`}
      aria-labelledby={titleId}
      data-measure={view.id}
      aria-busy={state.status === "loading"}
    >
      <header class="card-head">
        <h2 id={titleId}>{view.title}</h2>
        <div class="card-actions">
          {view.chart && (
            <button type="button" aria-pressed={asTable} onClick={() => setAsTable(!asTable)}>
              {asTable ? "Show chart" : "Show table"}
            </button>
          )}
          <button type="button" onClick={download} disabled={downloading}>
            {downloading ? "Preparing CSV…" : "Download CSV"}
          </button>
        </div>
      </header>
      <p class="description">{view.description}</p>
      {csvError ? <ErrorMessage error={csvError} /> : null}
      {state.status === "error" ? <ErrorMessage error={state.error} /> : null}
      {data === undefined ? (
        state.status === "loading" ? (
          <p class="loading">Loading…</p>
        ) : null
      ) : (
        <>
          {view.headline && <p class="headline">{view.headline(data)}</p>}
          {asTable || !spec ? (
            <DataTable table={view.table(data, filters)} caption={view.title} />
          ) : (
            <ChartView spec={spec} label={view.title} />
          )}
        </>
      )}
    </section>
  );
}
