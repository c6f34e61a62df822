const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** "30s", "15m", "1h", "7d" → seconds (the format config/env.ts validates). */
export function durationSeconds(value: string): number {
  const m = /^(\d+)([smhd])$/.exec(value);
  if (!m) throw new Error(`not a duration: ${value}`);
  return Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS];
}
