// How figures are written on the page (and read back by the browser tests).

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? "–" : integer.format(n);
}

export function formatNumber(n: number | null | undefined): string {
  return n === null || n === undefined ? "–" : decimal.format(n);
}

export function formatRate(n: number | null | undefined): string {
  return n === null || n === undefined ? "–" : `${decimal.format(n)}%`;
}

export function formatDays(n: number | null | undefined): string {
  return n === null || n === undefined ? "–" : `${decimal.format(n)} d`;
}

/** A signed change, e.g. "+1.5" or "−3"; `unit` is appended ("pp" for rate changes). */
export function formatChange(n: number | null | undefined, unit = ""): string {
  if (n === null || n === undefined) return "–";
  const sign = n > 0 ? "+" : n < 0 ? "−" : "±";
  return `${sign}${decimal.format(Math.abs(n))}${unit}`;
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().replace("T", " ").slice(0, 19)} UTC`;
}

export function humanize(code: string): string {
  return code.replace(/_/g, " ");
}
