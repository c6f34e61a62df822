// The measures' SQL, split per rollup table (each file stays small and reads one table):
// counts (clearance, caseflow, continuances, judge workload), pending spans (pending age, backlog),
// dispositions (time to disposition), trials (trial date certainty), and the rollup refresh itself.
export * from "./measures.counts.repo";
export * from "./measures.dispositions.repo";
export * from "./measures.pending.repo";
export * from "./measures.rollups.repo";
export * from "./measures.trials.repo";
