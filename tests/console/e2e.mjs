// The review console end to end in a real browser (Debian's chromium, headless, driven by
// Playwright): sign in, write a policy with a lint warning, see it, fix it, save, see the new
// version and its diff, meet a version conflict, and read as a review key. Each page is
// screenshotted into OUTDIR and checked with axe-core: any WCAG level-A violation fails the run,
// as does any error on the page, any Content-Security-Policy report, or any request that leaves
// the server. OPEN_URL is a server without API keys, where everyone is the anonymous admin.
//   node e2e.mjs BASE_URL ADMIN_KEY REVIEW_KEY OUTDIR OPEN_URL
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";
import { fail, harness } from "./harness.mjs";
import { agentDecisionSteps, decisionsSteps, playgroundSteps } from "./playground_steps.mjs";
import { activitySteps, cancelSteps, labelledSetSteps, queueSteps, reviewSteps, runSteps, shadowSteps } from "./review_steps.mjs";

const [base, adminKey, reviewKey, outdir, openBase] = process.argv.slice(2);
if (!openBase) {
  console.error("usage: node e2e.mjs BASE_URL ADMIN_KEY REVIEW_KEY OUTDIR OPEN_URL");
  process.exit(2);
}
mkdirSync(outdir, { recursive: true });
const executablePath = process.env.ARBITER_CHROMIUM || "/usr/bin/chromium";

const t = harness(base, outdir);
const { check, watch, api, problems } = t;

const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] });
try {
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
  const page = await context.newPage();
  watch(page);

  // Sign-in: a wrong key is refused clearly, the right one shows its name and role.
  await page.goto(base + "/");
  await page.getByLabel("API key").waitFor();
  await check(page, "01-sign-in");
  await page.getByLabel("API key").fill("arb_not-a-real-key");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("That key is not valid on this server").waitFor();
  await check(page, "02-sign-in-wrong-key");
  await page.getByLabel("API key").fill(adminKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Policies" }).waitFor();
  await page.locator(".who").getByText("ops", { exact: true }).waitFor();
  await page.locator(".who .role", { hasText: "admin" }).waitFor();

  // The list: the example policies at version 1.
  for (const id of ["hate-speech", "self-harm", "spam"]) await page.getByRole("link", { name: id, exact: true }).waitFor();
  await check(page, "03-policies");

  // A policy and its text; the key survives a reload (sessionStorage).
  await page.getByRole("link", { name: "spam", exact: true }).click();
  await page.getByRole("heading", { name: "Version 1" }).waitFor();
  await page.reload();
  await page.getByRole("heading", { name: "Version 1" }).waitFor();
  await check(page, "04-policy");

  // The editor, opened by its shortcut: a hedge word on line 2 is found as it is typed.
  await page.keyboard.press("e");
  const editor = page.getByLabel("Policy text");
  await editor.waitFor();
  const original = await editor.inputValue();
  const lines = original.split("\n");
  const hedged = [lines[0], "Posts are usually spam when they sell followers.", ...lines.slice(1)].join("\n");
  await editor.fill(hedged);
  const findings = page.getByRole("complementary", { name: "Lint findings" });
  await findings.getByText("hedge word 'usually': state the rule definitely").waitFor();
  // The finding's line is marked in the gutter and selected in the text on click.
  await page.locator(".gutter .warn", { hasText: /^2$/ }).waitFor();
  await findings.getByRole("button", { name: "Line 2" }).click();
  const selected = await editor.evaluate((el) => el.value.slice(el.selectionStart, el.selectionEnd));
  if (selected !== "Posts are usually spam when they sell followers.") fail(`Line 2 selected "${selected}"`);
  await check(page, "05-editor-lint-warning");
  // Fix it: the finding goes.
  await editor.fill(hedged.replace("usually ", ""));
  await findings.getByText("No findings").waitFor();
  await check(page, "06-editor-clean");

  // Save (Ctrl+S): the new version, and its diff against the one edited from.
  await editor.focus();
  await page.keyboard.press("Control+s");
  await page.getByText("v1 → v2:").waitFor();
  await page.locator(".diff tr.add", { hasText: "Posts are spam when they sell followers." }).waitFor();
  await page.locator(".versions").getByRole("link", { name: /v2/ }).waitFor();
  const stored = await api("GET", "/v1/policies/spam", adminKey);
  if (stored.version !== 2 || !stored.text.includes("Posts are spam when they sell followers."))
    fail(`the saved version is not what was typed: ${JSON.stringify(stored).slice(0, 300)}`);
  await check(page, "07-policy-diff");

  // A conflict: someone else saves v3 while this editor works from v2; both texts are shown.
  await page.keyboard.press("t");
  await page.getByRole("heading", { name: "Version 2" }).waitFor();
  await page.keyboard.press("e");
  await editor.waitFor();
  await api("PUT", "/v1/policies/spam", adminKey, { ...stored, version: 3, text: stored.text + "\nTheirs.\n" });
  await editor.fill((await editor.inputValue()) + "\nMine.\n");
  await page.getByRole("button", { name: "Save as v3" }).click();
  const conflict = page.locator(".conflict");
  await conflict.getByText("Someone saved v3 while you were editing v2").waitFor();
  await conflict.locator("pre", { hasText: "Theirs." }).waitFor();
  await conflict.locator("pre", { hasText: "Mine." }).waitFor();
  await findings.getByText("No findings").waitFor(); // the draft is still linted beside the conflict
  await check(page, "08-editor-conflict");
  await conflict.getByRole("button", { name: "Keep mine, to save as v4" }).click();
  await page.getByRole("button", { name: "Save as v4" }).click();
  await page.getByText("v3 → v4:").waitFor();
  const after = await api("GET", "/v1/policies/spam", adminKey);
  if (after.version !== 4 || !after.text.includes("Mine.") || after.text.includes("Theirs."))
    fail(`keeping mine did not store my text as v4: ${JSON.stringify(after).slice(0, 300)}`);

  // Any two versions compared.
  await page.getByLabel("From").selectOption("1");
  await page.getByText("v1 → v4:").waitFor();

  const message = await playgroundSteps(t, page);
  await decisionsSteps(t, page, message);
  await agentDecisionSteps(t, page, adminKey);

  // The review queue, labelled sets, runs and shadow (review_steps.mjs).
  const review = { browser, page, adminKey, reviewKey };
  await queueSteps(t, review);
  const labels = await reviewSteps(t, review);
  const labelled = await labelledSetSteps(t, review, labels);
  const baseline = await runSteps(t, review, labelled);
  await shadowSteps(t, review, baseline);
  await cancelSteps(t, review);
  await activitySteps(t, review);

  // A review key reads but cannot edit, and is told so.
  const reviewer = await browser.newContext({ viewport: { width: 1360, height: 860 } });
  const second = await reviewer.newPage();
  watch(second);
  await second.goto(base + "/#/policies/spam");
  await second.getByLabel("API key").fill(reviewKey);
  await second.getByRole("button", { name: "Sign in" }).click();
  await second.getByText("Your role (review) may read policies").waitFor();
  if ((await second.getByRole("link", { name: "Edit" }).count()) !== 0) fail("a review key is offered Edit");
  await check(second, "09-review-role");
  // Signing out forgets the key.
  await second.getByRole("button", { name: "Sign out" }).click();
  await second.getByLabel("API key").waitFor();
  if (await second.evaluate(() => sessionStorage.length) !== 0) fail("signing out left the key in sessionStorage");

  // Without keys there is no sign-in: the anonymous admin, told why, with nothing to sign out of.
  const open = await (await browser.newContext({ viewport: { width: 1360, height: 860 } })).newPage();
  watch(open, openBase);
  await open.goto(openBase + "/");
  await open.getByRole("heading", { name: "Policies" }).waitFor();
  await open.locator(".who").getByText("anonymous", { exact: true }).waitFor();
  await open.getByText("This server has no API keys").waitFor();
  if ((await open.getByRole("button", { name: "Sign out" }).count()) !== 0) fail("the anonymous admin is offered Sign out");
  if ((await open.getByRole("link", { name: "New policy" }).count()) !== 1) fail("the anonymous admin is not offered New policy");
  await check(open, "10-no-keys");
  // A new policy: an outline to fill in, linted at once (it is far too short), saved as version 1.
  await open.keyboard.press("n");
  await open.getByRole("heading", { name: "New policy" }).waitFor();
  await open.getByRole("complementary", { name: "Lint findings" }).getByText(/tokens; policies work best between 400 and 600/).waitFor();
  await check(open, "11-new-policy");
  await open.getByLabel("Id").fill("cats");
  await open.getByRole("button", { name: "Save as v1" }).click();
  await open.getByRole("heading", { name: "Version 1" }).waitFor();
  await open.getByText("v1 current").waitFor();
} finally {
  await browser.close();
}

if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log("console e2e: ok");
