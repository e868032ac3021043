#include "http/http_message.h"

#include <algorithm>
#include <cctype>

namespace arbiter::service {

namespace {

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// `plus_is_space`: in a query, as HTML forms send it; in a path '+' is itself.
bool percent_decode(std::string_view in, bool plus_is_space, std::string& out) {
    out.clear();
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '+' && plus_is_space) {
            out.push_back(' ');
        } else if (in[i] != '%') {
            out.push_back(in[i]);
        } else {
            if (i + 2 >= in.size()) return false;
            const int high = hex_value(in[i + 1]);
            const int low = hex_value(in[i + 2]);
            if (high < 0 || low < 0) return false;
            out.push_back(static_cast<char>(high * 16 + low));
            i += 2;
        }
    }
    return true;
}

}  // namespace

std::string HttpRequest::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (equal_ignoring_case(key, name)) return value;
    }
    return {};
}

std::optional<std::string> HttpRequest::param(std::string_view name) const {
    for (const auto& [key, value] : query) {
        if (key == name) return value;
    }
    return std::nullopt;
}

std::optional<std::string_view> bearer_token(std::string_view header) {
    constexpr std::string_view kBearer = "bearer";
    const bool bearer = header.size() > kBearer.size() && header[kBearer.size()] == ' ' &&
                        std::equal(kBearer.begin(), kBearer.end(), header.begin(), [](char a, char b) {
                            return a == std::tolower(static_cast<unsigned char>(b));
                        });
    if (!bearer) return std::nullopt;
    const size_t token_at = header.find_first_not_of(' ', kBearer.size());
    return token_at == std::string_view::npos ? std::string_view() : header.substr(token_at);
}

bool split_target(std::string_view target, std::string& path,
                  std::vector<std::pair<std::string, std::string>>& query) {
    const size_t mark = target.find('?');
    if (!percent_decode(target.substr(0, mark), false, path)) return false;
    query.clear();
    if (mark == std::string_view::npos) return true;
    std::string_view rest = target.substr(mark + 1);
    while (!rest.empty()) {
        const size_t amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (pair.empty()) continue;
        const size_t eq = pair.find('=');
        std::string key;
        std::string value;
        if (!percent_decode(pair.substr(0, eq), true, key)) return false;
        if (eq != std::string_view::npos && !percent_decode(pair.substr(eq + 1), true, value)) return false;
        query.emplace_back(std::move(key), std::move(value));
    }
    return true;
}

bool is_sendable_header(std::string_view name, std::string_view value) {
    if (name.empty()) return false;
    for (const char c : name) {
        if (c <= 0x20 || c >= 0x7f || c == ':') return false;
    }
    return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

}  // namespace arbiter::service
