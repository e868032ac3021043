// How the console writes times and shares, the same on every screen.

export function when(timestamp: string | null | undefined): string {
  if (!timestamp) return "—";
  const d = new Date(timestamp);
  return isNaN(d.getTime()) ? timestamp : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

// A share in [0, 1] as a percentage; null (nothing to measure yet) as a dash.
export function percent(share: number | null | undefined, digits = 0): string {
  return share === null || share === undefined ? "—" : `${(share * 100).toFixed(digits)}%`;
}
