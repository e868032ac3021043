#pragma once
// The harmony format's special tokens: their text and their ids in o200k_harmony, the
// tokenizer of every gpt-oss model. Each is a single token; content must never produce one.

#include <array>
#include <cstdint>
#include <string_view>

namespace arbiter::harmony {

struct SpecialToken {
    std::string_view text;
    int32_t o200k_id;
};

inline constexpr std::string_view kStartOfText = "<|startoftext|>";
inline constexpr std::string_view kEndOfText = "<|endoftext|>";
inline constexpr std::string_view kReturn = "<|return|>";
inline constexpr std::string_view kConstrain = "<|constrain|>";
inline constexpr std::string_view kChannel = "<|channel|>";
inline constexpr std::string_view kStart = "<|start|>";
inline constexpr std::string_view kEnd = "<|end|>";
inline constexpr std::string_view kMessage = "<|message|>";
inline constexpr std::string_view kCall = "<|call|>";

inline constexpr std::array<SpecialToken, 9> kSpecialTokens = {{
    {kStartOfText, 199998},
    {kEndOfText, 199999},
    {kReturn, 200002},
    {kConstrain, 200003},
    {kChannel, 200005},
    {kStart, 200006},
    {kEnd, 200007},
    {kMessage, 200008},
    {kCall, 200012},
}};

// o200k_harmony reserves ids 200000..201087 for special tokens; those not named above are
// `<|reserved_N|>`.
inline constexpr int32_t kSpecialRangeBegin = 200000;
inline constexpr int32_t kVocabularySize = 201088;

}  // namespace arbiter::harmony
