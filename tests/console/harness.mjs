// What every step of the console's end-to-end run shares: the screenshot and accessibility check,
// the watch for page errors and foreign requests, and the API as a test client calls it. Steps in
// other files receive a harness, so each section's steps live beside the others without sharing
// globals.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export function fail(message) {
  throw new Error(message);
}

export function harness(base, outdir) {
  const problems = [];

  // Screenshot and accessibility check of what the page shows now.
  async function check(page, name) {
    await page.screenshot({ path: join(outdir, `${name}.png`), fullPage: true });
    // evaluate() runs through the DevTools protocol, which the page's CSP does not govern, so axe
    // is injected without loosening the policy under test.
    await page.evaluate(axeSource);
    const result = await page.evaluate(() =>
      // eslint-disable-next-line no-undef
      axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag21a"] } }),
    );
    for (const v of result.violations) {
      problems.push(`${name}: axe ${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    }
    console.log(`page ${name}: ${result.violations.length} level-A violation(s)`);
  }

  function watch(page, origin = base) {
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error" && !/status of 40[1349]/.test(m.text())) problems.push(`console error: ${m.text()}`);
    });
    page.on("request", (r) => {
      if (!r.url().startsWith(origin)) problems.push(`a request left the server: ${r.url()}`);
    });
  }

  // The API as a client calls it; a status other than 2xx fails the run. Answers that are not
  // JSON (JSONL exports) come back as text.
  async function api(method, path, key, body) {
    const res = await fetch(base + path, {
      method,
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) fail(`${method} ${path}: ${res.status} ${await res.text()}`);
    if (res.status === 204) return null;
    const type = res.headers.get("Content-Type") || "";
    return type.includes("application/json") ? res.json() : res.text();
  }

  return { base, check, watch, api, problems };
}
