// A policy's shadow: a candidate version that judges live traffic too, its verdicts logged and
// never returned. Shows how often it agrees with the live version and the latest items where they
// differ; an admin chooses the version or stops it. Refreshed every few seconds while a shadow
// runs, since pairs arrive with traffic.
import { useState } from "preact/hooks";
import { api, describe } from "./api";
import { Differences, type Difference } from "./flips_view";
import { percent, when } from "./format";
import type { Shadow } from "./review_types";
import { href } from "./route";
import { Select } from "./select";
import { ErrorBox, FieldError, Loading } from "./states";
import type { Me } from "./types";
import { can } from "./types";
import { usePoll } from "./use_poll";

function Choose({ id, versions, current, shadow, onChanged }: { id: string; versions: number[]; current: number | null; shadow: Shadow["shadow"]; onChanged: () => void }) {
  const others = versions.filter((v) => v !== current).reverse();
  const [version, setVersion] = useState(String(others[0] ?? ""));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const send = async (method: "PUT" | "DELETE") => {
    setBusy(true);
    setError(null);
    try {
      await api(`/v1/policies/${encodeURIComponent(id)}/shadow`, method === "PUT" ? { method, body: { version: Number(version) } } : { method });
      onChanged();
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="shadow-choose">
      {others.length === 0 ? (
        <p class="muted">Only the live version is stored: save or promote another version to shadow it.</p>
      ) : (
        <>
          <Select label="Shadow version" value={version} options={others.map((v) => [String(v), `v${v}`])} onChange={setVersion} />
          {shadow?.version !== Number(version) && (
            <button type="button" class="primary" onClick={() => send("PUT")} disabled={busy || !version}>
              {shadow ? "Shadow this instead" : "Start shadowing"}
            </button>
          )}
        </>
      )}
      {shadow && (
        <button type="button" onClick={() => send("DELETE")} disabled={busy}>
          Stop the shadow
        </button>
      )}
      <FieldError message={error} />
    </div>
  );
}

export function ShadowPanel({ me, id, versions, current }: { me: Me; id: string; versions: number[]; current: number | null }) {
  const shadow = usePoll<Shadow>(`/v1/policies/${encodeURIComponent(id)}/shadow`, (s) => s.shadow !== null, 2000);
  const s = shadow.data;
  if (shadow.error && !s) return <ErrorBox message={shadow.error} retry={shadow.reload} />;
  if (!s) return <Loading what="the shadow" />;
  const differing = s.differing.map(
    (d): Difference => ({
      key: String(d.decision_id),
      title: (
        <>
          decision {d.decision_id} <span class="muted">· {when(d.created_at)}</span>
        </>
      ),
      content: d.content,
      sides: [
        { name: `live v${d.live.policy_version}`, ...d.live },
        { name: `shadow v${d.shadow.policy_version}`, ...d.shadow },
      ],
    }),
  );
  return (
    <section class="shadow" aria-label="Shadow">
      <h2 class="pane-title">Shadow</h2>
      <p class="help">
        A shadow version judges live traffic too, after each live verdict; its verdicts are logged and never returned. Compare
        it here before <a href={href(["runs"], { policy: id })}>running and promoting</a> it.
      </p>
      {s.shadow ? (
        <p class="shadow-state">
          <span class="badge">shadow v{s.shadow.version}</span> since {when(s.shadow.since)} by {s.shadow.set_by}
        </p>
      ) : (
        <p class="shadow-state muted">No shadow: live traffic is judged by the live version only.</p>
      )}
      {can(me, "admin") && <Choose id={id} versions={versions} current={current} shadow={s.shadow} onChanged={shadow.reload} />}
      <dl class="figures">
        <div>
          <dt>Pairs</dt>
          <dd>{s.pairs}</dd>
        </div>
        <div>
          <dt>Agreement</dt>
          <dd>{percent(s.agreement, 1)}</dd>
        </div>
        <div>
          <dt>Differing</dt>
          <dd>{s.differing.length}</dd>
        </div>
        <div>
          <dt title="Shadow jobs dropped because the queue was full">Skipped</dt>
          <dd>{s.skipped}</dd>
        </div>
      </dl>
      {shadow.error && <ErrorBox message={shadow.error} retry={shadow.reload} />}
      <h3>Where they differ</h3>
      <Differences
        items={differing}
        empty={s.pairs === 0 ? "No pairs yet: they come with live traffic (POST /v1/classify) while a shadow is set." : "No differences: the shadow agreed on every pair."}
      />
    </section>
  );
}
