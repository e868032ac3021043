#pragma once
// An answer that is not ready when its handler returns, because it waits on something slow that
// is not the engine (the gateway's upstream LLM server). The handler returns at once with
// HttpResponse::later set, and the thread that waits delivers the answer through it, so no HTTP
// worker is held while an upstream thinks: those workers are what classification needs.
//
// The answer delivered is written as any other (it may itself be streamed). Whoever creates one
// must deliver it, on every path, within a bounded time: the connection waits for it.

#include <functional>
#include <mutex>
#include <optional>

#include "http/http_message.h"

namespace arbiter::service {

class LateResponse {
public:
    // Any thread. The first answer counts; later ones are dropped.
    void deliver(HttpResponse response);
    // Runs `ready` once with the answer: at once (on this thread) if it is here, else on the
    // delivering thread. One callback: a later call replaces an earlier one not yet run.
    void when_ready(std::function<void(HttpResponse)> ready);

private:
    std::mutex mutex_;
    bool delivered_ = false;
    std::optional<HttpResponse> response_;  // delivered, waiting for its callback
    std::function<void(HttpResponse)> ready_;
};

}  // namespace arbiter::service
