import { useEffect, useMemo, useState } from "preact/hooks";
import { type SessionState, session, subscribe } from "./api/session";
import { flattenCourts, loadCourtTree, loadJudges } from "./courts";
import { type Filters, filterParams, filtersOf } from "./filters";
import { hrefOf, navigate, useLocation } from "./router";
import { ErrorMessage } from "./ui/message";
import { useAsync } from "./ui/use-async";
import { CaseDetail } from "./views/case-detail";
import { Cases } from "./views/cases";
import { CASE_TYPES, FiltersBar } from "./views/filters-bar";
import { Imports } from "./views/imports";
import { IMPORT_ROLES, Layout } from "./views/layout";
import { Operations } from "./views/operations";
import { Overview } from "./views/overview";
import { SignIn } from "./views/sign-in";

function useSession(): SessionState {
  const [s, setS] = useState(session);
  useEffect(() => subscribe(setS), []);
  return s;
}

function SignedIn({ user }: { user: NonNullable<SessionState["user"]> }) {
  const loc = useLocation();
  const filters = useMemo(() => filtersOf(loc.query, CASE_TYPES), [loc.href]);
  const [tree] = useAsync(loadCourtTree, String(user.id));
  const courts = useMemo(() => flattenCourts(tree.data ?? []), [tree.data]);
  const [judges] = useAsync(() => loadJudges(filters.courtId), `${user.id}|${filters.courtId ?? ""}`);
  const route = loc.route;

  useEffect(() => {
    document.title = `${{ overview: "Overview", cases: "Cases", case: "Case", imports: "Imports", operations: "Operations", "not-found": "Not found" }[route.page]} – CourtFlow`;
  }, [route.page]);

  /** New filters into the URL (the case list keeps its own drill-down parameters). */
  function setFilters(next: Filters) {
    const q = new URLSearchParams(loc.query);
    for (const k of ["court", "caseType", "judge", "from", "to"]) q.delete(k);
    for (const [k, v] of Object.entries(filterParams(next))) if (v !== undefined) q.set(k, String(v));
    const s = q.toString();
    navigate(`${location.pathname}${s ? `?${s}` : ""}`);
  }

  const showFilters = route.page === "overview" || route.page === "cases";
  let page = null;
  if (route.page === "overview") page = <Overview filters={filters} courts={courts} />;
  else if (route.page === "cases") page = <Cases filters={filters} query={loc.query} />;
  else if (route.page === "case") page = <CaseDetail id={route.id} />;
  else if (route.page === "imports" && IMPORT_ROLES.includes(user.role))
    page = <Imports batchId={route.batchId} />;
  else if (route.page === "operations" && user.role === "admin") page = <Operations />;
  else
    page = (
      <p class="message notice" role="status">
        There is no such page for your role. <a href={hrefOf("")}>Back to the overview</a>.
      </p>
    );

  return (
    <Layout user={user} route={route} keep={filterParams(filters)}>
      {tree.status === "error" && <ErrorMessage error={tree.error} />}
      {showFilters && (
        <FiltersBar
          filters={filters}
          courts={courts}
          judges={judges.data ?? []}
          dates={route.page === "overview"}
          onChange={setFilters}
        />
      )}
      {page}
    </Layout>
  );
}

export function App() {
  const s = useSession();
  return s.user ? <SignedIn user={s.user} key={s.user.id} /> : <SignIn notice={s.endedReason} />;
}
