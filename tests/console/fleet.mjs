// The console of one instance shows what another decided (a fleet on one PostgreSQL database):
// a decision is made through instance B's API, then a reviewer signs in to instance A's console,
// finds it on the Decisions screen by its text and opens it. Screenshots land in OUTDIR.
//   node fleet.mjs URL_A URL_B REVIEW_KEY OUTDIR
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";
import { fail, harness } from "./harness.mjs";

const [baseA, baseB, reviewKey, outdir] = process.argv.slice(2);
if (!outdir) {
  console.error("usage: node fleet.mjs URL_A URL_B REVIEW_KEY OUTDIR");
  process.exit(2);
}
mkdirSync(outdir, { recursive: true });
const executablePath = process.env.ARBITER_CHROMIUM || "/usr/bin/chromium";
const a = harness(baseA, outdir);
const b = harness(baseB, outdir);

const message = `Fleet check ${Date.now()}: cheap followers, message me`;
const made = await b.api("POST", "/v1/classify", reviewKey, { policies: ["spam"], mode: "score", content: message });
const requestId = made.request_id;

const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] });
try {
  const page = await (await browser.newContext({ viewport: { width: 1360, height: 860 } })).newPage();
  a.watch(page);
  await page.goto(baseA + "/");
  await page.getByLabel("API key").fill(reviewKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("link", { name: "Decisions", exact: true }).click();
  await page.getByRole("heading", { name: "Decisions", exact: true }).waitFor();
  await page.getByLabel("Text").fill("fleet check");
  await page.getByRole("button", { name: "Search" }).click();
  await page.waitForFunction(() => document.querySelectorAll("table.decisions tbody tr").length === 1);
  const row = page.locator("table.decisions tbody tr").first();
  const text = await row.textContent();
  if (!text.includes(message.slice(0, 40))) fail(`the row found is not instance B's decision: ${text}`);
  await a.check(page, "20-fleet-decisions");
  await row.getByRole("link").click();
  await page.getByRole("heading", { name: /^Decision \d+/ }).waitFor();
  await page.locator("pre.text", { hasText: message }).waitFor();
  await page.getByText(requestId).first().waitFor();
  await a.check(page, "20-fleet-decision");
} finally {
  await browser.close();
}
if (a.problems.length) {
  for (const p of a.problems) console.error(p);
  process.exit(1);
}
console.log("console fleet e2e: ok");
