// The shapes of the review API the Review queue, Labelled sets, Runs and Shadow screens read
// (docs/review-api.md).

import type { Content, Verdict } from "./types";

// GET/PUT /v1/queue/rules
export interface QueueRules {
  policy: string;
  band: { min: number; max: number } | null;
  flagged: boolean;
  escalated: boolean;
  sample_percent: number;
  updated_at?: string;
  updated_by?: string;
}

export interface Review {
  id: number;
  decision_id: number;
  created_at: string;
  reviewer: string;
  policy_id: string;
  policy_version: number;
  violation: boolean;
  agrees_with_model: boolean | null; // null: the model gave no verdict to agree with
  note?: string | null;
}

// GET /v1/queue
export interface QueueItem {
  decision_id: number;
  created_at: string;
  policy_id: string;
  policy_version: number;
  content: Content | null; // null: the server does not store content
  verdict: Verdict;
  why: string[];
  reviews: Review[];
  disagreement: boolean;
}
export interface Queue {
  policy: string;
  items: QueueItem[];
  waiting: number;
}

// GET /v1/queue/summary
export interface QueueSummaryRow {
  policy: string;
  rules: boolean;
  waiting: number;
  reviewed: number;
  reviews: number;
  double_reviewed: number;
  agreement: number | null;
  model_agreement: number | null;
  disagreements: number;
}

// GET /v1/labelled-sets
export interface LabelledSet {
  policy: string;
  items: number;
  violations: number;
  ties: number;
}

// A rate with its 95% interval, as `arbiter eval` writes it.
export interface Rate {
  value: number;
  ci95: [number, number];
}
export interface Metrics {
  policy?: string;
  items: number;
  evaluated: number;
  confusion?: { tp: number; fp: number; tn: number; fn: number };
  precision: Rate;
  recall: Rate;
  f1: Rate;
  accuracy: Rate;
  roc_auc?: number | null;
  pr_auc?: number | null;
  curves?: { roc: [number, number][]; pr: [number, number][] };
}

// eval::compare's JSON, one policy's block and the flipped items.
export interface FlipSide {
  violation: boolean;
  probability: number | null;
  policy_version: number;
  rationale: string;
}
export interface Flip {
  id: string;
  policy: string;
  gold: boolean | null;
  content: Content | string | null;
  before: FlipSide;
  after: FlipSide;
}
export interface Comparison {
  policies: {
    policy: string;
    compared: number;
    flipped: number;
    with_gold: number;
    mcnemar: { only_before_right: number; only_after_right: number; p_value: number | null };
  }[];
  flips: Flip[];
}

export type RunStatus = "queued" | "running" | "done" | "cancelled" | "failed";
export interface Run {
  id: string;
  policy: string;
  status: RunStatus;
  created_at: string;
  created_by: string;
  finished_at: string | null;
  // A draft names the version it would become (the server) or its hash (docs/review-api.md).
  candidate: { version?: number; draft?: boolean; sha256?: string };
  // A replay's baseline is the verdicts logged then: {"logged": true}, or none.
  baseline: { version?: number; logged?: boolean } | null;
  items: { labelled_set: true } | { replay: number };
  mode: "score" | "reason";
  progress: { done: number; total: number };
  error: string | null;
  results?: { baseline: Metrics; candidate: Metrics; comparison: Comparison } | null;
}

// GET /v1/policies/{id}/shadow
export interface ShadowDiffering {
  decision_id: number;
  shadow_decision_id: number;
  created_at: string;
  content: Content | null;
  live: Verdict;
  shadow: Verdict;
}
export interface Shadow {
  policy: string;
  shadow: { version: number; since: string; set_by: string } | null;
  pairs: number;
  agreement: number | null;
  skipped: number;
  differing: ShadowDiffering[];
}
