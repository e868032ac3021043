#pragma once
// A streamed chat completion as a client reads it from the gateway: the data of each event, and
// the text of its deltas.

#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace arbiter::test {

struct StreamedChat {
    std::vector<nlohmann::json> events;  // [DONE] left out
    std::string content;
};

// POSTs `body` (a one-message chat by default) with "stream": true to /v1/chat/completions.
inline StreamedChat stream_chat(int port,
                                nlohmann::json body = {
                                    {"model", "m"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}}) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(std::chrono::seconds(120));
    body["stream"] = true;
    std::string text;
    httplib::Request req;
    req.method = "POST";
    req.path = "/v1/chat/completions";
    req.body = body.dump();
    req.set_header("Content-Type", "application/json");
    req.content_receiver = [&](const char* d, size_t n, uint64_t, uint64_t) {
        text.append(d, n);
        return true;
    };
    httplib::Response res;
    httplib::Error error = httplib::Error::Success;
    client.send(req, res, error);
    StreamedChat out;
    for (size_t at = 0; (at = text.find("data: ", at)) != std::string::npos;) {
        const size_t end = text.find("\n\n", at);
        const std::string data = text.substr(at + 6, end - at - 6);
        at = end;
        if (data == "[DONE]") continue;
        out.events.push_back(nlohmann::json::parse(data));
        const nlohmann::json& e = out.events.back();
        if (e.contains("choices") && !e["choices"].empty() && e["choices"][0]["delta"].contains("content") &&
            e["choices"][0]["delta"]["content"].is_string())
            out.content += e["choices"][0]["delta"]["content"].get<std::string>();
    }
    return out;
}

}  // namespace arbiter::test
