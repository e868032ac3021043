// The review console's review sections end to end (issue 18): queue rules set by an admin, traffic
// classified into the log, five queued items reviewed by keyboard only by a review key and one of
// them again by the admin (a disagreement), the labelled set exported and checked line by line, a
// draft run over it that flips at least one item, its promotion, and a shadow version judging new
// traffic. The test model's verdicts are random but deterministic, so every figure is checked
// against the API's own answer, never against wording.
import { readFileSync } from "node:fs";
import { fail } from "./harness.mjs";

// The first two are the ones runSteps' draft flips: first, so that they are among the five items
// reviewed even when earlier steps (the playground) left spam decisions in the queue before them.
const spammy = [
  "Hey, are we still on for lunch at the noodle place on Friday?",
  "The meeting notes from Tuesday are in the shared folder, section three",
  "WIN a FREE cruise!!! Click bit.ly/fr33-cruise now to claim your prize before midnight",
  "Buy 10,000 real followers for $5, instant delivery, DM me now",
  "Your account is locked: verify your password at secure-login-help.example",
  "Thanks for the recipe, the lemon cake came out great",
];
const later = [
  "Cheap watches, best prices, visit our store today and save 90%",
  "Can you send me the slides after the talk?",
  "Limited offer: earn $500 a day from home, no experience needed",
  "I left my umbrella in your car yesterday",
];

// A long page checked at its full height: the shortcut bar, sticky at the window's foot, would
// otherwise be drawn across the middle of a full-page screenshot.
async function checkTall(t, page, name) {
  const size = page.viewportSize();
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: size.width, height: Math.max(size.height, height) });
  await t.check(page, name);
  await page.setViewportSize(size);
}

async function signIn(page, key) {
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Policies" }).waitFor();
}

// The decision the review screen shows now.
async function shownDecision(page) {
  const heading = await page.locator(".review-content h2").innerText();
  const m = /decision (\d+)/.exec(heading);
  if (!m) fail(`the review screen names no decision: "${heading}"`);
  return Number(m[1]);
}

async function classify(t, key, texts) {
  const verdicts = [];
  for (const text of texts) {
    const answer = await t.api("POST", "/v1/classify", key, { policies: ["spam"], content: text, mode: "score" });
    verdicts.push(answer.verdicts[0]);
  }
  return verdicts;
}

// Queue rules, traffic, and the overview before anyone reviewed. Returns the texts' verdicts.
export async function queueSteps(t, { page, adminKey }) {
  await page.locator(".sidebar").getByRole("link", { name: "Review queue" }).click();
  await page.getByRole("heading", { name: "Review queue" }).waitFor();
  await page.getByText("No policy has queue rules yet").waitFor();
  await t.check(page, "14-queue-no-rules");

  // The rules editor: a random sample of 100% (every decision), saved with Ctrl+S.
  await page.locator("tr", { hasText: "spam" }).getByRole("link", { name: "set rules" }).click();
  await page.getByRole("heading", { name: "Queue rules for spam" }).waitFor();
  await page.getByLabel("A random sample of the rest").fill("100");
  await page.keyboard.press("Control+s");
  await page.getByText("Saved.").waitFor();
  await page.getByText("Queued: a random 100% of the rest.").waitFor();
  const rules = await t.api("GET", "/v1/queue/rules", adminKey);
  const list = Array.isArray(rules) ? rules : rules.rules;
  const spam = list.find((r) => r.policy === "spam");
  if (!spam || spam.sample_percent !== 100) fail(`the rules were not stored: ${JSON.stringify(rules)}`);
  await t.check(page, "14-queue-rules");

  const verdicts = await classify(t, adminKey, spammy);
  await page.locator(".sidebar").getByRole("link", { name: "Review queue" }).click();
  await page.getByRole("heading", { name: "Review queue" }).waitFor();
  const summary = (await t.api("GET", "/v1/queue/summary", adminKey)).policies.find((p) => p.policy === "spam");
  if (summary.waiting < spammy.length) fail(`only ${summary.waiting} spam decisions wait for review`);
  await page.locator("tr", { hasText: "spam" }).locator("td.num").first().getByText(String(summary.waiting), { exact: true }).waitFor();
  await t.check(page, "14-queue-overview");
  return verdicts;
}

// Five items reviewed by the review key by keyboard only, then the first of them by the admin
// with the other label. Returns what the labelled set must hold: for each reviewed decision its
// content's hash, and for each content the labels given, in order.
export async function reviewSteps(t, { browser, page, adminKey, reviewKey }) {
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
  const rita = await context.newPage();
  t.watch(rita);
  await rita.goto(t.base + "/");
  await signIn(rita, reviewKey);
  await rita.locator(".sidebar").getByRole("link", { name: "Review queue" }).click();
  await rita.getByRole("heading", { name: "Review queue" }).waitFor();
  // The queue opens by keyboard too: the first row is spam's only if it sorts first, so j to it.
  await rita.locator("table.queue-summary tr", { hasText: "spam" }).waitFor();
  const rows = (await t.api("GET", "/v1/queue/summary", reviewKey)).policies.map((p) => p.policy);
  for (let i = 0; i < rows.indexOf("spam"); i++) await rita.keyboard.press("j");
  await rita.keyboard.press("Enter");
  await rita.getByRole("heading", { name: /^Review spam/ }).waitFor();

  const queue = await t.api("GET", "/v1/queue?policy=spam", reviewKey);
  const first = await shownDecision(rita);
  if (first !== queue.items[0].decision_id) fail(`the screen opens on decision ${first}, the queue's first is ${queue.items[0].decision_id}`);
  // x skips to the next, k comes back.
  await rita.keyboard.press("x");
  await rita.locator(".review-content h2", { hasText: `decision ${queue.items[1].decision_id} ` }).waitFor();
  await rita.keyboard.press("k");
  await rita.locator(".review-content h2", { hasText: `decision ${first} ` }).waitFor();

  const pressed = [true, false, true, false, true];
  const reviewed = new Map(); // decision id -> content hash
  const labels = new Map(); // content hash -> labels given, oldest first
  const given = (item, label) => {
    reviewed.set(item.decision_id, item.content_sha256);
    labels.set(item.content_sha256, [...(labels.get(item.content_sha256) ?? []), label]);
  };
  for (let i = 0; i < pressed.length; i++) {
    const item = queue.items[i];
    await rita.locator(".review-content h2", { hasText: `decision ${item.decision_id} ` }).waitFor();
    if (i === 1) {
      // n focuses the note; Esc leaves it, so the next key is a shortcut again.
      await rita.keyboard.press("n");
      await rita.keyboard.type("a friend asking about lunch");
      await rita.keyboard.press("Escape");
    }
    await rita.keyboard.press(pressed[i] ? "v" : "s");
    const modelRight = item.verdict.violation === pressed[i];
    await rita.locator(".label-choice .judged", { hasText: modelRight ? "Model right" : "Model wrong" }).waitFor();
    if (i === 0) await t.check(rita, "15-review-item");
    await rita.keyboard.press("Enter");
    await rita.getByText(`Saved decision ${item.decision_id} as ${pressed[i] ? "violates" : "safe"}`).waitFor();
    given(item, pressed[i]);
  }
  for (const [i, item] of queue.items.slice(0, pressed.length).entries()) {
    const [id, label] = [item.decision_id, pressed[i]];
    const reviews = await t.api("GET", `/v1/reviews?decision=${id}`, reviewKey);
    const list = Array.isArray(reviews) ? reviews : reviews.reviews;
    if (list.length !== 1 || list[0].reviewer !== "rita" || list[0].violation !== label)
      fail(`decision ${id}'s review is not rita's ${label}: ${JSON.stringify(reviews)}`);
    if (id === queue.items[1].decision_id && list[0].note !== "a friend asking about lunch") fail(`the note was not stored: ${JSON.stringify(list[0])}`);
  }
  await t.check(rita, "15-review-saved");
  await context.close();

  // The admin's queue starts with rita's first item, her review shown; the other label disagrees.
  await page.goto(t.base + "/#/queue/spam");
  await page.locator(".review-content h2", { hasText: `decision ${first} ` }).waitFor();
  await page.locator(".reviews").getByText("rita").waitFor();
  await t.check(page, "15-review-second-opinion");
  await page.keyboard.press(pressed[0] ? "s" : "v");
  await page.keyboard.press("Enter");
  await page.getByText("rita said otherwise: the reviewers disagree on it.").waitFor();
  await t.check(page, "15-review-disagreement");
  given(queue.items[0], !pressed[0]);

  await page.goto(t.base + "/#/queue");
  const summary = (await t.api("GET", "/v1/queue/summary", adminKey)).policies.find((p) => p.policy === "spam");
  if (summary.disagreements !== 1 || summary.double_reviewed !== 1 || summary.agreement !== 0)
    fail(`the summary does not count the disagreement: ${JSON.stringify(summary)}`);
  const row = page.locator("tr", { hasText: "spam" });
  await row.locator("td.num").nth(2).getByText("0%", { exact: true }).waitFor();
  await row.locator("td.num").nth(3).getByText(`${(summary.model_agreement * 100).toFixed(0)}%`, { exact: true }).waitFor();
  await row.locator("td.num").nth(4).getByText("1", { exact: true }).waitFor();
  await t.check(page, "14-queue-reviewed");
  return { reviewed, labels };
}

// A labelled item's label: the majority of its reviews, a tie the latest.
function majority(labels) {
  const yes = labels.filter((l) => l).length;
  return yes * 2 === labels.length ? labels[labels.length - 1] : yes * 2 > labels.length;
}

// The labelled set exported through the browser's download: one line per reviewed item.
export async function labelledSetSteps(t, { page }, { reviewed, labels }) {
  await page.locator(".sidebar").getByRole("link", { name: "Labelled sets" }).click();
  const row = page.locator("tr", { hasText: "spam" });
  await row.locator("td.num").first().getByText(String(labels.size), { exact: true }).waitFor();
  await page.getByText("arbiter eval --model MODEL.gguf --policy spam.md --data spam-labelled.jsonl").waitFor();
  await t.check(page, "16-sets");
  const [download] = await Promise.all([page.waitForEvent("download"), row.getByRole("button", { name: "Export JSONL" }).click()]);
  if (download.suggestedFilename() !== "spam-labelled.jsonl") fail(`the export is named ${download.suggestedFilename()}`);
  const lines = readFileSync(await download.path(), "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
  // Five in the usual run: one line per reviewed content.
  if (lines.length !== labels.size) fail(`the export has ${lines.length} lines, not ${labels.size}`);
  for (const line of lines) {
    const hash = reviewed.get(Number(String(line.id).replace("decision-", "")));
    if (!hash) fail(`the export has an item no one reviewed here: ${JSON.stringify(line)}`);
    const want = majority(labels.get(hash));
    if (line.label !== (want ? 1 : 0)) fail(`${line.id} is labelled ${line.label}, the keys pressed said ${want}`);
  }
  return lines;
}

// A draft that flips at least one labelled item (checked with /v1/classify first), run over the
// set from the console, its results read, and promoted.
export async function runSteps(t, { page, adminKey }, lines) {
  const live = await t.api("GET", "/v1/policies/spam", adminKey);
  const { version: liveVersion, created_at: _c, deleted: _d, ...fields } = live;
  const items = lines.map((l, i) => ({ id: `item-${i}`, content: l.text }));
  const verdictsOf = async (policy) =>
    (await t.api("POST", "/v1/classify", adminKey, { policies: [policy], items, mode: "score" })).items.map((it) => it.verdicts[0].violation);
  const before = await verdictsOf({ ...fields, text: live.text });
  // The test model is random: these drafts were found by searching for texts that push some of
  // the texts above over 0.5 in score mode (the first lifts the lunch and meeting texts, first in `spammy`). Should
  // the model change, search again; the failure below says so.
  const drafts = [
    "# Spam (strict draft)\n\nFlag these: link violates free buy free link click friend content friend",
    "# Spam (strict draft)\n\nFlag these: link violates free buy buy content click friend content friend click",
    live.text + "\nAny message that mentions money, a prize or a link violates this policy.\n",
  ];
  let draft = null;
  for (const text of drafts) {
    const after = await verdictsOf({ ...fields, text });
    if (after.some((v, i) => v !== before[i])) {
      draft = text;
      break;
    }
  }
  if (!draft) fail("none of the drafts flips a labelled item on this model: add another draft text to runSteps");

  await page.goto(t.base + "/#/runs?policy=spam");
  await page.getByRole("heading", { name: /^Runs/ }).waitFor();
  await page.getByText("No runs of spam yet.").waitFor();
  await page.keyboard.press("n");
  await page.getByRole("heading", { name: "New run" }).waitFor();
  await page.getByLabel("Draft text").fill(draft);
  await t.check(page, "17-run-new");
  await page.keyboard.press("Control+Enter");
  await page.locator("h1 .status-done").waitFor({ timeout: 60_000 });
  const id = decodeURIComponent(page.url().split("#/runs/")[1]);
  const run = await t.api("GET", `/v1/runs/${encodeURIComponent(id)}`, adminKey);
  const flips = run.results.comparison.flips;
  if (flips.length === 0) fail(`the run flipped nothing though /v1/classify said the draft would: ${JSON.stringify(run.results.comparison)}`);
  const metrics = page.locator("table.metrics");
  const f1 = run.results.candidate.f1.value.toFixed(3);
  await metrics.locator("tr", { hasText: "F1" }).locator("td").nth(1).getByText(new RegExp(`^${f1} `)).waitFor();
  await page.locator("table.confusion").first().waitFor();
  await page.getByRole("heading", { name: `Flipped items (${flips.length})` }).waitFor();
  await page.locator(".flip").first().locator(".flip-side").nth(1).waitFor();
  if (run.results.candidate.curves) await page.locator("figure.chart canvas").first().waitFor();
  await checkTall(t, page, "17-run-results");

  await page.getByRole("button", { name: /^Promote draft/ }).click();
  await page.getByRole("button", { name: "Yes, promote" }).click();
  const promoted = page.getByText(/^Promoted: spam is now live at/);
  await promoted.waitFor();
  const now = await t.api("GET", "/v1/policies/spam", adminKey);
  if (now.version !== liveVersion + 1 || now.text.trim() !== draft.trim()) fail(`promotion did not store the draft as v${liveVersion + 1}: ${JSON.stringify(now).slice(0, 300)}`);
  await checkTall(t, page, "17-run-promoted");
  await page.getByRole("link", { name: `version ${now.version}` }).click();
  await page.getByRole("heading", { name: `Version ${now.version}` }).waitFor();
  return liveVersion;
}

// The version before the promotion shadows the live one; new traffic makes pairs.
export async function shadowSteps(t, { page, adminKey }, shadowVersion) {
  await page.keyboard.press("w");
  await page.getByRole("heading", { name: "Shadow", exact: true }).waitFor();
  await page.getByText("No shadow: live traffic").waitFor();
  await page.getByLabel("Shadow version").selectOption(String(shadowVersion));
  await page.getByRole("button", { name: "Start shadowing" }).click();
  await page.locator(".shadow-state .badge", { hasText: `shadow v${shadowVersion}` }).waitFor();
  await classify(t, adminKey, later);
  const pairs = page.locator("dl.figures div", { hasText: "Pairs" }).locator("dd");
  await pairs.filter({ hasNotText: /^0$/ }).waitFor({ timeout: 30_000 });
  // The panel refreshes every two seconds: wait for it to show all the pairs the API counts.
  let shadow;
  for (let i = 0; i < 30; i++) {
    shadow = await t.api("GET", "/v1/policies/spam/shadow", adminKey);
    if (shadow.pairs >= later.length) break;
    await page.waitForTimeout(500);
  }
  if (shadow.pairs < 1) fail(`no shadow pairs after traffic: ${JSON.stringify(shadow).slice(0, 300)}`);
  await pairs.getByText(String(shadow.pairs), { exact: true }).waitFor();
  await page.locator("dl.figures div", { hasText: "Agreement" }).getByText(`${(shadow.agreement * 100).toFixed(1)}%`).waitFor();
  await page.locator("dl.figures div", { hasText: "Differing" }).getByText(String(shadow.differing.length), { exact: true }).waitFor();
  await checkTall(t, page, "18-shadow");
}

// Runs go one at a time: behind a slow one (reason mode, replaying the log) started over the API,
// the one started here waits, both shown with their progress in the list, and it is cancelled.
// The blocker must outlast the steps however fast the machine: 192 more decisions in the log
// (three batches of 64, score mode, quick) give it that many reason-mode jobs to replay.
export async function cancelSteps(t, { page, adminKey }) {
  for (let batch = 0; batch < 3; batch++) {
    const items = Array.from({ length: 64 }, (_, i) => ({ id: `bulk-${batch}-${i}`, content: `bulk message ${batch}-${i}` }));
    await t.api("POST", "/v1/classify", adminKey, { policies: ["spam"], items, mode: "score" });
  }
  const replay = { policy: "spam", candidate: { version: 1 }, items: { replay: 200 }, mode: "reason" };
  const blocker = await t.api("POST", "/v1/runs", adminKey, replay);
  await page.goto(t.base + "/#/runs/new?policy=spam");
  await page.getByRole("heading", { name: "New run" }).waitFor();
  await page.getByLabel("the last").check();
  await page.getByLabel("Mode").selectOption("reason");
  await page.getByLabel("a stored version").check();
  await page.keyboard.press("Control+Enter");
  await page.locator(".run-going progress").waitFor();
  const id = decodeURIComponent(page.url().split("#/runs/")[1]);
  await page.keyboard.press("Escape");
  const runRow = (run) => page.locator("tr", { has: page.locator(`a[href="#/runs/${run}"]`) });
  const row = runRow(id);
  await row.getByRole("button", { name: "Cancel" }).waitFor();
  await runRow(blocker.id).locator("progress").waitFor();
  await t.check(page, "17-runs");
  await row.getByRole("button", { name: "Cancel" }).click();
  await row.locator(".status-cancelled").waitFor();
  const run = await t.api("GET", `/v1/runs/${encodeURIComponent(id)}`, adminKey);
  if (run.status !== "cancelled") fail(`the cancelled run is ${run.status}`);
  // The blocker is no part of what follows.
  await fetch(`${t.base}/v1/runs/${blocker.id}/cancel`, { method: "POST", headers: { Authorization: `Bearer ${adminKey}` } });
}

// Activity: the audit trail of everything the steps before changed, as the API lists it, and the
// policy history naming each version's author.
export async function activitySteps(t, { page, adminKey }) {
  const listed = await t.api("GET", "/v1/audit?limit=1000", adminKey);
  const promotions = listed.events.filter((e) => e.action === "policy.promote");
  if (promotions.length === 0) fail("the audit trail holds no promotion after the run was promoted");
  await page.goto(t.base + "/#/activity");
  await page.getByRole("heading", { name: "Activity" }).waitFor();
  await page.getByText(`each chained to the one before`).waitFor();
  const rows = page.locator("table.activity tbody tr");
  await rows.first().waitFor();
  const shown = Math.min(listed.events.length, 50);
  if ((await rows.count()) !== shown) fail(`Activity shows ${await rows.count()} changes, the API ${shown}`);
  await checkTall(t, page, "19-activity");
  // Narrowed to promotions: exactly the API's, each naming who.
  await page.getByLabel("Kind").selectOption("policy");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.waitForFunction(() => location.hash.includes("action=policy"));
  // The unfiltered rows stay until the filtered page arrives: wait for the count to settle on the API's.
  const policyChanges = Math.min(listed.events.filter((e) => e.action.startsWith("policy.")).length, 50);
  await page
    .waitForFunction((n) => document.querySelectorAll("table.activity tbody tr").length === n, policyChanges, { timeout: 15000 })
    .catch(async () => fail(`the policy filter shows ${await page.locator("table.activity tbody tr").count()} changes, the API ${policyChanges}`));
  const kinds = await page.locator("table.activity tbody tr td:nth-child(3)").allInnerTexts();
  if (!kinds.every((k) => /saved a version of|retired|promoted a version of/.test(k)))
    fail(`the policy filter shows other changes: ${kinds.join(" | ")}`);
  await page.locator("table.activity").getByText("promoted a version of").first().waitFor();
  // The history names authors: ops for versions saved through the API.
  await page.goto(t.base + "/#/policies/spam");
  await page.locator(".versions").getByText("by ops").first().waitFor();
  await page.locator(".versions").getByText("from the policy files").first().waitFor();
}
