// What a measure view hands to a chart and to its table: plain data, no Chart.js types, so the
// mappings in measures/views.ts stay small and testable.

export interface Series {
  label: string;
  data: (number | null)[];
  /** Drawn as a line over bars (mixed charts). */
  line?: boolean;
  /** The right-hand axis (rates beside counts). */
  right?: boolean;
  /** Points only, no line: targets such as a time-standard tier. */
  markers?: boolean;
  /** Palette index, to pair a target with its bars (default: the series' position). */
  color?: number;
}

export interface ChartSpec {
  kind: "bar" | "line";
  labels: string[];
  series: Series[];
  yTitle: string;
  rightTitle?: string;
  stacked?: boolean;
  /** Fixed 0–100 scale for percentages. */
  percent?: boolean;
}

export type Cell = string | { text: string; href: string };

export interface TableSpec {
  columns: string[];
  rows: Cell[][];
}
