import { useState } from "preact/hooks";
import { api, call } from "../api/client";
import type { components } from "../api/schema.gen";
import { saveBlob } from "../download";
import { humanize } from "../format";
import { ErrorMessage } from "../ui/message";
import { useAsync } from "../ui/use-async";

type Activity = components["schemas"]["CaseActivity"];

function Timeline({ id }: { id: number }) {
  const [rows, setRows] = useState<{ id: number; list: Activity[]; next: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [state] = useAsync(
    () =>
      call(() => api.GET("/api/cases/{id}/activities", { params: { path: { id }, query: { limit: 100 } } })),
    String(id),
  );
  const first = state.status === "ok" ? state.data : null;
  const shown = rows?.id === id ? rows : first ? { id, list: first.data, next: first.nextCursor } : null;

  async function more() {
    if (!shown?.next) return;
    try {
      const page = await call(() =>
        api.GET("/api/cases/{id}/activities", {
          params: { path: { id }, query: { limit: 100, cursor: shown.next ?? undefined } },
        }),
      );
      setRows({ id, list: [...shown.list, ...page.data], next: page.nextCursor });
    } catch (err) {
      setError(err);
    }
  }

  async function csv() {
    try {
      saveBlob(
        await call(() =>
          api.GET("/api/cases/{id}/activities", {
            params: { path: { id }, query: { format: "csv" } },
            parseAs: "blob",
          }),
        ),
        `case-${id}-activities.csv`,
      );
    } catch (err) {
      setError(err);
    }
  }

  return (
    <section class="card wide" aria-labelledby="timeline-title">
      <header class="card-head">
        <h2 id="timeline-title">Timeline</h2>
        <div class="card-actions">
          <button type="button" onClick={csv}>
            Download CSV
          </button>
        </div>
      </header>
      {state.status === "error" && <ErrorMessage error={state.error} />}
      {error ? <ErrorMessage error={error} /> : null}
      <div class="table-wrap">
        <table data-testid="timeline">
          <caption class="sr-only">Timeline of the case</caption>
          <thead>
            <tr>
              {["Date", "Event", "Outcome", "Judge", "Notes"].map((c) => (
                <th scope="col" key={c}>
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown?.list.map((a) => (
              <tr key={a.id}>
                <td>{a.occurredOn}</td>
                <td>{humanize(a.type)}</td>
                <td>{a.outcome ?? "–"}</td>
                <td>{a.judgeName ?? "–"}</td>
                <td>{a.notes ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown?.next && (
        <button type="button" onClick={more}>
          Show more events
        </button>
      )}
    </section>
  );
}

export function CaseDetail({ id }: { id: number }) {
  const [state] = useAsync(
    () => call(() => api.GET("/api/cases/{id}", { params: { path: { id } } })),
    String(id),
  );
  const c = state.status === "ok" ? state.data : null;
  return (
    <>
      <p>
        <button type="button" onClick={() => history.back()}>
          Back
        </button>
      </p>
      {state.status === "error" && <ErrorMessage error={state.error} />}
      {c && (
        <>
          <h1 class="page-title">Case {c.caseNumber}</h1>
          <dl class="facts">
            <dt>Court</dt>
            <dd>
              {c.court.name} ({c.court.code})
            </dd>
            <dt>Case type</dt>
            <dd>{humanize(c.caseType)}</dd>
            <dt>Filed</dt>
            <dd>{c.filedOn}</dd>
            <dt>Status</dt>
            <dd>
              {c.status}
              {c.statusOn ? ` since ${c.statusOn}` : ""}
            </dd>
            <dt>Judge</dt>
            <dd>{c.judge ? `${c.judge.name} (${c.judge.code})` : "–"}</dd>
            <dt>Disposed</dt>
            <dd>{c.disposedOn ? `${c.disposedOn} (${humanize(c.disposition ?? "other")})` : "–"}</dd>
            <dt>Age</dt>
            <dd>
              {c.ageDays === null ? "not pending" : `${c.ageDays} days`} (inactive {c.inactiveDays} days, as
              of {c.asOf})
            </dd>
            <dt>Time standard</dt>
            <dd>
              {c.standard
                ? `${c.standard.tiers.map((t) => `${t.percent}% within ${t.days} d`).join(", ")}${c.standard.status ? `: ${c.standard.status}` : ""}`
                : "none"}
            </dd>
          </dl>
          <Timeline id={id} />
        </>
      )}
    </>
  );
}
