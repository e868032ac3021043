// OpenAI's Guardrails (@openai/guardrails), unchanged, pointed at arbiter serve through baseURL: its
// Moderation check must get arbiter's verdicts, and never fall back to OpenAI's API with the
// content. Usage: node guardrails.mjs BASE_URL API_KEY. Exits non-zero on any mismatch.
//
// The server's set for omni-moderation-latest (the model the check hard-codes) must map its
// policies to OpenAI categories, hate among them, at threshold 0, so that every category it serves
// flags: the check's tripwire is then known for any content, whatever the test model's weights.
import assert from "node:assert/strict";
import http from "node:http";
import OpenAI from "openai";
import { GuardrailsOpenAI, GuardrailTripwireTriggered, runGuardrails } from "@openai/guardrails";

const [baseURL, apiKey] = process.argv.slice(2);

// On a 404 the check retries with `new OpenAI()`, which reads OPENAI_BASE_URL and OPENAI_API_KEY:
// both point at this trap, which records what would have gone to OpenAI.
const leaked = [];
const trap = http.createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    leaked.push({ url: req.url, authorization: req.headers.authorization, body });
    // 400: the SDK does not retry it, so each fallback is one request.
    res.writeHead(400, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: "trap", type: "invalid_request_error", code: null } }));
  });
});
await new Promise((resolve) => trap.listen(0, "127.0.0.1", resolve));
process.env.OPENAI_BASE_URL = `http://127.0.0.1:${trap.address().port}/v1`;
process.env.OPENAI_API_KEY = "sk-dummy-must-never-leave";

const everyCategory = [
  "sexual", "sexual/minors", "hate", "hate/threatening", "harassment", "harassment/threatening",
  "self-harm", "self-harm/intent", "self-harm/instructions", "violence", "violence/graphic",
  "illicit", "illicit/violent",
];
const moderation = (categories) => ({ version: 1, guardrails: [{ name: "Moderation", config: { categories } }] });
const context = { guardrailLlm: new OpenAI({ baseURL, apiKey, maxRetries: 0 }) };

// What arbiter itself answers for the model the check asks for.
async function arbiterAnswer(text) {
  const res = await fetch(`${baseURL}/moderations`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ model: "omni-moderation-latest", input: text }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return res.json();
}

let tripped = 0;
let passed = 0;
for (const text of ["Buy cheap watches now!!!", "I hate you and everyone like you.", "hello"]) {
  const answer = await arbiterAnswer(text);
  const served = Object.keys(answer.results[0].categories);
  assert.ok(served.includes("hate"), `the set must serve hate: ${served}`);
  for (const categories of [everyCategory, ["hate"], ["sexual", "violence/graphic"]]) {
    const [result] = await runGuardrails(text, moderation(categories), context, true);
    assert.ok(!result.executionFailed, `execution failed: ${result.info?.error}`);
    // The check reads results[0].categories[key] for each configured key, absent meaning false.
    const expected = categories.filter((c) => answer.results[0].categories[c] === true);
    assert.equal(result.tripwireTriggered, expected.length > 0, JSON.stringify(result.info));
    assert.deepEqual(result.info.flagged_categories, expected);
    assert.deepEqual(result.info.categories_checked, categories);
    for (const c of categories) assert.equal(result.info.category_details[c], answer.results[0].categories[c] === true);
    if (result.tripwireTriggered) ++tripped;
    else ++passed;
  }
}
// Threshold 0 flags every served category, none of which is sexual or violence/graphic.
assert.equal(tripped, 6);
assert.equal(passed, 3);

// The client most applications use: GuardrailsOpenAI with baseURL, Moderation before the LLM call.
const client = await GuardrailsOpenAI.create(
  { version: 1, pre_flight: { version: 1, guardrails: moderation(["hate"]).guardrails } },
  { baseURL, apiKey, maxRetries: 0 },
);
const chat = { model: "gpt-4o-mini", messages: [{ role: "user", content: "I hate you." }] };
await assert.rejects(client.guardrails.chat.completions.create(chat), (error) => {
  assert.ok(error instanceof GuardrailTripwireTriggered, String(error));
  assert.deepEqual(error.guardrailResult.info.flagged_categories, ["hate"]);
  return true;
});
// A category arbiter does not serve lets the request through to the LLM call (which arbiter,
// having no chat endpoint, answers 404).
const unchecked = await GuardrailsOpenAI.create(
  { version: 1, pre_flight: { version: 1, guardrails: moderation(["sexual"]).guardrails } },
  { baseURL, apiKey, maxRetries: 0 },
);
await assert.rejects(unchecked.guardrails.chat.completions.create(chat), (error) => {
  assert.ok(!(error instanceof GuardrailTripwireTriggered), String(error));
  assert.equal(error.status, 404, String(error));
  return true;
});

assert.deepEqual(leaked, [], "the check fell back to OpenAI's API");
// The trap works: a server that answers 404 makes the check send the content to "OpenAI".
const origin = new URL(baseURL).origin;
const elsewhere = { guardrailLlm: new OpenAI({ baseURL: `${origin}/no-such-api/v1`, apiKey, maxRetries: 0 }) };
const [fellBack] = await runGuardrails("a secret message", moderation(["hate"]), elsewhere);
assert.equal(fellBack.executionFailed, true);
assert.equal(leaked.length, 1, JSON.stringify(leaked));
assert.equal(leaked[0].authorization, "Bearer sk-dummy-must-never-leave");
assert.match(leaked[0].body, /a secret message/);
trap.close();
console.log("openai guardrails: ok");
