import { useEffect, useState } from "preact/hooks";
import { api, call } from "../api/client";
import type { components } from "../api/schema.gen";
import { type UploadAnswer, uploadImport } from "../api/upload";
import { saveBlob } from "../download";
import { formatCount, formatDateTime, humanize } from "../format";
import { freshness, loadSummary } from "../measures/views";
import { hrefOf, linkClick, navigate } from "../router";
import { ErrorMessage } from "../ui/message";
import { useAsync } from "../ui/use-async";

// Daily imports: upload cases.csv and/or activities.csv (with upload progress), then follow the
// batch through its phases, read its row errors, and retry it when it failed.

type Batch = components["schemas"]["ImportBatchDetail"];
type RowError = components["schemas"]["ImportRowError"];

const RUNNING = new Set(["queued", "processing"]);
const today = () => new Date().toISOString().slice(0, 10);

function UploadForm() {
  const [source, setSource] = useState("dashboard");
  const [extractDate, setExtractDate] = useState(today);
  const [cases, setCases] = useState<File | null>(null);
  const [activities, setActivities] = useState<File | null>(null);
  const [force, setForce] = useState(false);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [seen, setSeen] = useState<UploadAnswer | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    setSeen(null);
    if (!cases && !activities) {
      setError(new Error("Choose cases.csv, activities.csv or both."));
      return;
    }
    setProgress(0);
    try {
      const answer = await uploadImport({ source, extractDate, cases, activities, force }, setProgress);
      if (answer.kind === "seen") setSeen(answer);
      navigate(hrefOf(`/imports/${answer.batch.id}`));
    } catch (err) {
      setError(err);
    } finally {
      setProgress(null);
    }
  }

  return (
    <section class="card" aria-labelledby="upload-title">
      <header class="card-head">
        <h2 id="upload-title">Upload a daily extract</h2>
      </header>
      <form class="upload" onSubmit={submit}>
        <label>
          cases.csv
          <input
            type="file"
            name="cases"
            accept=".csv,text/csv"
            onChange={(e) => setCases(e.currentTarget.files?.[0] ?? null)}
          />
        </label>
        <label>
          activities.csv
          <input
            type="file"
            name="activities"
            accept=".csv,text/csv"
            onChange={(e) => setActivities(e.currentTarget.files?.[0] ?? null)}
          />
        </label>
        <label>
          Source system
          <input
            type="text"
            name="source"
            required
            maxLength={100}
            value={source}
            onInput={(e) => setSource(e.currentTarget.value)}
          />
        </label>
        <label>
          Extract date
          <input
            type="date"
            name="extractDate"
            required
            value={extractDate}
            onInput={(e) => setExtractDate(e.currentTarget.value)}
          />
        </label>
        <label class="inline">
          <input
            type="checkbox"
            name="force"
            checked={force}
            onChange={(e) => setForce(e.currentTarget.checked)}
          />
          Import again even if these files were imported before
        </label>
        <button type="submit" disabled={progress !== null}>
          Upload
        </button>
        {progress !== null && (
          <p>
            <progress max={1} value={progress} aria-label="Upload progress" /> {Math.round(progress * 100)}%
            sent
          </p>
        )}
      </form>
      {error ? <ErrorMessage error={error} /> : null}
      {seen && (
        <p class="message notice" role="status">
          These files were imported before (batch {seen.batch.id}); tick "Import again" to process them once
          more.
        </p>
      )}
    </section>
  );
}

function RowErrors({ batch }: { batch: Batch }) {
  const [extra, setExtra] = useState<{ rows: RowError[]; next: string | null } | null>(null);
  const [state] = useAsync(
    () =>
      call(() =>
        api.GET("/api/imports/{id}/errors", { params: { path: { id: batch.id }, query: { limit: 100 } } }),
      ),
    `${batch.id}|${batch.run}|${batch.errorCount}|${batch.status}`,
  );
  const [error, setError] = useState<unknown>(null);
  if (batch.errorCount === 0) return <p>No row errors.</p>;
  const first = state.status === "ok" ? state.data : null;
  const rows = [...(first?.data ?? []), ...(extra?.rows ?? [])];
  const next = extra ? extra.next : (first?.nextCursor ?? null);

  async function more() {
    if (!next) return;
    try {
      const page = await call(() =>
        api.GET("/api/imports/{id}/errors", {
          params: { path: { id: batch.id }, query: { limit: 100, cursor: next } },
        }),
      );
      setExtra({ rows: [...(extra?.rows ?? []), ...page.data], next: page.nextCursor });
    } catch (err) {
      setError(err);
    }
  }

  return (
    <>
      <h3 class="errors-title">
        Row errors ({formatCount(batch.errorCount)}){" "}
        <button
          type="button"
          onClick={() =>
            call(() =>
              api.GET("/api/imports/{id}/errors", {
                params: { path: { id: batch.id }, query: { format: "csv" } },
                parseAs: "blob",
              }),
            ).then((b) => saveBlob(b, `import-${batch.id}-errors.csv`), setError)
          }
        >
          Download CSV
        </button>
      </h3>
      {error ? <ErrorMessage error={error} /> : null}
      <div class="table-wrap">
        <table data-testid="row-errors">
          <caption class="sr-only">Row errors</caption>
          <thead>
            <tr>
              {["File", "Line", "Field", "Message"].map((c) => (
                <th scope="col" key={c}>
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.file}:${r.line}:${r.field}:${r.message}`}>
                <td>{r.file}.csv</td>
                <td>{r.line}</td>
                <td>{r.field ?? "–"}</td>
                <td>{r.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {next && (
        <button type="button" onClick={more}>
          Show more row errors
        </button>
      )}
    </>
  );
}

function BatchPanel({ id }: { id: number }) {
  const [batch, setBatch] = useState<Batch | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const [retrying, setRetrying] = useState(false);

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    call(() => api.GET("/api/imports/{id}", { params: { path: { id } } })).then(
      (b) => {
        if (!live) return;
        setBatch(b);
        setError(null);
        // Until the measures have taken the batch in (they follow its completion).
        if (RUNNING.has(b.status) || b.measuresRefreshedAt === null)
          timer = setTimeout(() => setTick((t) => t + 1), 1000);
      },
      (err) => live && setError(err),
    );
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [id, tick]);

  async function retry() {
    setRetrying(true);
    try {
      await call(() => api.POST("/api/imports/{id}/retry", { params: { path: { id } } }));
      setTick((t) => t + 1);
    } catch (err) {
      setError(err);
    } finally {
      setRetrying(false);
    }
  }

  return (
    <section
      class="card wide"
      aria-labelledby="batch-title"
      data-testid="batch"
      data-status={batch?.status ?? ""}
    >
      <header class="card-head">
        <h2 id="batch-title">Batch {id}</h2>
      </header>
      {error ? <ErrorMessage error={error} /> : null}
      {batch && (
        <>
          <p role="status" class="batch-status">
            <strong data-testid="batch-status">{humanize(batch.status)}</strong>
            {RUNNING.has(batch.status) ? ` — ${batch.progress.phase} phase, ${batch.progress.percent}%` : ""}
            {batch.failureReason ? ` — ${batch.failureReason}` : ""}
          </p>
          <progress max={100} value={batch.progress.percent} aria-label="Import progress" />
          <ol class="phases" aria-label="Phases">
            {(["cases", "activities", "rollups", "done"] as const).map((p) => (
              <li key={p} aria-current={batch.progress.phase === p ? "step" : undefined}>
                {p}
              </li>
            ))}
          </ol>
          <div class="table-wrap">
            <table>
              <caption class="sr-only">Rows per file</caption>
              <thead>
                <tr>
                  {["File", "Rows", "Inserted", "Updated", "Unchanged", "Failed"].map((c) => (
                    <th scope="col" key={c}>
                      {c}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {(["cases", "activities"] as const).map((f) => (
                  <tr key={f}>
                    <td>{batch.files[f]?.filename ?? `${f}.csv`}</td>
                    <td>{formatCount(batch.counts[f].total)}</td>
                    <td>{formatCount(batch.counts[f].inserted)}</td>
                    <td>{formatCount(batch.counts[f].updated)}</td>
                    <td>{formatCount(batch.counts[f].unchanged)}</td>
                    <td>{formatCount(batch.counts[f].failed)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p>
            Source {batch.source}, extract of {batch.extractDate}; run {batch.run}; uploaded{" "}
            {formatDateTime(batch.createdAt)}
            {batch.finishedAt ? `, finished ${formatDateTime(batch.finishedAt)}` : ""}.
            {batch.measuresRefreshedAt
              ? ` Figures updated ${formatDateTime(batch.measuresRefreshedAt)}.`
              : !RUNNING.has(batch.status)
                ? ` Figures still refreshing for ${formatCount(batch.rollupCasesPending)} cases.`
                : ""}
          </p>
          {(batch.status === "failed" || batch.status === "completed_with_errors") && (
            <button type="button" onClick={retry} disabled={retrying}>
              {retrying ? "Queuing…" : "Retry this batch"}
            </button>
          )}
          <RowErrors batch={batch} />
        </>
      )}
    </section>
  );
}

function RecentBatches({ current }: { current: number | null }) {
  const [state] = useAsync(
    () => call(() => api.GET("/api/imports", { params: { query: { limit: 10 } } })),
    String(current),
  );
  return (
    <section class="card" aria-labelledby="recent-title" aria-busy={state.status === "loading"}>
      <header class="card-head">
        <h2 id="recent-title">Recent batches</h2>
      </header>
      {state.status === "error" && <ErrorMessage error={state.error} />}
      <ul class="batches">
        {state.data?.data.map((b) => (
          <li key={b.id}>
            <a
              href={hrefOf(`/imports/${b.id}`)}
              onClick={linkClick}
              aria-current={b.id === current ? "page" : undefined}
            >
              Batch {b.id}
            </a>{" "}
            {humanize(b.status)}, {b.source} {b.extractDate}
            {b.errorCount ? `, ${formatCount(b.errorCount)} row errors` : ""}
          </li>
        ))}
        {state.data?.data.length === 0 && <li>No imports yet.</li>}
      </ul>
    </section>
  );
}

function Freshness() {
  const [state] = useAsync(() => loadSummary({}), "fresh");
  return state.data ? (
    <p class="freshness" data-testid="freshness">
      Figures: {freshness(state.data)}
    </p>
  ) : null;
}

export function Imports({ batchId }: { batchId: number | null }) {
  return (
    <>
      <h1 class="page-title">Imports</h1>
      <Freshness />
      <div class="grid">
        <UploadForm />
        <RecentBatches current={batchId} />
        {batchId !== null && <BatchPanel id={batchId} key={batchId} />}
      </div>
    </>
  );
}
