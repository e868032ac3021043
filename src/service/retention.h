#pragma once
// Retention: the decision log's content erased after `content_days`, its rows deleted after
// `delete_days` (service_config.h's RetentionConfig), per policy where a rule names one. A
// background thread runs a pass every interval: batches of batch_rows, each one short transaction
// with a pause after it, so that decisions being logged wait for one batch at most; then the freed
// space is given back. A pass that changed anything is in the audit trail (actor "retention").
// Reviews and runs keep their content: they are labelled examples, erased only on request.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "service/service_config.h"
#include "storage/audit_log.h"
#include "storage/decision_log.h"

namespace arbiter::service {

struct RetentionPass {
    size_t erased = 0;   // decisions whose content was erased
    size_t deleted = 0;  // decisions deleted
};

class Retention {
public:
    // Starts the thread; its first pass runs at once.
    Retention(RetentionConfig config, storage::DecisionLog& log, storage::AuditLog& audit);
    ~Retention();  // stops the thread, between two batches
    Retention(const Retention&) = delete;
    Retention& operator=(const Retention&) = delete;

    // One pass now, on the caller's thread. Throws StoreError.
    RetentionPass pass_once();

private:
    void loop();
    // Whether to go on (false once stopping); waits `pause` first.
    bool pause_for(std::chrono::milliseconds pause);

    const RetentionConfig config_;
    storage::DecisionLog& log_;
    storage::AuditLog& audit_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;  // last: it starts once the rest is ready
};

}  // namespace arbiter::service
