import {
  type AnyPgColumn,
  boolean,
  index,
  integer,
  pgTable,
  serial,
  text,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { timestamps } from "./columns";
import { courtLevel } from "./enums";

export const courts = pgTable(
  "courts",
  {
    id: serial("id").primaryKey(),
    code: text("code").notNull(),
    name: text("name").notNull(),
    level: courtLevel("level").notNull(),
    // A filter on a court includes its descendants; cycles are rejected by the courts service.
    parentId: integer("parent_id").references((): AnyPgColumn => courts.id, { onDelete: "restrict" }),
    active: boolean("active").notNull().default(true),
    ...timestamps,
  },
  (t) => [uniqueIndex("courts_code_uq").on(t.code), index("courts_parent_idx").on(t.parentId)],
);

export type Court = typeof courts.$inferSelect;
export type NewCourt = typeof courts.$inferInsert;
