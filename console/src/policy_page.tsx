// One policy: its versions, any version's text, and a line diff between any two versions.
// ?v=N picks the version shown; ?view=compare&from=A&to=B the diff; ?view=shadow its shadow
// version (review role and up).
import { useEffect } from "preact/hooks";
import { DiffView, NumberedText } from "./diff_view";
import { when } from "./format";
import { href, navigate } from "./route";
import { Select } from "./select";
import { ShadowPanel } from "./shadow_panel";
import { ShortcutBar, useShortcuts } from "./shortcuts";
import { ErrorBox, Loading } from "./states";
import type { Me, Policy, Versions } from "./types";
import { can } from "./types";
import { useApi } from "./use_api";

function versionPath(id: string, version: number | null): string | null {
  return version === null ? null : `/v1/policies/${encodeURIComponent(id)}?version=${version}`;
}

function Compare({ id, from, to, versions }: { id: string; from: number; to: number; versions: number[] }) {
  const before = useApi<Policy>(versionPath(id, from));
  const after = useApi<Policy>(versionPath(id, to));
  const pick = (which: "from" | "to", value: number) =>
    navigate(["policies", id], { view: "compare", from: which === "from" ? value : from, to: which === "to" ? value : to });
  const choices = versions.map((v): [string, string] => [String(v), `v${v}`]);
  return (
    <div>
      <div class="compare-pick">
        <Select label="From" value={String(from)} options={choices} onChange={(v) => pick("from", Number(v))} />
        <Select label="To" value={String(to)} options={choices} onChange={(v) => pick("to", Number(v))} />
      </div>
      {before.error || after.error ? (
        <ErrorBox message={(before.error ?? after.error)!} retry={() => (before.reload(), after.reload())} />
      ) : !before.data || !after.data ? (
        <Loading what="both versions" />
      ) : (
        <DiffView before={before.data.text} after={after.data.text} caption={`v${from} → v${to}`} />
      )}
    </div>
  );
}

export function PolicyPage({ me, id, query }: { me: Me; id: string; query: URLSearchParams }) {
  const history = useApi<Versions>(`/v1/policies/${encodeURIComponent(id)}/versions`);
  const numbers = (history.data?.versions ?? []).map((v) => v.version);
  const latest = numbers.length ? numbers[numbers.length - 1] : null;
  const asked = Number(query.get("v"));
  const shown = numbers.includes(asked) ? asked : (history.data?.current ?? latest);
  const comparing = query.get("view") === "compare" && numbers.length > 1;
  const shadowing = query.get("view") === "shadow" && can(me, "review");
  const to = numbers.includes(Number(query.get("to"))) ? Number(query.get("to")) : (latest ?? 1);
  const fromAsked = Number(query.get("from"));
  const from = numbers.includes(fromAsked) ? fromAsked : numbers[Math.max(numbers.indexOf(to) - 1, 0)];
  // Loaded in the compare view too: its title heads the page either way.
  const policy = useApi<Policy>(versionPath(id, shown));
  const editable = can(me, "admin") && history.data?.current !== null && history.data !== null;

  useEffect(() => {
    document.title = `${id} · arbiter`;
  }, [id]);

  const step = (by: number) => {
    const at = numbers.indexOf(shown ?? -1) + by;
    if (at >= 0 && at < numbers.length) navigate(["policies", id], { v: numbers[at] });
  };
  const shortcuts = [
    { key: "e", label: "edit", run: () => navigate(["policies", id, "edit"]), when: editable },
    { key: "c", label: "compare versions", run: () => navigate(["policies", id], { view: "compare" }), when: numbers.length > 1 && !comparing },
    { key: "t", label: "text", run: () => navigate(["policies", id]), when: comparing || shadowing },
    { key: "w", label: "shadow", run: () => navigate(["policies", id], { view: "shadow" }), when: can(me, "review") && !shadowing },
    // The list shows the newest first: j goes down it, to older versions.
    { key: "j", label: "older version", run: () => step(-1), when: !comparing && !shadowing },
    { key: "k", label: "newer version", run: () => step(1), when: !comparing && !shadowing },
    { key: "Escape", label: "all policies", run: () => navigate(["policies"]) },
  ];
  useShortcuts(shortcuts);

  if (history.error) {
    return (
      <section class="screen">
        <p class="crumbs">
          <a href={href(["policies"])}>Policies</a> / {id}
        </p>
        <h1>{id}</h1>
        <ErrorBox message={history.error} retry={history.reload} />
      </section>
    );
  }
  if (!history.data) {
    return (
      <section class="screen">
        <h1>{id}</h1>
        <Loading what="the policy's versions" />
      </section>
    );
  }
  const current = history.data.current;
  return (
    <section class="screen">
      <p class="crumbs">
        <a href={href(["policies"])}>Policies</a> / {id}
      </p>
      <header class="screen-head">
        <div>
          <h1>
            {policy.data?.title || id}{" "}
            {current === null ? <span class="badge retired">retired</span> : <span class="badge">v{current} current</span>}
          </h1>
          {policy.data && !comparing && !shadowing && (
            <p class="muted">
              {id} · output {policy.data.output} · effort {policy.data.effort} · labels{" "}
              {policy.data.labels.length ? policy.data.labels.join(", ") : "none"} · {policy.data.rules.length} rules
            </p>
          )}
        </div>
        <div class="actions">
          <div class="segmented" role="group" aria-label="View">
            <a href={href(["policies", id], shown ? { v: shown } : undefined)} aria-current={comparing || shadowing ? undefined : "page"}>
              Text
            </a>
            {numbers.length > 1 ? (
              <a href={href(["policies", id], { view: "compare" })} aria-current={comparing ? "page" : undefined}>
                Compare
              </a>
            ) : (
              <span class="disabled" title="Only one version: nothing to compare yet">
                Compare
              </span>
            )}
            {can(me, "review") && (
              <a href={href(["policies", id], { view: "shadow" })} aria-current={shadowing ? "page" : undefined}>
                Shadow
              </a>
            )}
          </div>
          {current !== null && (
            <a class="button" href={href(["playground"], shown ? { policy: id, v: shown } : { policy: id })}>
              Try in playground
            </a>
          )}
          {editable && (
            <a class="button primary" href={href(["policies", id, "edit"])}>
              Edit
            </a>
          )}
        </div>
      </header>
      {!can(me, "admin") && (
        <p class="notice">Your role ({me.role}) may read policies; saving a new version needs an admin key.</p>
      )}
      <div class="split">
        <aside class="versions" aria-label="Versions">
          <h2>Versions</h2>
          <ol reversed>
            {[...history.data.versions].reverse().map((v) => (
              <li key={v.version}>
                <a
                  href={href(["policies", id], { v: v.version })}
                  aria-current={!comparing && !shadowing && v.version === shown ? "page" : undefined}
                >
                  <span class="v">v{v.version}</span>
                  <span class="when">{when(v.created_at)}</span>
                  <span class="by">{v.author ? `by ${v.author}` : "from the policy files"}</span>
                  {v.deleted && <span class="badge retired">retired</span>}
                  {v.version === current && <span class="badge">current</span>}
                </a>
              </li>
            ))}
          </ol>
        </aside>
        <div class="pane">
          {shadowing ? (
            <ShadowPanel me={me} id={id} versions={numbers} current={current} />
          ) : comparing ? (
            <Compare id={id} from={from} to={to} versions={numbers} />
          ) : policy.error ? (
            <ErrorBox message={policy.error} retry={policy.reload} />
          ) : !policy.data ? (
            <Loading what={`version ${shown}`} />
          ) : (
            <>
              <h2 class="pane-title">
                Version {policy.data.version}
                {policy.data.created_at && <span class="muted"> · saved {when(policy.data.created_at)}</span>}
              </h2>
              <NumberedText text={policy.data.text} label={`Text of version ${policy.data.version}`} />
            </>
          )}
        </div>
      </div>
      <ShortcutBar shortcuts={shortcuts} />
    </section>
  );
}
