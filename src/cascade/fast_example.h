#pragma once
// What the fast tier's learners train on, and the error they all throw.

#include <stdexcept>
#include <string>

namespace arbiter::cascade {

class FastModelError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Example {
    std::string text;  // raw text (normalised and tokenised when used)
    bool violation = false;
};

}  // namespace arbiter::cascade
