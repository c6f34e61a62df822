import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { useEffect, useRef } from "preact/hooks";
import type { ChartSpec } from "./chart-spec";

// Chart.js with only the pieces the dashboard draws registered (bars, lines, points, two linear axes,
// a category axis, tooltip and legend), so the bundler leaves the rest out.
Chart.register(
  BarController,
  BarElement,
  LineController,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Tooltip,
  Legend,
);

/** Okabe–Ito: distinguishable with the common colour-vision deficiencies. */
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"];

function configOf(spec: ChartSpec): ChartConfiguration {
  const hasRight = spec.series.some((s) => s.right);
  return {
    type: spec.kind,
    data: {
      labels: spec.labels,
      datasets: spec.series.map((s, i) => {
        const color = PALETTE[(s.color ?? i) % PALETTE.length]!;
        const asLine = spec.kind === "line" || s.line || s.markers;
        return {
          type: asLine ? "line" : "bar",
          label: s.label,
          data: s.data,
          backgroundColor: color,
          borderColor: color,
          borderWidth: asLine ? 2 : 0,
          showLine: !s.markers,
          pointRadius: s.markers ? 6 : asLine ? 2 : 0,
          pointStyle: s.markers ? "line" : "circle",
          yAxisID: s.right ? "right" : "y",
          order: asLine ? 0 : 1,
          spanGaps: true,
        };
      }) as ChartConfiguration["data"]["datasets"],
    },
    options: {
      // Figures, not motion: no animation, and what a screenshot or a test reads is final at once.
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { position: "bottom" } },
      scales: {
        x: { stacked: spec.stacked },
        y: {
          stacked: spec.stacked,
          beginAtZero: true,
          title: { display: true, text: spec.yTitle },
          ...(spec.percent ? { min: 0, max: 100 } : {}),
        },
        ...(hasRight
          ? {
              right: {
                position: "right" as const,
                beginAtZero: true,
                grid: { drawOnChartArea: false },
                title: { display: true, text: spec.rightTitle ?? "" },
              },
            }
          : {}),
      },
    },
  };
}

export function ChartView({ spec, label }: { spec: ChartSpec; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, configOf(spec));
    return () => chart.destroy();
  }, [spec]);
  return (
    <div class="chart-box">
      <canvas
        ref={canvas}
        role="img"
        aria-label={`${label} (chart; the Table button shows the same figures as a table)`}
        data-values={JSON.stringify(spec.series.map((s) => s.data))}
      />
    </div>
  );
}
