#pragma once
// A request the service refuses, with the HTTP status and the OpenAI-style error type its
// answer carries: {"error": {"message", "type", "code"}}.

#include <stdexcept>
#include <string>

namespace arbiter::service {

class RequestError : public std::runtime_error {
public:
    RequestError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
    int status() const { return status_; }

private:
    int status_;
};

}  // namespace arbiter::service
