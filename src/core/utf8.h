#pragma once
// Model output is bytes; JSON needs UTF-8. Invalid sequences become U+FFFD, as OpenAI's
// harmony parser does with undecodable tokens.

#include <string>
#include <string_view>

namespace arbiter {

std::string valid_utf8(std::string_view bytes);

}  // namespace arbiter
