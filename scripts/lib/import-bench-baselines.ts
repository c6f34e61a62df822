import { once } from "node:events";
import type postgres from "postgres";

// Raw baselines measured in the same run as the import benchmark (ARCHITECTURE: benchmarks report
// ratios against raw baselines): how fast this machine's PostgreSQL takes the same number of rows
// by COPY and by a raw postgres.js multi-row upsert, with none of the import's validation or logic.

export interface Baselines {
  copyRowsPerSecond: number;
  upsertRowsPerSecond: number;
}

export async function measureBaselines(sql: postgres.Sql, rows: number): Promise<Baselines> {
  await sql`drop table if exists bench_baseline`;
  await sql`create unlogged table bench_baseline (court_id int, case_number text, case_type text, filed_on date, primary key (court_id, case_number))`;
  const line = (i: number) => `${i % 12}\tBN-${i}\tfelony\t2024-01-01\n`;

  let t0 = performance.now();
  await sql.begin(async (tx) => {
    const w = await tx`copy bench_baseline from stdin`.writable();
    let buf = "";
    for (let i = 0; i < rows; i++) {
      buf += line(i);
      if (buf.length > 256 * 1024) {
        if (!w.write(buf)) await once(w, "drain");
        buf = "";
      }
    }
    w.write(buf);
    const done = once(w, "finish");
    w.end();
    await done;
  });
  const copyRowsPerSecond = rows / ((performance.now() - t0) / 1000);

  await sql`truncate bench_baseline`;
  t0 = performance.now();
  const batch = 5000;
  for (let start = 0; start < rows; start += batch) {
    const values = Array.from({ length: Math.min(batch, rows - start) }, (_, k) => {
      const i = start + k;
      return { court_id: i % 12, case_number: `BN-${i}`, case_type: "felony", filed_on: "2024-01-01" };
    });
    await sql`insert into bench_baseline ${sql(values)}
      on conflict (court_id, case_number) do update set case_type = excluded.case_type`;
  }
  const upsertRowsPerSecond = rows / ((performance.now() - t0) / 1000);
  await sql`drop table bench_baseline`;
  return { copyRowsPerSecond, upsertRowsPerSecond };
}
