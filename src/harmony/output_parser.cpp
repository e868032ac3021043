#include "harmony/output_parser.h"

#include <algorithm>

#include "harmony/special_tokens.h"

namespace arbiter::harmony {

namespace {

std::string trim(std::string_view s) {
    const auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return std::string(s);
}

// Splits "final to=functions.x" into the first word and the recipient, if any.
void split_recipient(std::string_view text, std::string& word, std::string& recipient) {
    const std::string t = trim(text);
    const size_t to = t.find("to=");
    word = trim(std::string_view(t).substr(0, to));
    if (to != std::string::npos) {
        const std::string rest = t.substr(to + 3);
        recipient = trim(std::string_view(rest).substr(0, rest.find(' ')));
    }
}

bool is_known_special(std::string_view text) {
    return std::any_of(kSpecialTokens.begin(), kSpecialTokens.end(),
                       [&](const SpecialToken& s) { return s.text == text; });
}

}  // namespace

OutputParser::OutputParser(bool in_final) {
    if (in_final) {
        current_.channel = "final";
        state_ = State::body;
    }
}

void OutputParser::open_header(std::string role) {
    current_ = Message{};
    role_text_ = std::move(role);
    channel_text_.clear();
    constrain_text_.clear();
    field_ = HeaderField::role;
    state_ = State::header;
}

void OutputParser::apply_header() {
    std::string role_word;
    split_recipient(role_text_, role_word, current_.recipient);
    if (!role_word.empty()) current_.role = role_word;
    split_recipient(channel_text_, current_.channel, current_.recipient);
    current_.content_type = trim(constrain_text_);
}

void OutputParser::close_message(bool complete) {
    if (state_ == State::header) apply_header();
    current_.complete = complete;
    messages_.push_back(std::move(current_));
    current_ = Message{};
}

void OutputParser::feed_special(std::string_view token) {
    switch (state_) {
    case State::stopped:
        ++junk_;
        return;
    case State::header:
        if (token == kChannel) {
            field_ = HeaderField::channel;
        } else if (token == kConstrain) {
            field_ = HeaderField::constrain;
        } else if (token == kMessage) {
            apply_header();
            state_ = State::body;
        } else if (token == kStart) {
            ++junk_;  // a header abandoned for a new one
            open_header("");
        } else if (token == kEnd || token == kReturn || token == kCall) {
            // A header that never reached <|message|>: keep what it said, as incomplete.
            ++junk_;
            close_message(false);
            state_ = (token == kEnd) ? State::between : State::stopped;
        } else {
            ++junk_;
        }
        return;
    case State::body:
        if (token == kEnd) {
            close_message(true);
            state_ = State::between;
        } else if (token == kReturn || token == kCall) {
            close_message(true);
            state_ = State::stopped;
        } else if (token == kStart) {
            // The model skipped <|end|>: the message is over, a new one begins.
            ++junk_;
            close_message(false);
            open_header("");
        } else if (token == kChannel) {
            ++junk_;
            close_message(false);
            open_header("");
            field_ = HeaderField::channel;
        } else {
            ++junk_;
        }
        return;
    case State::between:
        if (token == kStart) {
            open_header("");
        } else if (token == kChannel) {
            // `<|start|>assistant` left out: the channel header follows directly.
            ++junk_;
            open_header("");
            field_ = HeaderField::channel;
        } else if (token == kReturn || token == kCall) {
            state_ = State::stopped;
        } else {
            ++junk_;
        }
        return;
    }
}

void OutputParser::feed_text(std::string_view text) {
    if (text.empty()) return;
    switch (state_) {
    case State::header:
        switch (field_) {
        case HeaderField::role:
            role_text_.append(text);
            break;
        case HeaderField::channel:
            channel_text_.append(text);
            break;
        case HeaderField::constrain:
            constrain_text_.append(text);
            break;
        }
        return;
    case State::body:
        current_.content.append(text);
        return;
    case State::between:
    case State::stopped:
        ++junk_;
        return;
    }
}

void OutputParser::feed_rendered(std::string_view text) {
    pending_.append(text);
    size_t pos = 0;
    while (pos < pending_.size()) {
        const size_t open = pending_.find("<|", pos);
        if (open == std::string::npos) {
            // A trailing '<' may begin a token that the next chunk completes.
            const size_t end = pending_.back() == '<' ? pending_.size() - 1 : pending_.size();
            feed_text(std::string_view(pending_).substr(pos, end - pos));
            pos = end;
            break;
        }
        feed_text(std::string_view(pending_).substr(pos, open - pos));
        const size_t close = pending_.find("|>", open + 2);
        if (close == std::string::npos) {
            // Keep a possible token prefix for the next chunk, unless it is too long to be one.
            if (pending_.size() - open > 32) {
                feed_text(std::string_view(pending_).substr(open, 2));
                pos = open + 2;
                continue;
            }
            pos = open;
            break;
        }
        const std::string_view candidate = std::string_view(pending_).substr(open, close + 2 - open);
        if (is_known_special(candidate)) {
            feed_special(candidate);
            pos = close + 2;
        } else {
            feed_text(std::string_view(pending_).substr(open, 2));
            pos = open + 2;
        }
    }
    pending_.erase(0, pos);
}

void OutputParser::finish() {
    if (!pending_.empty()) {
        feed_text(pending_);
        pending_.clear();
    }
    if (state_ == State::header) {
        // Output that never reached <|message|>: keep the raw header text as the content so the
        // caller can show it, but on no channel, so it is never taken for an answer.
        if (!trim(role_text_).empty() || !channel_text_.empty() || !constrain_text_.empty()) {
            Message m;
            m.content = role_text_ + channel_text_ + constrain_text_;
            messages_.push_back(std::move(m));
        }
    } else if (state_ == State::body) {
        close_message(false);
    }
    state_ = State::stopped;
}

const Message* OutputParser::final_message() const {
    for (auto it = messages_.rbegin(); it != messages_.rend(); ++it) {
        if (it->channel == "final") return &*it;
    }
    return nullptr;
}

std::string OutputParser::analysis() const {
    std::string out;
    for (const Message& m : messages_) {
        if (m.channel != "analysis") continue;
        if (!out.empty()) out += "\n\n";
        out += m.content;
    }
    return out;
}

}  // namespace arbiter::harmony
