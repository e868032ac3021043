#include "http/body_decoding.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace arbiter::service {

namespace {

std::string lowercase_trimmed(std::string_view s) {
    const size_t first = s.find_first_not_of(" \t");
    const size_t last = s.find_last_not_of(" \t");
    std::string out(first == std::string_view::npos ? std::string_view() : s.substr(first, last - first + 1));
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

BodyDecoding inflate_bounded(std::string& body, int window_bits, size_t limit) {
    z_stream z{};
    if (inflateInit2(&z, window_bits) != Z_OK) return BodyDecoding::corrupt;
    z.next_in = reinterpret_cast<Bytef*>(body.data());
    z.avail_in = static_cast<uInt>(body.size());
    std::string out;
    std::array<char, size_t{64} * 1024> chunk{};
    int rc = Z_OK;
    while (rc == Z_OK) {
        z.next_out = reinterpret_cast<Bytef*>(chunk.data());
        z.avail_out = static_cast<uInt>(chunk.size());
        rc = inflate(&z, Z_NO_FLUSH);
        const size_t produced = chunk.size() - z.avail_out;
        if (out.size() + produced > limit) {
            inflateEnd(&z);
            return BodyDecoding::too_large;
        }
        out.append(chunk.data(), produced);
        if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // input ended before the stream did
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END || z.avail_in != 0) return BodyDecoding::corrupt;
    body = std::move(out);
    return BodyDecoding::ok;
}

}  // namespace

BodyDecoding decode_body(std::string_view encoding, std::string& body, size_t limit) {
    const std::string name = lowercase_trimmed(encoding);
    if (name.empty() || name == "identity")
        return body.size() > limit ? BodyDecoding::too_large : BodyDecoding::ok;
    // zlib reads the gzip wrapper with 16 added to the window bits, zlib's (HTTP's "deflate") as is.
    if (name == "gzip" || name == "x-gzip") return inflate_bounded(body, MAX_WBITS + 16, limit);
    if (name == "deflate") return inflate_bounded(body, MAX_WBITS, limit);
    return BodyDecoding::unsupported;
}

}  // namespace arbiter::service
