#include "core/random_id.h"

#include <openssl/rand.h>

#include <stdexcept>

namespace arbiter {

std::string random_id(std::string_view prefix) {
    unsigned char bytes[12];
    if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no random bytes for an id");
    std::string id(prefix);
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned char b : bytes) {
        id.push_back(kHex[b >> 4]);
        id.push_back(kHex[b & 0xf]);
    }
    return id;
}

}  // namespace arbiter
