import { timestamp } from "drizzle-orm/pg-core";

/** created_at / updated_at, timestamptz. updated_at is set by the repos on every write. */
export const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
};
