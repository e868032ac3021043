#include "http/body_stream.h"

#include <utility>

namespace arbiter::service {

BodyStream::BodyStream(size_t max_buffered, std::string heartbeat)
    : max_buffered_(max_buffered), heartbeat_(std::move(heartbeat)) {}

bool BodyStream::write(std::string_view bytes) {
    std::function<void()> wake;
    {
        std::lock_guard lock(mutex_);
        if (cancelled_ || finished_) return false;
        if (pending_.size() + bytes.size() <= max_buffered_) {
            pending_.append(bytes);
            wake = wake_;
        } else {
            cancelled_ = true;  // finished below, with no lock held
        }
    }
    if (wake) wake();
    if (wake || !cancelled()) return true;
    // A reader that does not keep up: the bytes have nowhere to go.
    run_cancel();
    return false;
}

void BodyStream::finish() {
    std::function<void()> wake;
    {
        std::lock_guard lock(mutex_);
        if (finished_ || cancelled_) return;
        finished_ = true;
        wake = wake_;
    }
    if (wake) wake();
}

bool BodyStream::cancelled() const {
    std::lock_guard lock(mutex_);
    return cancelled_;
}

void BodyStream::on_cancel(std::function<void()> callback) {
    {
        std::lock_guard lock(mutex_);
        if (!cancelled_) {
            on_cancel_ = std::move(callback);
            return;
        }
    }
    callback();
}

void BodyStream::attach(std::function<void()> wake) {
    std::lock_guard lock(mutex_);
    wake_ = std::move(wake);
}

void BodyStream::detach() {
    std::function<void()> dropped;
    std::lock_guard lock(mutex_);
    dropped.swap(wake_);  // destroyed after the lock is released: it may own the connection
}

BodyStream::Taken BodyStream::take() {
    std::lock_guard lock(mutex_);
    Taken taken;
    taken.bytes.swap(pending_);
    taken.finished = finished_;
    return taken;
}

void BodyStream::cancel() {
    {
        std::lock_guard lock(mutex_);
        if (cancelled_ || finished_) return;
        cancelled_ = true;
    }
    run_cancel();
}

void BodyStream::run_cancel() {
    std::function<void()> callback;
    std::function<void()> wake;
    {
        std::lock_guard lock(mutex_);
        pending_.clear();
        callback.swap(on_cancel_);
        wake.swap(wake_);
    }
    if (callback) callback();
    // The transport learns of it from a wake with nothing to send and the body not finished.
    if (wake) wake();
}

}  // namespace arbiter::service
