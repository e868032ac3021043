#pragma once
// A request body's Content-Encoding undone (gzip or deflate, by zlib) with the size limit applied
// to the decoded bytes while inflating: a small bomb stops at the limit, never at its full size.

#include <cstddef>
#include <string>
#include <string_view>

namespace arbiter::service {

enum class BodyDecoding {
    ok,
    too_large,    // the decoded body would pass the limit (413)
    unsupported,  // an encoding other than identity, gzip or deflate (415)
    corrupt,      // not valid data in its encoding (400)
};

// Replaces `body` with its decoded bytes when `encoding` (the header's value) names one.
BodyDecoding decode_body(std::string_view encoding, std::string& body, size_t limit);

}  // namespace arbiter::service
