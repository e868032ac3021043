// A line diff of two policy texts (jsdiff's diffLines), long unchanged stretches folded to a few
// lines of context that open on click. Lines are rendered as text, never as HTML.
import { diffLines } from "diff";
import { useMemo, useState } from "preact/hooks";

type Row =
  | { kind: "same" | "add" | "del"; old: number | null; new: number | null; text: string }
  | { kind: "fold"; id: number; count: number };

const context = 3;

function lines(value: string): string[] {
  const split = value.split("\n");
  if (split[split.length - 1] === "") split.pop();
  return split;
}

function rowsOf(before: string, after: string, open: Set<number>): { rows: Row[]; added: number; removed: number } {
  const all: Row[] = [];
  let o = 1;
  let n = 1;
  let added = 0;
  let removed = 0;
  for (const change of diffLines(before, after)) {
    for (const text of lines(change.value)) {
      if (change.added) {
        all.push({ kind: "add", old: null, new: n++, text });
        ++added;
      } else if (change.removed) {
        all.push({ kind: "del", old: o++, new: null, text });
        ++removed;
      } else {
        all.push({ kind: "same", old: o++, new: n++, text });
      }
    }
  }
  // Fold runs of unchanged lines further than `context` from any change.
  const near = all.map(() => false);
  all.forEach((r, i) => {
    if (r.kind === "same") return;
    for (let j = Math.max(0, i - context); j <= Math.min(all.length - 1, i + context); ++j) near[j] = true;
  });
  const rows: Row[] = [];
  for (let i = 0; i < all.length; ) {
    if (near[i]) {
      rows.push(all[i++]);
      continue;
    }
    let end = i;
    while (end < all.length && !near[end]) ++end;
    if (end - i <= 1) {
      rows.push(all[i++]);
      continue;
    }
    if (open.has(-i - 1)) {
      rows.push(...all.slice(i, end));
    } else {
      rows.push({ kind: "fold", id: i, count: end - i });
    }
    i = end;
  }
  return { rows, added, removed };
}

export function DiffView({ before, after, caption }: { before: string; after: string; caption: string }) {
  // Folds the reader opened, each by its first line's index (as -index - 1).
  const [open, setOpen] = useState<Set<number>>(new Set());
  const { rows, added, removed } = useMemo(() => rowsOf(before, after, open), [before, after, open]);
  if (added === 0 && removed === 0) {
    return <p class="state empty">{caption}: the texts are the same.</p>;
  }
  return (
    <div class="diff-wrap">
      <p class="diff-summary">
        {caption}: <span class="added">+{added}</span> <span class="removed">−{removed}</span> lines
      </p>
      <table class="diff">
        <caption class="visually-hidden">{caption}</caption>
        <thead class="visually-hidden">
          <tr>
            <th scope="col">Old line</th>
            <th scope="col">New line</th>
            <th scope="col">Change</th>
            <th scope="col">Text</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) =>
            r.kind === "fold" ? (
              <tr key={`f${r.id}`} class="fold">
                <td colSpan={4}>
                  <button type="button" onClick={() => setOpen(new Set(open).add(-r.id - 1))}>
                    Show {r.count} unchanged lines
                  </button>
                </td>
              </tr>
            ) : (
              <tr key={`${r.old}-${r.new}`} class={r.kind}>
                <td class="num">{r.old ?? ""}</td>
                <td class="num">{r.new ?? ""}</td>
                <td class="sign" aria-label={r.kind === "add" ? "added" : r.kind === "del" ? "removed" : "unchanged"}>
                  {r.kind === "add" ? "+" : r.kind === "del" ? "−" : ""}
                </td>
                <td class="code">{r.text}</td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}

// A text with its line numbers, the same look as the diff.
export function NumberedText({ text, label }: { text: string; label: string }) {
  return (
    <table class="diff plain">
      <caption class="visually-hidden">{label}</caption>
      <tbody>
        {lines(text).map((line, i) => (
          <tr key={i}>
            <td class="num">{i + 1}</td>
            <td class="code">{line}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
