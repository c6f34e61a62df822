CREATE INDEX "cases_filed_id_idx" ON "cases" USING btree ("filed_on","id");--> statement-breakpoint
CREATE INDEX "cases_number_key_idx" ON "cases" USING btree ((lower("case_number") collate "C"),"id");--> statement-breakpoint
CREATE INDEX "measure_pending_spans_open_age_idx" ON "measure_pending_spans" USING btree ("age_base","case_id") WHERE "measure_pending_spans"."active_to" is null;