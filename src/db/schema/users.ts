import { sql } from "drizzle-orm";
import { boolean, check, integer, pgTable, serial, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { timestamps } from "./columns";
import { courts } from "./courts";
import { userRole } from "./enums";

export const users = pgTable(
  "users",
  {
    id: serial("id").primaryKey(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    passwordHash: text("password_hash").notNull(),
    role: userRole("role").notNull(),
    // Scope for court_admin and viewer: the court and its descendants; they require one (see the check
    // below). Admins and analysts see every court; a court on them is only a label.
    courtId: integer("court_id").references(() => courts.id, { onDelete: "restrict" }),
    active: boolean("active").notNull().default(true),
    lastLoginAt: timestamp("last_login_at", { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    // Emails are unique regardless of case.
    uniqueIndex("users_email_lower_uq").on(sql`lower(${t.email})`),
    // An active court_admin or viewer has a court: without one their scope used to mean "every court".
    // Inactive rows are exempt so that rows written before this rule can be kept, deactivated, until
    // an admin gives them a court (the migration adding it deactivates them).
    check(
      "users_scoped_role_court_ck",
      sql`${t.role} NOT IN ('court_admin', 'viewer') OR ${t.courtId} IS NOT NULL OR NOT ${t.active}`,
    ),
  ],
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
