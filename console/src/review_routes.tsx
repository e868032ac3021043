// The review sections (issue 18's review queue, labelled sets and runs): their sidebar entries and
// which screen each route shows, kept here so the shell only lists and asks. Review role and up.
import { LabelledSets } from "./labelled_sets";
import { QueueOverview } from "./queue_overview";
import { QueueRulesPage } from "./queue_rules";
import { ReviewScreen } from "./review_screen";
import type { Route } from "./route";
import { RunNew } from "./run_new";
import { RunPage } from "./run_page";
import { RunsList } from "./runs_list";
import type { Me } from "./types";
import { can } from "./types";

// [route section, sidebar label]
export function reviewSections(me: Me): [string, string][] {
  if (!can(me, "review")) return [];
  return [
    ["queue", "Review queue"],
    ["sets", "Labelled sets"],
    ["runs", "Runs"],
  ];
}

// The screen for a review route, or null when the route is not one (or the role may not see it).
export function reviewScreen(me: Me, route: Route) {
  if (!can(me, "review")) return null;
  const [section, id, action] = route.parts;
  if (section === "queue" && id && action === "rules") return <QueueRulesPage me={me} policy={id} />;
  if (section === "queue" && id) return <ReviewScreen key={id} me={me} policy={id} />;
  if (section === "queue") return <QueueOverview me={me} />;
  if (section === "sets") return <LabelledSets />;
  if (section === "runs" && id === "new") return <RunNew policy={route.query.get("policy")} />;
  if (section === "runs" && id) return <RunPage key={id} me={me} id={id} />;
  if (section === "runs") return <RunsList key={route.query.get("policy") ?? ""} policy={route.query.get("policy")} />;
  return null;
}
