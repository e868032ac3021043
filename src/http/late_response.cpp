#include "http/late_response.h"

#include <utility>

namespace arbiter::service {

void LateResponse::deliver(HttpResponse response) {
    std::function<void(HttpResponse)> ready;
    {
        const std::lock_guard lock(mutex_);
        if (delivered_) return;
        delivered_ = true;
        if (!ready_) {
            response_ = std::move(response);
            return;
        }
        ready.swap(ready_);
    }
    ready(std::move(response));  // with no lock held: it may write, post or deliver onwards
}

void LateResponse::when_ready(std::function<void(HttpResponse)> ready) {
    std::optional<HttpResponse> response;
    {
        const std::lock_guard lock(mutex_);
        if (!response_) {
            ready_ = std::move(ready);
            return;
        }
        response.swap(response_);
    }
    ready(std::move(*response));
}

}  // namespace arbiter::service
