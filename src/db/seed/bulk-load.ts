import type { SeedSession } from "./session";

// Loading millions of rows into tables that keep their secondary indexes and foreign keys costs a
// random index insert and a key lookup per row (measured here: ~20k rows/s against ~400k rows/s
// without them). For a seed into empty tables, inside its one transaction, we drop them, load, and
// recreate them from their own catalog definitions: a rebuild is one sort per index and one join per
// foreign key, every constraint is validated again on the way back, and a failure rolls the whole
// transaction back with the definitions intact. Primary keys stay (the foreign keys need them).

interface Saved {
  indexes: { name: string; def: string }[];
  foreignKeys: { table: string; name: string; def: string }[];
}

const tableList = (tables: readonly string[]) => `array[${tables.map((t) => `'${t}'::regclass`).join(", ")}]`;

/** Drops the secondary indexes and the foreign keys of (and into) `tables`; returns how to restore them. */
export async function deferIndexesAndForeignKeys(
  session: SeedSession,
  tables: readonly string[],
): Promise<{ restore(): Promise<void> }> {
  const list = tableList(tables);
  const saved: Saved = {
    foreignKeys: await session.query(
      `select c.conrelid::regclass::text as table, quote_ident(c.conname) as name, pg_get_constraintdef(c.oid) as def
         from pg_constraint c
        where c.contype = 'f' and (c.conrelid = any(${list}) or c.confrelid = any(${list}))
        order by c.conname`,
    ),
    indexes: await session.query(
      `select quote_ident(n.nspname) || '.' || quote_ident(i.relname) as name, pg_get_indexdef(i.oid) as def
         from pg_index x
         join pg_class i on i.oid = x.indexrelid
         join pg_namespace n on n.oid = i.relnamespace
        where x.indrelid = any(${list})
          and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)
        order by i.relname`,
    ),
  };
  for (const fk of saved.foreignKeys)
    await session.query(`alter table ${fk.table} drop constraint ${fk.name}`);
  for (const ix of saved.indexes) await session.query(`drop index ${ix.name}`);
  return {
    async restore() {
      // Session settings for the rebuild only (reset at commit by SET LOCAL): bigger sorts in memory.
      await session.query("set local maintenance_work_mem = '512MB'");
      for (const ix of saved.indexes) await session.query(ix.def);
      for (const fk of saved.foreignKeys) {
        await session.query(`alter table ${fk.table} add constraint ${fk.name} ${fk.def}`);
      }
    },
  };
}
