#pragma once
// Parses what a gpt-oss model writes after `<|start|>assistant`, incrementally: channel headers,
// analysis / commentary / final messages, end and stop tokens. It accepts anything (truncated
// output, missing headers, junk, invalid UTF-8) without failing: malformed parts are kept as
// incomplete messages and counted, so that the verdict parser can decide, never guess.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace arbiter::harmony {

struct Message {
    std::string role = "assistant";
    std::string channel;       // analysis, commentary, final, or empty when the header had none
    std::string recipient;     // from "to=..." in the header
    std::string content_type;  // from <|constrain|>
    std::string content;       // bytes as generated (not necessarily valid UTF-8)
    bool complete = false;     // closed by <|end|>, <|return|> or <|call|>
};

class OutputParser {
public:
    // The prompt already opened the first header (`<|start|>assistant`); with `in_final` it also
    // opened the final channel's body (`<|channel|>final<|message|>`), as score mode does.
    explicit OutputParser(bool in_final = false);

    // A special token, by its text (e.g. "<|end|>"). Unknown specials are treated as junk.
    void feed_special(std::string_view token);
    // Ordinary generated text: never interpreted as special tokens.
    void feed_text(std::string_view text);
    // Text from a server that renders special tokens as their text (e.g. a raw completion
    // endpoint): "<|...|>" sequences naming harmony specials are tokens. Chunks may split a token.
    void feed_rendered(std::string_view text);
    // End of output: closes any open message as incomplete.
    void finish();

    const std::vector<Message>& messages() const { return messages_; }
    // The last message on the final channel, if any.
    const Message* final_message() const;
    // The analysis messages' contents, joined by blank lines.
    std::string analysis() const;
    // True once <|return|> or <|call|> was seen: the model is done.
    bool stopped() const { return state_ == State::stopped; }
    // Tokens or text that did not fit the format (between messages, after the stop, ...).
    size_t junk() const { return junk_; }

private:
    enum class State { header, body, between, stopped };
    enum class HeaderField { role, channel, constrain };

    void open_header(std::string role);
    void close_message(bool complete);
    void apply_header();

    State state_ = State::header;
    HeaderField field_ = HeaderField::role;
    std::string role_text_;
    std::string channel_text_;
    std::string constrain_text_;
    Message current_;
    std::vector<Message> messages_;
    std::string pending_;  // feed_rendered: a possible special token split across chunks
    size_t junk_ = 0;
};

}  // namespace arbiter::harmony
