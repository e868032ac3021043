"""Google's own Python client for Perspective (googleapiclient, Debian's python3-googleapi) against
`arbiter serve`, set up as Perspective's samples do, with only the discovery URL changed.

  discovery_client.py DISCOVERY_URL API_KEY

Prints one JSON object: each call's answer, or its HTTP status and error body, for the C++ test
(tests/service_perspective_test.cpp) to check against the server's own classification.
"""
import json
import sys

from googleapiclient import discovery, errors

url, key = sys.argv[1], sys.argv[2]


def call(request):
    try:
        return {"status": 200, "body": request.execute()}
    except errors.HttpError as e:
        return {"status": e.resp.status, "body": json.loads(e.content)}


client = discovery.build("commentanalyzer", "v1alpha1", developerKey=key, discoveryServiceUrl=url,
                         cache_discovery=False)
comments = client.comments()
text = "You are a wonderful person. Claim your prize now!"
out = {
    "analyze": call(comments.analyze(body={
        "comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}, "INSULT": {}},
        "languages": ["en"], "clientToken": "py-1"})),
    "spans": call(comments.analyze(body={
        "comment": {"text": "Hi 👋🏽 there. Cafe\u0301 time!"}, "requestedAttributes": {"TOXICITY": {}},
        "spanAnnotations": True, "doNotStore": True})),
    "bad_attribute": call(comments.analyze(body={
        "comment": {"text": text}, "requestedAttributes": {"FLIRTATION": {}}})),
    "suggest": call(comments.suggestscore(body={
        "comment": {"text": text}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.9}}},
        "clientToken": "py-2"})),
}
wrong = discovery.build("commentanalyzer", "v1alpha1", developerKey=key + "x", discoveryServiceUrl=url,
                        cache_discovery=False)
out["bad_key"] = call(wrong.comments().analyze(body={
    "comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}}))
print(json.dumps(out))
