// Labelled sets: each policy's reviewed items, one per content, labelled by its reviews' majority.
// Export downloads the set as the JSONL `arbiter eval` reads. The download is fetched with the key
// (a plain link could not send it) and saved from a Blob.
import { useEffect, useState } from "preact/hooks";
import { ApiError, describe, storedKey } from "./api";
import type { LabelledSet } from "./review_types";
import { href, navigate } from "./route";
import { ScreenFrame, TableHead } from "./screen_frame";
import { useShortcuts } from "./shortcuts";
import { Empty, ErrorBox, Loading } from "./states";
import { useApi } from "./use_api";

async function download(policy: string): Promise<void> {
  const key = storedKey();
  const res = await fetch(`/v1/labelled-sets/${encodeURIComponent(policy)}`, {
    headers: key ? { Authorization: `Bearer ${key}` } : {},
  });
  if (!res.ok) {
    const text = await res.text();
    let message = `${res.status} ${res.statusText}`;
    try {
      message = JSON.parse(text).error.message ?? message;
    } catch {
      // not JSON: the status says it
    }
    throw new ApiError(res.status, message);
  }
  const url = URL.createObjectURL(new Blob([await res.text()], { type: "application/x-ndjson" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = `${policy}-labelled.jsonl`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoked after the click has handed the file to the browser.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function LabelledSets() {
  // {"sets": [...]} as the server answers; docs/review-api.md shows the bare list.
  const sets = useApi<{ sets: LabelledSet[] } | LabelledSet[]>("/v1/labelled-sets");
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const all = sets.data ? (Array.isArray(sets.data) ? sets.data : sets.data.sets) : [];
  const rows = all.filter((s) => s.items > 0);

  useEffect(() => {
    document.title = "Labelled sets · arbiter";
  }, []);

  const exportSet = async (policy: string) => {
    setBusy(policy);
    setError(null);
    try {
      await download(policy);
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(null);
    }
  };
  const [selected, setSelected] = useState(0);
  const at = Math.min(selected, Math.max(rows.length - 1, 0));
  const shortcuts = [
    { key: "j", label: "next", run: () => setSelected(Math.min(at + 1, rows.length - 1)), also: ["ArrowDown"] },
    { key: "k", label: "previous", run: () => setSelected(Math.max(at - 1, 0)), also: ["ArrowUp"] },
    { key: "e", label: "export JSONL", run: () => rows[at] && exportSet(rows[at].policy), when: rows.length > 0 && busy === null },
    { key: "r", label: "run a version over it", run: () => rows[at] && navigate(["runs"], { policy: rows[at].policy }), when: rows.length > 0 },
  ];
  useShortcuts(shortcuts);

  let body;
  if (sets.loading && !sets.data) body = <Loading what="the labelled sets" />;
  else if (sets.error) body = <ErrorBox message={sets.error} retry={sets.reload} />;
  else if (rows.length === 0) {
    body = (
      <Empty title="No labelled sets yet: no item has been reviewed.">
        <p>
          Reviews make them: <a href={href(["queue"])}>review some queued decisions</a>, and each policy's reviewed items
          appear here as a set to export.
        </p>
      </Empty>
    );
  } else {
    body = (
      <>
        <table class="list sets">
          <TableHead columns={["Policy", "#Items", "#Violations", "#Ties", ""]} />
          <tbody>
            {rows.map((s, i) => (
              <tr key={s.policy} class={i === at ? "selected" : undefined}>
                <td>
                  <strong>{s.policy}</strong>
                  <p class="help">
                    Evaluate it: <code>arbiter eval --model MODEL.gguf --policy {s.policy}.md --data {s.policy}-labelled.jsonl</code>
                  </p>
                </td>
                <td class="num">{s.items}</td>
                <td class="num">{s.violations}</td>
                <td class="num" title="Items whose reviews split evenly: the latest review's label counts">
                  {s.ties}
                </td>
                <td class="row-actions">
                  <button type="button" onClick={() => exportSet(s.policy)} disabled={busy !== null}>
                    {busy === s.policy ? "Exporting…" : "Export JSONL"}
                  </button>
                  <a class="button" href={href(["runs"], { policy: s.policy })}>
                    Run a version over it
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {error && <ErrorBox message={error} />}
        <p class="help">
          One line per reviewed content, labelled by the majority of its reviews (a tie: the latest review); each line names
          its reviewers.
        </p>
      </>
    );
  }

  return (
    <ScreenFrame
      title="Labelled sets"
      subtitle={
        <>
          Reviewed items, ready for <code>arbiter eval</code> and for runs
        </>
      }
      shortcuts={shortcuts}
    >
      {body}
    </ScreenFrame>
  );
}
