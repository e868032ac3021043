#include "service/retention.h"

#include <cstdio>

namespace arbiter::service {

namespace {

// Between two batches: room for the decisions waiting to be logged.
constexpr std::chrono::milliseconds kBatchPause{20};

std::string cutoff(double days) {
    const auto age = std::chrono::duration_cast<std::chrono::system_clock::duration>(
        std::chrono::duration<double, std::ratio<86400>>(days));
    return storage::utc_timestamp(std::chrono::system_clock::now() - age);
}

}  // namespace

Retention::Retention(RetentionConfig config, storage::DecisionLog& log, storage::AuditLog& audit)
    : config_(std::move(config)), log_(log), audit_(audit), thread_([this] { loop(); }) {}

Retention::~Retention() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

bool Retention::pause_for(std::chrono::milliseconds pause) {
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, pause, [this] { return stopping_; });
}

RetentionPass Retention::pass_once() {
    // Each rule, and the default for every policy without one.
    std::vector<std::pair<storage::PolicyScope, RetentionRule>> rules;
    storage::PolicyScope rest;
    for (const auto& [id, rule] : config_.policies) {
        rules.push_back({{id, {}}, rule});
        rest.except.push_back(id);
    }
    rules.push_back({rest, config_.all});
    RetentionPass pass;
    for (const auto& [scope, rule] : rules) {
        for (size_t n = config_.batch_rows;
             rule.delete_days > 0 && n == config_.batch_rows && pause_for(kBatchPause);) {
            n = log_.delete_before(cutoff(rule.delete_days), scope, config_.batch_rows);
            pass.deleted += n;
        }
        for (size_t n = config_.batch_rows;
             rule.content_days > 0 && n == config_.batch_rows && pause_for(kBatchPause);) {
            n = log_.erase_before(cutoff(rule.content_days), scope, config_.batch_rows).ids.size();
            pass.erased += n;
        }
    }
    if (pass.erased + pass.deleted == 0) return pass;
    log_.reclaim_space();
    audit_.record({"retention",
                   "local",
                   "retention.pass",
                   "decisions",
                   {{"content_erased", pass.erased}, {"deleted", pass.deleted}}});
    return pass;
}

void Retention::loop() {
    do {
        try {
            const RetentionPass pass = pass_once();
            if (pass.erased + pass.deleted > 0)
                std::fprintf(stderr,
                             "arbiter serve: retention erased the content of %zu decisions, deleted %zu\n",
                             pass.erased, pass.deleted);
        } catch (const StoreError& e) {
            // The next pass tries again; the log's own health is /readyz's to report.
            std::fprintf(stderr, "arbiter serve: retention's pass stopped (the next tries again): %s\n",
                         e.what());
        }
    } while (pause_for(std::chrono::duration_cast<std::chrono::milliseconds>(config_.interval)));
}

}  // namespace arbiter::service
