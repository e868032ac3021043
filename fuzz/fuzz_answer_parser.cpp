// Arbitrary final answers in every output format: parse or refuse, never crash, never both.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/answer_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    for (auto format : {arbiter::OutputFormat::binary, arbiter::OutputFormat::json,
                        arbiter::OutputFormat::json_rationale}) {
        const arbiter::Answer a = arbiter::parse_answer(text, format);
        if (a.parsed != a.problem.empty()) std::abort();
    }
    return 0;
}
