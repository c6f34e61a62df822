import { boolean, index, integer, pgTable, serial, text, uniqueIndex } from "drizzle-orm/pg-core";
import { timestamps } from "./columns";
import { courts } from "./courts";

export const judges = pgTable(
  "judges",
  {
    id: serial("id").primaryKey(),
    code: text("code").notNull(),
    name: text("name").notNull(),
    courtId: integer("court_id")
      .notNull()
      .references(() => courts.id, { onDelete: "restrict" }),
    active: boolean("active").notNull().default(true),
    ...timestamps,
  },
  (t) => [uniqueIndex("judges_code_uq").on(t.code), index("judges_court_idx").on(t.courtId)],
);

export type Judge = typeof judges.$inferSelect;
export type NewJudge = typeof judges.$inferInsert;
