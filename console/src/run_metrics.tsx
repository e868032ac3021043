// A run's figures: baseline beside candidate (each rate with its 95% interval, the change in
// bold when the intervals do not overlap), and both confusion matrices.
import type { Metrics, Rate } from "./review_types";

function fmt(x: number | null | undefined): string {
  return x === null || x === undefined ? "—" : x.toFixed(3);
}

function RateCell({ rate }: { rate: Rate | undefined }) {
  if (!rate) return <td class="num">—</td>;
  return (
    <td class="num">
      {fmt(rate.value)} <span class="ci">[{fmt(rate.ci95[0])}, {fmt(rate.ci95[1])}]</span>
    </td>
  );
}

function Delta({ before, after }: { before: Rate | undefined; after: Rate | undefined }) {
  if (!before || !after) return <td class="num">—</td>;
  const d = after.value - before.value;
  // Intervals apart: a change the data supports, not noise of a small set.
  const clear = after.ci95[0] > before.ci95[1] || after.ci95[1] < before.ci95[0];
  const text = `${d > 0 ? "+" : ""}${d.toFixed(3)}`;
  return <td class={`num ${d > 0 ? "better" : d < 0 ? "worse" : ""}`}>{clear ? <strong>{text}</strong> : text}</td>;
}

const rates: [keyof Metrics, string][] = [
  ["precision", "Precision"],
  ["recall", "Recall"],
  ["f1", "F1"],
  ["accuracy", "Accuracy"],
];

export function MetricsTable({ baseline, candidate, names }: { baseline: Metrics; candidate: Metrics; names: [string, string] }) {
  return (
    <table class="metrics">
      <caption class="visually-hidden">Baseline and candidate metrics with 95% intervals</caption>
      <thead>
        <tr>
          <th scope="col">Metric</th>
          <th scope="col" class="num">
            Baseline ({names[0]})
          </th>
          <th scope="col" class="num">
            Candidate ({names[1]})
          </th>
          <th scope="col" class="num">
            Change
          </th>
        </tr>
      </thead>
      <tbody>
        {rates.map(([k, label]) => (
          <tr key={k}>
            <th scope="row">{label}</th>
            <RateCell rate={baseline[k] as Rate} />
            <RateCell rate={candidate[k] as Rate} />
            <Delta before={baseline[k] as Rate} after={candidate[k] as Rate} />
          </tr>
        ))}
        <tr>
          <th scope="row">ROC AUC</th>
          <td class="num">{fmt(baseline.roc_auc)}</td>
          <td class="num">{fmt(candidate.roc_auc)}</td>
          <td />
        </tr>
        <tr>
          <th scope="row">PR AUC</th>
          <td class="num">{fmt(baseline.pr_auc)}</td>
          <td class="num">{fmt(candidate.pr_auc)}</td>
          <td />
        </tr>
        <tr>
          <th scope="row">Items judged</th>
          <td class="num">
            {baseline.evaluated} of {baseline.items}
          </td>
          <td class="num">
            {candidate.evaluated} of {candidate.items}
          </td>
          <td />
        </tr>
      </tbody>
    </table>
  );
}

export function Confusion({ metrics, title }: { metrics: Metrics; title: string }) {
  const c = metrics.confusion;
  if (!c) return <p class="muted">{title}: no item was judged.</p>;
  return (
    <table class="confusion">
      <caption>{title}</caption>
      <thead>
        <tr>
          <td />
          <th scope="col">judged violates</th>
          <th scope="col">judged safe</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <th scope="row">labelled violates</th>
          <td class="good">
            {c.tp} <span>caught</span>
          </td>
          <td class="bad">
            {c.fn} <span>missed</span>
          </td>
        </tr>
        <tr>
          <th scope="row">labelled safe</th>
          <td class="bad">
            {c.fp} <span>false alarm</span>
          </td>
          <td class="good">
            {c.tn} <span>left alone</span>
          </td>
        </tr>
      </tbody>
    </table>
  );
}
