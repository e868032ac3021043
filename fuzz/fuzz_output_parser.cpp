// Feeds arbitrary bytes to the harmony output parser, split into chunks at points chosen by the
// input, both as rendered text and as a token stream. It must never crash or hang, and what it
// reports must be consistent.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "harmony/output_parser.h"
#include "harmony/special_tokens.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    const size_t chunk = 1 + data[0] % 16;

    arbiter::harmony::OutputParser rendered(data[0] & 0x80);
    for (size_t i = 0; i < text.size(); i += chunk) rendered.feed_rendered(text.substr(i, chunk));
    rendered.finish();
    for (const auto& m : rendered.messages()) {
        if (m.content.size() > text.size()) std::abort();
    }

    // The same bytes as a token stream: each byte picks a special token or is text.
    arbiter::harmony::OutputParser tokens;
    for (unsigned char c : text) {
        if (c < arbiter::harmony::kSpecialTokens.size()) {
            tokens.feed_special(arbiter::harmony::kSpecialTokens[c].text);
        } else {
            tokens.feed_text(std::string_view(reinterpret_cast<const char*>(&c), 1));
        }
    }
    tokens.finish();
    if (tokens.final_message() != nullptr && tokens.final_message()->channel != "final") std::abort();
    (void)tokens.analysis();
    return 0;
}
