#pragma once
// The gateway's client of its upstream server (any OpenAI-compatible LLM server: vLLM,
// llama-server, Ollama, a hosted API; or, for the MCP guard, a Model Context Protocol server):
// a request under its base URL, the answer whole or as it arrives, with a bearer token,
// certificates verified for https, and one time limit for the whole request, start to end,
// however the server trickles its bytes (keep-alive comments included).

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base_url.h"

namespace arbiter::service {

using UpstreamHeaders = std::vector<std::pair<std::string, std::string>>;

struct UpstreamReply {
    int status = 0;           // 0: no answer (error says why)
    UpstreamHeaders headers;  // the answer's, as the server named them
    std::string body;         // the whole body, unless it went to on_bytes
    std::string error;        // a connection failure, a timeout, or "stopped" when a callback stopped it
    bool timed_out = false;   // the request ran past the time limit (error says so too)
};

// What a caller hears of one request, and how it stops it.
struct UpstreamCall {
    std::function<void(int status, const UpstreamHeaders& headers)> on_status;  // the head, first
    // A 200's body as it arrives (return false to stop reading, which drops the connection: the
    // server cancels the generation); without it the body is kept whole in the reply.
    std::function<bool(std::string_view bytes)> on_bytes;
    bool any_success = false;  // on_bytes hears any 2xx answer's body, not only a 200's
    // Asked every kPoll while the request runs, from another thread: true stops it (the client
    // left, the server is stopping) even while the upstream sends nothing.
    std::function<bool()> abandoned;
};

// One request: its method, its path under the base URL ("" : the URL itself), its body and headers
// (Content-Type application/json unless they name one; Accept as on_bytes suggests unless named).
struct UpstreamRequest {
    std::string method = "POST";
    std::string path;
    std::string body;
    UpstreamHeaders headers;
};

// The bearer token held in the environment variable `variable` ("" when it is unnamed or unset):
// how a gateway's configuration names its upstream's secret without holding it.
std::string token_from_env(const std::string& variable);

class UpstreamClient {
public:
    static constexpr std::chrono::milliseconds kPoll{100};

    // How the base URL is read: as OpenAI's SDKs take it ("http://host:8080/v1": without a path
    // ending in /v1, /v1 is added), or exactly (an MCP server's endpoint, "http://host/mcp").
    enum class Base { openai, exact };

    // Throws std::invalid_argument for a URL that is none.
    UpstreamClient(const std::string& base_url, std::string bearer_token, std::chrono::milliseconds limit,
                   Base base = Base::openai);

    // POSTs `json` to `path` ("/chat/completions") and waits for the end, the time limit or the
    // call's abandonment.
    UpstreamReply post(const std::string& path, const std::string& json, const UpstreamCall& call = {}) const;
    // Sends `request` and waits the same way.
    UpstreamReply send(const UpstreamRequest& request, const UpstreamCall& call = {}) const;

    const std::string& url() const { return url_; }
    std::chrono::milliseconds limit() const { return limit_; }

private:
    BaseUrl base_;
    std::string url_;
    std::string token_;
    std::chrono::milliseconds limit_;
};

}  // namespace arbiter::service
