-- Maintenance the application triggers but, running as a runtime role that owns no table, may not
-- perform itself (see docs/security.md): each function runs as its owner, the schema owner, and
-- does one bounded thing. EXECUTE is revoked from PUBLIC; `bun run db:roles` grants it to the runtime role.

-- ANALYZE needs the table's owner (PostgreSQL 15): as the runtime role it is skipped with a mere WARNING.
CREATE FUNCTION public.courtflow_analyze(tables text[]) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY tables LOOP
    IF NOT EXISTS (
      SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relname = t AND c.relkind IN ('r', 'p')
    ) THEN
      RAISE EXCEPTION 'courtflow_analyze: "%" is not a table of schema public', t USING ERRCODE = '42P01';
    END IF;
    EXECUTE format('ANALYZE public.%I', t);
  END LOOP;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.courtflow_analyze(text[]) FROM PUBLIC;
--> statement-breakpoint
-- The least age, in days, at which audit rows may be purged: 1 here; `bun run db:roles` replaces it
-- with the deployment's RETENTION_AUDIT_DAYS, as the schema owner, whom the runtime role cannot imitate.
CREATE FUNCTION public.courtflow_audit_retention_floor_days() RETURNS integer
  LANGUAGE sql STABLE AS $$ SELECT 1 $$;
--> statement-breakpoint
-- The audit trail cannot be rewritten by the application: its role has no UPDATE or DELETE on
-- audit_log. Retention removes only rows older than the larger of what it asks and the floor above.
CREATE FUNCTION public.courtflow_purge_audit_log(older_than_days integer, max_rows integer) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  keep_days integer := greatest(older_than_days, public.courtflow_audit_retention_floor_days(), 1);
  removed integer;
BEGIN
  DELETE FROM public.audit_log WHERE id IN (
    SELECT id FROM public.audit_log WHERE at < now() - make_interval(days => keep_days) ORDER BY id LIMIT max_rows);
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.courtflow_purge_audit_log(integer, integer) FROM PUBLIC;
