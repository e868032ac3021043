// Google's own Node client for Perspective (googleapis' discoverAPI, as Perspective's Node sample
// uses it) against `arbiter serve`, with only the discovery URL changed.
//
//   node discovery_client.mjs DISCOVERY_URL API_KEY
//
// Prints one JSON object: each call's answer, or its HTTP status and error body, for the C++ test
// (tests/service_perspective_test.cpp) to check against the server's own classification.
import { google } from "googleapis";

const [url, key] = process.argv.slice(2);
const client = await google.discoverAPI(url);

async function call(method, requestBody, apiKey = key) {
  try {
    const res = await method({ key: apiKey, resource: requestBody });
    return { status: res.status, body: res.data };
  } catch (e) {
    return { status: e.response?.status ?? 0, body: e.response?.data ?? String(e) };
  }
}

const analyze = client.comments.analyze.bind(client.comments);
const suggest = client.comments.suggestscore.bind(client.comments);
const text = "You are a wonderful person. Claim your prize now!";
const out = {
  analyze: await call(analyze, {
    comment: { text }, requestedAttributes: { TOXICITY: {}, INSULT: {} }, languages: ["en"], clientToken: "js-1",
  }),
  spans: await call(analyze, {
    comment: { text: "Hi \u{1F44B}\u{1F3FD} there. Cafe\u0301 time!" }, requestedAttributes: { TOXICITY: {} },
    spanAnnotations: true, doNotStore: true,
  }),
  bad_attribute: await call(analyze, { comment: { text }, requestedAttributes: { FLIRTATION: {} } }),
  suggest: await call(suggest, {
    comment: { text }, attributeScores: { TOXICITY: { summaryScore: { value: 0.9 } } }, clientToken: "js-2",
  }),
  bad_key: await call(analyze, { comment: { text }, requestedAttributes: { TOXICITY: {} } }, key + "x"),
};
console.log(JSON.stringify(out));
