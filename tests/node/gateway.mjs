// OpenAI's Node SDK against arbiter's guarded chat gateway (serve --upstream) in front of
// llama-server serving the generated model, as a chat product would use it: chat.completions.create,
// streamed and whole. Usage: node gateway.mjs GATEWAY_URL UPSTREAM_URL SCENARIO, where SCENARIO
// says what the gateway was configured to do:
//   pass       output policies never flag: the answer arrives exactly as the upstream gives it
//   cut        output policies flag at their first check: the stream ends with content_filter
//   input      input policies flag: refused before anything is forwarded (the upstream is dead)
// and RELEASE (observe | hold) how a streamed answer is released. Exits non-zero on any mismatch.
import assert from "node:assert/strict";
import OpenAI from "openai";

const [gatewayURL, upstreamURL, scenario, release] = process.argv.slice(2);
const gateway = new OpenAI({ baseURL: gatewayURL, apiKey: "unused", maxRetries: 0 });
const upstream = new OpenAI({ baseURL: upstreamURL, apiKey: "unused", maxRetries: 0 });

// Greedy and short, so that the gateway's answer can be compared with the upstream's own. Random
// weights emit any byte: the ids of lone UTF-8 continuation and lead bytes are banned.
const logit_bias = {};
for (let id = 128; id < 256; ++id) logit_bias[id] = -100;
const request = {
  model: "tiny",
  messages: [
    { role: "system", content: "You are a helpful assistant." },
    { role: "user", content: "Tell me about the weather." },
  ],
  max_tokens: 40,
  temperature: 0,
  seed: 7,
  logit_bias,
};

async function streamed(client) {
  const stream = await client.chat.completions.create({ ...request, stream: true });
  let content = "";
  let last = null;
  let chunks = 0;
  for await (const chunk of stream) {
    ++chunks;
    if (chunk.choices?.length) {
      content += chunk.choices[0].delta?.content ?? "";
      if (chunk.choices[0].finish_reason) last = chunk;
    }
  }
  return { content, last, chunks };
}

if (scenario === "input") {
  for (const stream of [false, true]) {
    if (stream) {
      const { content, last } = await streamed(gateway);
      assert.equal(content, "");
      assert.equal(last.choices[0].finish_reason, "content_filter");
      assert.equal(last.arbiter.stage, "input");
    } else {
      const whole = await gateway.chat.completions.create(request);
      assert.equal(whole.choices[0].finish_reason, "content_filter");
      assert.equal(whole.choices[0].message.content, "");
      assert.equal(whole.arbiter.stage, "input");
    }
  }
  console.log("gateway: ok");
  process.exit(0);
}

const direct = await upstream.chat.completions.create(request);
const expected = direct.choices[0].message.content;
assert.ok(expected.length > 0, "the upstream answered nothing");

const whole = await gateway.chat.completions.create(request);
const got = await streamed(gateway);
if (scenario === "pass") {
  assert.equal(whole.choices[0].message.content, expected);
  assert.equal(whole.choices[0].finish_reason, direct.choices[0].finish_reason);
  assert.equal(got.content, expected);
  assert.equal(got.last.choices[0].finish_reason, direct.choices[0].finish_reason);
} else if (scenario === "cut") {
  assert.equal(whole.choices[0].finish_reason, "content_filter");
  assert.equal(whole.choices[0].message.content, "");
  assert.equal(whole.arbiter.stage, "output");
  assert.equal(got.last.choices[0].finish_reason, "content_filter");
  assert.equal(got.last.arbiter.policy, "always");
  assert.ok(got.last.arbiter.offset_bytes >= 0);
  assert.match(got.last.arbiter.stream, /^str_/);
  // Observe shows what came before the flag, and only that; hold shows nothing the check did not pass.
  assert.ok(expected.startsWith(got.content), `${JSON.stringify(got.content)} is not a prefix of the answer`);
  if (release === "hold") assert.equal(got.content, "");
} else {
  throw new Error(`unknown scenario ${scenario}`);
}
console.log("gateway: ok");
