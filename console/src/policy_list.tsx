// Policies: the current version of each stored policy, filterable, opened by click or keyboard.
import { useRef, useState } from "preact/hooks";
import { href, navigate } from "./route";
import { ShortcutBar, useShortcuts } from "./shortcuts";
import { Empty, ErrorBox, Loading } from "./states";
import type { Me, Policy } from "./types";
import { can } from "./types";
import { useApi } from "./use_api";

export function PolicyList({ me }: { me: Me }) {
  const policies = useApi<{ policies: Policy[] }>("/v1/policies");
  const [filter, setFilter] = useState("");
  const [selected, setSelected] = useState(0);
  const filterRef = useRef<HTMLInputElement>(null);

  const needle = filter.trim().toLowerCase();
  const shown = (policies.data?.policies ?? []).filter(
    (p) => !needle || p.id.toLowerCase().includes(needle) || p.title.toLowerCase().includes(needle),
  );
  const at = Math.min(selected, Math.max(shown.length - 1, 0));
  const shortcuts = [
    { key: "/", label: "filter", run: () => filterRef.current?.focus() },
    { key: "j", label: "next", run: () => setSelected(Math.min(at + 1, shown.length - 1)) },
    { key: "k", label: "previous", run: () => setSelected(Math.max(at - 1, 0)) },
    { key: "Enter", label: "open", run: () => shown[at] && navigate(["policies", shown[at].id]), when: shown.length > 0 },
    { key: "n", label: "new policy", run: () => navigate(["policies", "new"]), when: can(me, "admin") },
    { key: "Escape", label: "clear filter", run: () => (setFilter(""), filterRef.current?.blur()) },
  ];
  useShortcuts(shortcuts);

  let body;
  if (policies.loading && !policies.data) {
    body = <Loading what="policies" />;
  } else if (policies.error) {
    body = <ErrorBox message={policies.error} retry={policies.reload} />;
  } else if (policies.data?.policies.length === 0) {
    body = (
      <Empty title="No policies are stored yet.">
        <p>
          Start the server with a folder of policy files (<code>arbiter serve --policies examples/policies</code>)
          {can(me, "admin") ? ", or write one here with New policy." : ", or ask an admin to add one."}
        </p>
      </Empty>
    );
  } else if (shown.length === 0) {
    body = <Empty title={`No policy matches “${filter}”.`}>{<p>Try part of an id or a title; Esc clears the filter.</p>}</Empty>;
  } else {
    body = (
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Policy</th>
            <th scope="col">Title</th>
            <th scope="col">Version</th>
            <th scope="col">Output</th>
            <th scope="col">Labels</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((p, i) => (
            <tr key={p.id} class={i === at ? "selected" : undefined} onClick={() => navigate(["policies", p.id])}>
              <td>
                <a href={href(["policies", p.id])}>{p.id}</a>
              </td>
              <td>{p.title || <span class="muted">untitled</span>}</td>
              <td>v{p.version}</td>
              <td>{p.output}</td>
              <td>{p.labels.length ? p.labels.join(", ") : <span class="muted">none</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }

  return (
    <section class="screen">
      <header class="screen-head">
        <div>
          <h1>Policies</h1>
          <p class="muted">
            {policies.data ? `${policies.data.policies.length} stored, each at its current version` : "Stored policies"}
          </p>
        </div>
        <div class="actions">
          <label class="visually-hidden" for="policy-filter">
            Filter policies
          </label>
          <input
            id="policy-filter"
            ref={filterRef}
            type="search"
            placeholder="Filter by id or title"
            value={filter}
            onInput={(e) => {
              setFilter((e.target as HTMLInputElement).value);
              setSelected(0);
            }}
          />
          {can(me, "admin") && (
            <a class="button primary" href={href(["policies", "new"])}>
              New policy
            </a>
          )}
        </div>
      </header>
      {body}
      <ShortcutBar shortcuts={shortcuts} />
    </section>
  );
}
