import { sql } from "drizzle-orm";
import { type Database, rowsOf } from "../../db/client";
import { readDb } from "../../db/replicas";

/** The court and all its descendants (recursive on parent_id). Empty when the court does not exist. */
export async function courtSubtreeIds(db: Database, courtId: number): Promise<number[]> {
  const rows = rowsOf<{ id: number }>(
    await readDb(db).execute(sql`
      with recursive subtree(id) as (
        select id from courts where id = ${courtId}
        union
        select c.id from courts c join subtree s on c.parent_id = s.id
      )
      select id from subtree order by id`),
  );
  return rows.map((r) => Number(r.id));
}
