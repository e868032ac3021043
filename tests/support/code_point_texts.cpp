#include "support/code_point_texts.h"

#include <algorithm>
#include <iterator>

namespace arbiter::test {

namespace {

struct Context {
    const char* name;
    std::string (*make)(const std::string& c);
};
const Context kContexts[] = {
    {"a·b", [](const std::string& c) { return "a" + c + "b"; }},
    {"␠··", [](const std::string& c) { return " " + c + c; }},
    {"!!·", [](const std::string& c) { return "!!" + c; }},
    {"·Ab", [](const std::string& c) { return c + "Ab"; }},
    {"·'s", [](const std::string& c) { return c + "'s"; }},
};
static_assert(std::size(kContexts) == kCodePointContexts);

std::string utf8(char32_t c) {
    std::string s;
    if (c < 0x80) {
        s += static_cast<char>(c);
    } else if (c < 0x800) {
        s += static_cast<char>(0xC0 | (c >> 6));
        s += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        s += static_cast<char>(0xE0 | (c >> 12));
        s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        s += static_cast<char>(0xF0 | (c >> 18));
        s += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (c & 0x3F));
    }
    return s;
}

}  // namespace

std::vector<CodePointText> code_point_texts(size_t contexts) {
    contexts = std::min(contexts, std::size(kContexts));
    std::vector<CodePointText> out;
    out.reserve((0x110000 - 0x800) * contexts);
    for (char32_t c = 0; c <= 0x10FFFF; ++c) {
        if (c >= 0xD800 && c <= 0xDFFF) continue;
        const std::string s = utf8(c);
        for (size_t k = 0; k < contexts; ++k) out.push_back({c, kContexts[k].name, kContexts[k].make(s)});
    }
    return out;
}

}  // namespace arbiter::test
