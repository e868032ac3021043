// Arbitrary policy files: a Policy with an id and text, or a PolicyError naming the source.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/policy_file.h"
#include "core/policy_lint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const arbiter::Policy p = arbiter::parse_policy(text, "fuzz.md");
        if (p.id.empty() || p.text.empty() || p.version < 1) std::abort();
        (void)arbiter::lint_policy(p);
    } catch (const arbiter::PolicyError& e) {
        if (std::string_view(e.what()).substr(0, 8) != "fuzz.md:") std::abort();
    }
    (void)arbiter::body_first_line(text);
    return 0;
}
