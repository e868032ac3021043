// ROC and PR curves of the baseline and the candidate, drawn by uPlot on a canvas (no inline
// script or style markup: uPlot styles through the CSSOM, which the CSP allows). Each chart has a
// text alternative naming what it shows and its areas, for readers who cannot see the canvas.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

export type Curve = [number, number][];

// Both curves on one x grid (uPlot's series share their x values): the step each curve has
// reached at each grid point. ROC takes the best tpr at or below an fpr; PR the best precision at
// or above a recall (interpolated precision), the usual ways to read those curves.
const grid = Array.from({ length: 101 }, (_, i) => i / 100);

function onGrid(curve: Curve, kind: "roc" | "pr"): (number | null)[] {
  if (curve.length === 0) return grid.map(() => null);
  return grid.map((x) => {
    let best: number | null = null;
    for (const [px, py] of curve) {
      const counts = kind === "roc" ? px <= x + 1e-9 : px >= x - 1e-9;
      if (counts && (best === null || py > best)) best = py;
    }
    return best;
  });
}

export function CurveChart({
  kind,
  baseline,
  candidate,
  summary,
}: {
  kind: "roc" | "pr";
  baseline: Curve | undefined;
  candidate: Curve | undefined;
  summary: string;
}) {
  const holder = useRef<HTMLDivElement>(null);
  const title = kind === "roc" ? "ROC curve" : "Precision-recall curve";
  useEffect(() => {
    if (!holder.current) return;
    const chart = new uPlot(
      {
        width: 420,
        height: 280,
        legend: { show: true, live: false },
        cursor: { y: false },
        scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
        axes: [
          { label: kind === "roc" ? "false positive rate" : "recall", stroke: "#5a6473", grid: { stroke: "#eceef2" } },
          { label: kind === "roc" ? "true positive rate" : "precision", stroke: "#5a6473", grid: { stroke: "#eceef2" } },
        ],
        series: [
          { label: kind === "roc" ? "fpr" : "recall" },
          { label: "baseline", stroke: "#8a94a3", width: 2, dash: [6, 4], spanGaps: true },
          { label: "candidate", stroke: "#2f4ac0", width: 2, spanGaps: true },
        ],
      },
      [grid, onGrid(baseline ?? [], kind), onGrid(candidate ?? [], kind)],
      holder.current,
    );
    return () => chart.destroy();
  }, [kind, baseline, candidate]);
  return (
    <figure class="chart">
      <div ref={holder} role="img" aria-label={`${title}: ${summary}`} />
      <figcaption>
        <strong>{title}</strong> · {summary}
      </figcaption>
    </figure>
  );
}
