#include "remote/otlp_exporter.h"

#include "core/otlp_json.h"
#include "remote/http_request.h"

namespace arbiter::remote {

namespace {

constexpr std::string_view kTracesPath = "/v1/traces";

// The collector's base URL and the path of its traces endpoint under it.
std::pair<BaseUrl, std::string> traces_target(const std::string& endpoint) {
    BaseUrl base = parse_base_url(endpoint);
    const std::string& prefix = base.path_prefix;
    if (prefix.size() >= kTracesPath.size() &&
        prefix.compare(prefix.size() - kTracesPath.size(), kTracesPath.size(), kTracesPath) == 0) {
        base.path_prefix.resize(prefix.size() - kTracesPath.size());
    }
    return {base, std::string(kTracesPath)};
}

}  // namespace

// The one connection the background thread posts on.
class OtlpExporter::Poster {
public:
    explicit Poster(const std::string& endpoint)
        : target_(traces_target(endpoint)), request_(target_.first, "") {}
    bool post(const std::string& body, std::chrono::milliseconds limit) {
        const HttpResult result = request_.send(target_.second, body, limit);
        return result.failure == HttpResult::Failure::none && result.status / 100 == 2;
    }

private:
    std::pair<BaseUrl, std::string> target_;
    HttpRequest request_;
};

OtlpExporter::OtlpExporter(OtlpOptions options)
    : options_(std::move(options)), poster_(std::make_unique<Poster>(options_.endpoint)) {
    thread_ = std::thread([this] { loop(); });
}

OtlpExporter::~OtlpExporter() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void OtlpExporter::record(Span span) {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= options_.max_queue) {
        dropped_++;
        return;
    }
    queue_.push_back(std::move(span));
    if (queue_.size() >= options_.batch) wake_.notify_all();
}

uint64_t OtlpExporter::sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
}

uint64_t OtlpExporter::dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

void OtlpExporter::loop() {
    for (;;) {
        std::vector<Span> batch;
        bool last = false;
        {
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, options_.interval,
                           [&] { return stopping_ || queue_.size() >= options_.batch; });
            const auto n = static_cast<std::ptrdiff_t>(std::min(queue_.size(), options_.batch));
            batch.assign(std::make_move_iterator(queue_.begin()),
                         std::make_move_iterator(queue_.begin() + n));
            queue_.erase(queue_.begin(), queue_.begin() + n);
            last = stopping_ && queue_.empty();
        }
        const bool sent = batch.empty() || post(batch);
        if (last) return;
        if (!sent) drop_if_stopping();
    }
}

bool OtlpExporter::post(const std::vector<Span>& spans) {
    const std::string body = otlp_traces_json(spans, options_.service_name).dump();
    const bool accepted = poster_->post(body, options_.post_limit);
    std::lock_guard lock(mutex_);
    (accepted ? sent_ : dropped_) += spans.size();
    return accepted;
}

void OtlpExporter::drop_if_stopping() {
    // A collector that failed while the server stops would hold the exit a POST's time limit
    // for every batch left: what is left is dropped instead.
    std::lock_guard lock(mutex_);
    if (!stopping_) return;
    dropped_ += queue_.size();
    queue_.clear();
}

}  // namespace arbiter::remote
