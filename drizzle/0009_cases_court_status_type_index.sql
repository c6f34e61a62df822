DROP INDEX "cases_court_status_idx";--> statement-breakpoint
CREATE INDEX "cases_court_status_type_idx" ON "cases" USING btree ("court_id","status","case_type");