// The console's Playground and Decisions screens, end to end (run by e2e.mjs after the policy
// edits, so spam's current version is the one those steps saved). The model has random weights:
// the steps check what is shown and in which order, never what the reasoning says.
import { fail } from "./harness.mjs";

const column = (page, n) => page.getByRole("region", { name: `Column ${n}` });

// Records, per column, the order in which reasoning text and the verdict badge first appear, so
// the run can show that the reasoning was rendered while the model wrote it, before the verdict.
async function watchOrder(page) {
  await page.evaluate(() => {
    const seen = [];
    window.__playgroundOrder = seen;
    const look = () => {
      for (const n of [1, 2]) {
        const result = document.querySelector(`[aria-label="Result of column ${n}"]`);
        if (!result) continue;
        const reasoning = result.querySelector(".reasoning");
        if (reasoning && reasoning.textContent && !seen.includes(`reasoning ${n}`)) seen.push(`reasoning ${n}`);
        if (result.querySelector(".verdict-badge") && !seen.includes(`verdict ${n}`)) seen.push(`verdict ${n}`);
      }
    };
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

// Opened from spam's page ("Try in playground"), which chooses its current version, v4.
export async function playgroundSteps(t, page) {
  await page.getByRole("link", { name: "Try in playground" }).click();
  await page.getByRole("heading", { name: "Playground" }).waitFor();
  const message = `Cheap followers at bit.ly/e2e-${Date.now()}`;
  await page.getByLabel("Message").fill(message);
  const version = page.getByLabel("Version (column 1)");
  if ((await page.getByLabel("Policy (column 1)").inputValue()) !== "spam") fail("the link did not choose spam");
  await page.locator("option", { hasText: "v4" }).first().waitFor({ state: "attached" });
  if ((await version.inputValue()) !== "4") fail(`the link chose version "${await version.inputValue()}", not 4`);
  await column(page, 1).getByText("No run yet").waitFor();
  await t.check(page, "12-playground");

  // Column 2: a draft, prefilled from spam's current version (the one the editor steps saved) and
  // linted as it is typed.
  await page.getByRole("button", { name: "Compare with a second column" }).click();
  const draft = page.getByLabel("Draft policy text (column 2)");
  await draft.waitFor();
  const base = await draft.inputValue();
  if (!base.includes("Mine.")) fail(`the draft did not start from spam's current version: ${base.slice(0, 200)}`);
  await draft.fill(base + "\nAlso flag links to shops that sell followers.\n");
  await column(page, 2).locator(".lint").getByText(/tokens|Line \d+/).first().waitFor();

  // Reason mode, run with Ctrl+Enter: the reasoning streams into both columns, then the verdicts.
  await watchOrder(page);
  await page.getByLabel("Message").focus();
  await page.keyboard.press("Control+Enter");
  for (const n of [1, 2]) {
    const result = column(page, n).getByLabel(`Result of column ${n}`);
    await result.locator(".verdict-badge").waitFor({ timeout: 60000 });
    await result.locator("dd", { hasText: /^\d+ prompt · \d+ cached · [1-9]\d* completion$/ }).waitFor();
    await result.locator("dd", { hasText: /^\d+ ms$/ }).waitFor();
    await result.locator("dd", { hasText: /^model$/ }).waitFor();
    if (!(await result.locator(".reasoning").textContent())) fail(`column ${n} shows no reasoning`);
  }
  await page.getByRole("button", { name: "Run", exact: true }).waitFor();
  const order = await page.evaluate(() => window.__playgroundOrder);
  for (const n of [1, 2]) {
    const reasoning = order.indexOf(`reasoning ${n}`);
    if (reasoning < 0 || reasoning > order.indexOf(`verdict ${n}`))
      fail(`column ${n}: the reasoning was not shown before the verdict (${order.join(", ")})`);
  }
  await t.check(page, "12-playground-reason");

  // Score mode: a probability, no reasoning.
  await page.getByLabel("Mode").selectOption("score");
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await page.getByRole("button", { name: "Run", exact: true }).waitFor();
  for (const n of [1, 2]) {
    const result = column(page, n).getByLabel(`Result of column ${n}`);
    await result.locator("dd", { hasText: /^\d+\.\d%$/ }).waitFor();
    if ((await result.locator(".reasoning").count()) !== 0) fail(`column ${n} shows reasoning in score mode`);
  }
  await t.check(page, "12-playground-score");
  return message;
}

// Finds the playground's reason-mode verdict by the message's text and opens it.
export async function decisionsSteps(t, page, message) {
  await page.getByRole("link", { name: "Decisions", exact: true }).click();
  await page.getByRole("heading", { name: "Decisions", exact: true }).waitFor();
  await page.locator("table.decisions tbody tr").first().waitFor();
  await page.getByLabel("Text").fill(message.slice(5, 30).toUpperCase()); // any case, any part
  await page.getByLabel("Policy").selectOption("spam");
  await page.getByRole("button", { name: "Search" }).click();
  const rows = page.locator("table.decisions tbody tr");
  // Newest first: the score run's verdict, then the reason run's.
  await page.waitForFunction(() => document.querySelectorAll("table.decisions tbody tr").length === 2);
  for (const i of [0, 1]) {
    const text = await rows.nth(i).textContent();
    if (!text.includes("spam v4") || !text.includes(message.slice(0, 40)))
      fail(`decision row ${i} is not the playground's spam verdict: ${text}`);
  }
  await t.check(page, "13-decisions");

  await rows.nth(1).getByRole("link").click();
  await page.getByRole("heading", { name: /^Decision \d+/ }).waitFor();
  await page.locator("pre.text", { hasText: message }).waitFor();
  const rationale = await page.locator("pre.rationale").textContent();
  if (!rationale) fail("the reason-mode decision shows no rationale");
  await page.getByText("No reviews yet.").waitFor();
  await page.getByText("reason mode").first().waitFor();
  await t.check(page, "13-decisions-detail");
}

// An agent's transcript in the decision log: its tool call and the tool's result shown as such,
// the call's arguments laid out, not as raw JSON. (hate-speech: the review steps count spam's.)
export async function agentDecisionSteps(t, page, key) {
  const marker = "agent-transcript-in-the-console";
  const call = {
    id: "call_1",
    type: "function",
    function: { name: "send_money", arguments: JSON.stringify({ iban: "GB33 BUKB 2020 1555 5555 55", amount: 950, note: marker }) },
  };
  const messages = [
    { role: "user", content: "Pay my rent for December." },
    { role: "assistant", content: null, tool_calls: [call] },
    { role: "tool", tool_call_id: "call_1", content: "Transfer of 950.00 scheduled for 1 December." },
  ];
  await t.api("POST", "/v1/classify", key, { policies: ["hate-speech"], mode: "score", content: { messages } });
  await page.getByLabel("Sections").getByRole("link", { name: "Decisions", exact: true }).click();
  await page.getByRole("heading", { name: "Decisions", exact: true }).waitFor();
  await page.getByLabel("Text").fill(marker);
  await page.getByLabel("Policy").selectOption("hate-speech");
  await page.getByRole("button", { name: "Search" }).click();
  await page.waitForFunction(() => document.querySelectorAll("table.decisions tbody tr").length === 1);
  const row = page.locator("table.decisions tbody tr").first();
  const line = await row.textContent();
  if (!line.includes("send_money(")) fail(`the decision row does not show the tool call: ${line}`);
  await row.getByRole("link").click();
  await page.getByRole("heading", { name: /^Decision \d+/ }).waitFor();
  await page.locator(".tool-call code", { hasText: "send_money" }).waitFor();
  const args = await page.locator(".tool-call pre.text").textContent();
  if (!args.includes('"amount": 950')) fail(`the call's arguments are not laid out: ${args}`);
  await page.getByText("tool result · send_money").waitFor();
  await t.check(page, "13-decisions-agent");
}
