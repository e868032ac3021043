// OpenAI's own Node SDK, pointed at arbiter serve: its moderations.create must parse arbiter's
// answers. Usage: node moderation.mjs BASE_URL API_KEY. Exits non-zero on any mismatch.
import assert from "node:assert/strict";
import OpenAI from "openai";

const [baseURL, apiKey] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });

const policies = ["hate-speech", "self-harm", "spam"];
const single = await client.moderations.create({ input: "Buy cheap watches now!!!" });
assert.equal(single.model, "default");
assert.match(single.id, /^modr-/);
assert.equal(single.results.length, 1);

const batch = await client.moderations.create({ model: "strict", input: ["first message", "second message"] });
assert.equal(batch.model, "strict");
assert.equal(batch.results.length, 2);
for (const result of [...single.results, ...batch.results]) {
  assert.deepEqual(Object.keys(result.categories).sort(), policies);
  let flagged = false;
  for (const id of policies) {
    const score = result.category_scores[id];
    assert.ok(score >= 0 && score <= 1, `score ${score}`);
    assert.equal(typeof result.categories[id], "boolean");
    assert.deepEqual(result.category_applied_input_types[id], ["text"]);
    flagged ||= result.categories[id];
  }
  assert.equal(result.flagged, flagged);
}
// The strict set flags at a lower threshold, so it never flags less.
for (const result of batch.results)
  for (const id of policies) assert.equal(result.categories[id], result.category_scores[id] >= 0.1);

// Errors come back as the SDK's typed errors.
await assert.rejects(client.moderations.create({ model: "no-such-set", input: "x" }), OpenAI.NotFoundError);
const anonymous = new OpenAI({ baseURL, apiKey: "arb_wrong", maxRetries: 0 });
await assert.rejects(anonymous.moderations.create({ input: "x" }), OpenAI.AuthenticationError);
console.log("openai sdk: ok");
