#include "harmony/stream_text.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/content_layout.h"
#include "core/stream.h"
#include "core/utf8.h"
#include "harmony/text_cuts.h"

namespace arbiter::harmony {

namespace {

// The context with its growing part set to `text`.
Content with_growing(Content c, const std::string& text) {
    if (c.kind == ContentKind::completion) {
        c.response = text;
    } else {
        c.turns.back().content = text;
    }
    return c;
}

// What content_layout writes for `text` inside a JSON string (json_turns' dump), quotes removed.
std::string json_escape(std::string_view text) {
    const std::string quoted =
        nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return quoted.substr(1, quoted.size() - 2);
}

// Whether `rest` (under 4 bytes) is the start of a character that more bytes could complete.
bool incomplete_character(std::string_view rest) {
    if (rest.empty() || rest.size() > 3) return false;
    for (const char pad : {'\x80', '\x90', '\xA0'}) {
        std::string whole(rest);
        whole.append(4 - rest.size(), pad);
        const std::optional<size_t> bad = first_invalid_utf8(whole);
        // Valid up to the padding's leftovers: a 4-byte pad may leave stray continuation bytes.
        if (!bad || *bad > 0) return true;
    }
    return false;
}

}  // namespace

std::optional<size_t> whole_characters(std::string_view bytes) {
    const std::optional<size_t> bad = first_invalid_utf8(bytes);
    if (!bad) return bytes.size();
    if (!incomplete_character(bytes.substr(*bad))) return std::nullopt;
    return *bad;
}

StreamText::StreamText(const Tokenizer& tokens, const Content& context) : tokens_(tokens), context_(context) {
    if (context.kind == ContentKind::message ||
        (context.kind == ContentKind::conversation && context.turns.empty())) {
        throw StreamError(
            StreamError::Code::bad_input,
            "a stream's context is a prompt (completion) or a conversation whose last turn grows");
    }
    // The layout with an empty and a one-letter growing part: the letter sits where the response
    // goes, so what precedes it is the head and what follows it the tail.
    const std::string empty = user_message(with_growing(context, ""));
    const std::string one = user_message(with_growing(context, "x"));
    size_t head = 0;
    while (head < empty.size() && empty[head] == one[head]) ++head;
    escaped_ = empty.substr(0, head);
    tail_ = empty.substr(head);
    empty_tokens_ = static_cast<int>(tokens_.tokenize_text(empty).size());
    append(context.kind == ContentKind::completion ? context.response : context.turns.back().content);
}

void StreamText::append(std::string_view bytes) {
    const size_t before = raw_.size();
    raw_.append(bytes);
    const std::string_view pending = std::string_view(raw_).substr(checkable_);
    const std::optional<size_t> complete = whole_characters(pending);
    if (!complete) {
        raw_.resize(before);
        throw StreamError(StreamError::Code::bad_input, "the appended text is not valid UTF-8");
    }
    // Escaping whole characters one append at a time writes what escaping the whole text would.
    escaped_ += json_escape(pending.substr(0, *complete));
    checkable_ += *complete;
}

std::vector<int32_t> StreamText::commit() {
    const size_t cut = last_piece_start(escaped_, committed_);
    if (cut == committed_) return {};
    std::vector<int32_t> ids =
        tokens_.tokenize_text(std::string_view(escaped_).substr(committed_, cut - committed_));
    committed_ = cut;
    committed_tokens_ += static_cast<int>(ids.size());
    return ids;
}

std::vector<int32_t> StreamText::probe_tokens() const {
    return tokens_.tokenize_text(escaped_.substr(committed_) + tail_);
}

Content StreamText::content() const {
    return with_growing(context_, raw_.substr(0, checkable_));
}

int StreamText::response_tokens() const {
    return std::max(0, committed_tokens_ + static_cast<int>(probe_tokens().size()) - empty_tokens_);
}

}  // namespace arbiter::harmony
