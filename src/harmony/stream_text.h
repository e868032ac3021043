#pragma once
// The text of one stream and its tokens, committed only where later text cannot change them.
//
// The user message of a stream is head + json_escape(response) + tail, exactly as
// core/content_layout lays out the one-shot item (the response is the last JSON string). Tokens
// are committed up to the last place where o200k's pre-tokenizer starts a piece whatever follows
// (last_piece_start): the tokens before it are those of any longer text. A check's
// probe is the uncommitted rest plus the tail, tokenized together, so that committed + probe
// equals tokenizing the whole message cut at the check's offset.
//
// Known limit: a run of more than kMaxTextPiece bytes with no pre-token boundary (a long
// base64 blob) is cut by tokenize_text at a position that depends on where its piece began; the
// stream's tokens may then differ from the one-shot's inside that run.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/content.h"
#include "harmony/tokenizer.h"

namespace arbiter::harmony {

// The length of `bytes`' longest prefix of whole characters when the rest is the start of one
// more (more bytes may complete it); nullopt when `bytes` holds invalid UTF-8.
std::optional<size_t> whole_characters(std::string_view bytes);

class StreamText {
public:
    // `context` is a completion (its response the text so far) or a conversation whose last
    // turn grows. Throws StreamError(bad_input) for other content.
    StreamText(const Tokenizer& tokens, const Content& context);

    // Appends response bytes. A character split across appends waits for its other bytes; invalid
    // UTF-8 throws StreamError(bad_input) (a one-shot would judge U+FFFD there instead).
    void append(std::string_view bytes);
    // Tokens newly committed since the last call.
    std::vector<int32_t> commit();
    // The uncommitted text and the tail, tokenized together: a check's text tokens.
    std::vector<int32_t> probe_tokens() const;

    // The response bytes a check now judges: every complete character appended.
    size_t checkable_bytes() const { return checkable_; }
    size_t appended_bytes() const { return raw_.size(); }
    // The first bytes of a character the next append completes.
    std::string incomplete() const { return raw_.substr(checkable_); }
    // The response's tokens at a check now: committed and probe tokens less those of the empty
    // response's message.
    int response_tokens() const;
    int committed_tokens() const { return committed_tokens_; }
    // The whole user message at the check point (for tests and the one-shot comparison).
    std::string message() const { return escaped_ + tail_; }
    // The context with its growing part cut at checkable_bytes(): the content a one-shot
    // classification judges the same as a check now.
    Content content() const;

private:
    const Tokenizer& tokens_;
    Content context_;
    std::string tail_;
    std::string raw_;       // response bytes appended
    size_t checkable_ = 0;  // raw_ bytes escaped into escaped_ (complete characters)
    std::string escaped_;   // head + escaped response, complete characters only
    size_t committed_ = 0;  // bytes of escaped_ whose tokens are committed
    int committed_tokens_ = 0;
    int empty_tokens_ = 0;  // tokens of head + tail
};

}  // namespace arbiter::harmony
