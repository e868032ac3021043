// OpenAI's Node SDK, OpenAI's Agents SDK and Vercel's AI SDK running tool loops through arbiter's gateway, in
// front of the in-test upstream of tests/service_gateway_tools_test.cpp: it calls the tool the
// user names ("call send_money") and answers "Done." once the tool's result is in. The gateway's
// output policy flags send_money. Usage: node agent_tools.mjs GATEWAY_URL. Exits non-zero on any
// mismatch; prints "agent tools: ok".
import assert from "node:assert/strict";
import OpenAI from "openai";
import { Agent, run, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled, tool } from "@openai/agents";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateText, jsonSchema, stepCountIs, streamText, tool as aiTool } from "ai";

const [gatewayURL] = process.argv.slice(2);
const client = new OpenAI({ baseURL: gatewayURL, apiKey: "unused", maxRetries: 0 });

const anyArguments = { type: "object", properties: {}, additionalProperties: true };
const tools = ["get_weather", "send_money"].map((name) => ({
  type: "function",
  function: { name, description: name.replace("_", " "), parameters: anyArguments },
}));

// OpenAI's Node SDK: the call, then its result back, as an application's own loop does it.
async function sdkLoop(name, stream) {
  const messages = [{ role: "user", content: `call ${name}` }];
  let calls = [];
  let finish = null;
  let arbiter = null;
  if (stream) {
    const chunks = await client.chat.completions.create({ model: "m", messages, tools, stream: true });
    for await (const chunk of chunks) {
      const choice = chunk.choices?.[0];
      for (const d of choice?.delta?.tool_calls ?? []) {
        calls[d.index] ??= { id: "", name: "", arguments: "" };
        calls[d.index].id += d.id ?? "";
        calls[d.index].name += d.function?.name ?? "";
        calls[d.index].arguments += d.function?.arguments ?? "";
      }
      if (choice?.finish_reason) {
        finish = choice.finish_reason;
        arbiter = chunk.arbiter ?? null;
      }
    }
  } else {
    const answer = await client.chat.completions.create({ model: "m", messages, tools });
    calls = (answer.choices[0].message.tool_calls ?? []).map((c) => ({ id: c.id, ...c.function }));
    finish = answer.choices[0].finish_reason;
    arbiter = answer.arbiter ?? null;
  }
  if (calls.length === 0) return { calls, finish, arbiter };
  messages.push({
    role: "assistant",
    content: null,
    tool_calls: calls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } })),
  });
  messages.push({ role: "tool", tool_call_id: calls[0].id, content: "sunny" });
  const last = await client.chat.completions.create({ model: "m", messages, tools });
  return { calls, finish, arbiter, reply: last.choices[0].message.content };
}

for (const stream of [false, true]) {
  const benign = await sdkLoop("get_weather", stream);
  assert.equal(benign.calls.length, 1, `stream ${stream}`);
  assert.equal(benign.calls[0].name, "get_weather");
  assert.equal(JSON.parse(benign.calls[0].arguments).amount, 500);
  assert.equal(benign.finish, "tool_calls");
  assert.equal(benign.reply, "Done.");

  const flagged = await sdkLoop("send_money", stream);
  assert.deepEqual(flagged.calls, [], `stream ${stream}: a flagged call reached the client`);
  assert.equal(flagged.finish, "content_filter");
  assert.equal(flagged.arbiter.stage, "tool_call");
  assert.equal(flagged.arbiter.tool, "send_money");
}

// OpenAI's Agents SDK on Chat Completions: its runner executes every call it receives.
setDefaultOpenAIClient(client);
setOpenAIAPI("chat_completions");
setTracingDisabled(true);
const executed = { get_weather: 0, send_money: 0 };
const agentTools = Object.keys(executed).map((name) =>
  tool({
    name,
    description: name.replace("_", " "),
    parameters: anyArguments,
    strict: false,
    execute: async () => {
      executed[name] += 1;
      return name === "get_weather" ? "sunny" : "sent";
    },
  }),
);
const agent = new Agent({ name: "assistant", instructions: "Use the tools.", model: "m", tools: agentTools });
for (const stream of [false, true]) {
  const before = { ...executed };
  const benign = await run(agent, "call get_weather", { stream });
  if (stream) {
    for await (const _ of benign) {
      // drained: the run goes on only while its events are read
    }
    await benign.completed;
  }
  assert.equal(benign.finalOutput, "Done.", `stream ${stream}`);
  assert.equal(executed.get_weather, before.get_weather + 1);

  const flagged = await run(agent, "call send_money", { stream });
  if (stream) {
    for await (const _ of flagged) {
      // drained
    }
    await flagged.completed;
  }
  assert.equal(executed.send_money, 0, `stream ${stream}: the agent executed a flagged call`);
}
// Vercel's AI SDK, as an application on any OpenAI-compatible server uses it: its loop executes
// each call it receives, then asks again with the result, up to the steps allowed.
const provider = createOpenAICompatible({ name: "arbiter", baseURL: gatewayURL, apiKey: "unused" });
const ran = { get_weather: 0, send_money: 0 };
const aiTools = Object.fromEntries(
  Object.keys(ran).map((name) => [
    name,
    aiTool({
      description: name.replace("_", " "),
      inputSchema: jsonSchema(anyArguments),
      execute: async () => ((ran[name] += 1), name === "get_weather" ? "sunny" : "sent"),
    }),
  ]),
);
for (const stream of [false, true]) {
  const ask = async (prompt) => {
    const options = { model: provider("m"), prompt, tools: aiTools, stopWhen: stepCountIs(3), maxRetries: 0 };
    if (!stream) return generateText(options);
    const result = streamText(options);
    await result.consumeStream();
    return { text: await result.text, finishReason: await result.finishReason };
  };
  const before = { ...ran };
  const benign = await ask("call get_weather");
  assert.equal(benign.text, "Done.", `stream ${stream}`);
  assert.equal(ran.get_weather, before.get_weather + 1);
  const flagged = await ask("call send_money");
  assert.equal(ran.send_money, 0, `stream ${stream}: the AI SDK executed a flagged call`);
  assert.equal(flagged.finishReason, "content-filter", `stream ${stream}`);
}
console.log("agent tools: ok");
