// The shapes of arbiter's HTTP API that the console reads (src/service/server.h lists the routes).

export type Role = "classify" | "review" | "admin";

// GET /v1/me
export interface Me {
  name: string;
  role: Role;
  keys: boolean; // false: the server has no API keys (loopback only) and everyone is admin
}

// GET /v1/policies/{id}: core/policy_json.h's shape; created_at and deleted with ?version=N.
export interface Policy {
  id: string;
  version: number;
  title: string;
  labels: string[];
  output: string;
  effort: string;
  text: string;
  rules: unknown[];
  cascade?: unknown;
  stream?: unknown;
  created_at?: string;
  deleted?: boolean;
}

// GET /v1/policies/{id}/versions
export interface VersionInfo {
  version: number;
  created_at: string;
  deleted: boolean;
  author: string | null; // the API key that wrote it; null: the policy files
}
export interface Versions {
  id: string;
  current: number | null; // null: the policy was retired
  versions: VersionInfo[];
}

// POST /v1/lint
export interface LintWarning {
  line: number; // 1-based in the text; 0 for the policy as a whole
  message: string;
}
export interface LintResult {
  warnings: LintWarning[];
  estimated_tokens: number;
}

const rank: Record<Role, number> = { classify: 0, review: 1, admin: 2 };

// Whether `me` may do what `needed` allows: the service's order, classify < review < admin.
export function can(me: Me, needed: Role): boolean {
  return rank[me.role] >= rank[needed];
}

// A verdict as /v1/classify returns it (core/verdict_json.h).
export interface Verdict {
  id: string;
  policy: string;
  policy_version: number;
  violation: boolean | null;
  category: string | null;
  rule_ids: string[];
  confidence: string | null;
  probability: number | null;
  tier: string;
  fast_probability?: number;
  rationale: string;
  status: string;
  error: string;
  usage: { prompt_tokens: number; cached_tokens: number; completion_tokens: number };
  latency_ms: number;
}

// Content as the decision log stores it and the API takes it.
// An agent's turns also carry tool calls (an assistant's) or the call a tool's result answers.
export type ToolCall = { id: string; type: string; function: { name: string; arguments: string } };
export type Turn = { role: string; content: string; tool_calls?: ToolCall[]; tool_call_id?: string; name?: string };
export type Content = { text: string } | { prompt: string; response: string } | { messages: Turn[] };

// A review of a decision, when the server sends them with GET /v1/decisions/{id}.
export interface Review {
  reviewer: string;
  created_at: string;
  violation: boolean | null;
  note: string;
  policy_version: number;
}

// GET /v1/decisions rows and GET /v1/decisions/{id}
export interface Decision {
  decision_id: number;
  created_at: string;
  request_id: string;
  item_id: string;
  policy_id: string;
  policy_version: number;
  content: Content | null; // null: the server does not store content
  mode: string;
  verdict: Verdict;
  policy_source: string | null;
  reviews?: Review[];
}
export interface DecisionPage {
  decisions: Decision[];
  next_before: number | null;
}
