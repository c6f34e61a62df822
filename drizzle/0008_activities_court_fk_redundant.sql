ALTER TABLE "case_activities" DROP CONSTRAINT "case_activities_court_id_courts_id_fk";
