#include "testmodel/random_tensor.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace arbiter::testmodel {

namespace {

constexpr size_t kQ8Block = 32;
constexpr size_t kQ8BlockBytes = 2 + kQ8Block;
constexpr size_t kMxfp4BlockBytes = 17;
// E8M0 exponent byte for MXFP4 experts: values of about +-0.09, stable at every width tried.
constexpr uint8_t kMxfp4Scale = 121;
// Standard deviation of an int8 drawn uniformly from [-127, 127].
constexpr float kInt8Spread = 73.3f;

uint64_t fnv1a(std::string_view text) {
    uint64_t h = 1469598103934665603ull;
    for (char c : text) {
        h ^= static_cast<uint8_t>(c);
        h *= 1099511628211ull;
    }
    return h;
}

}  // namespace

RandomTensor::RandomTensor(ggml_type type, Init init, int64_t row_length, uint64_t seed,
                           std::string_view name)
    : type_(type),
      init_(init),
      scale_(1.0f / std::sqrt(static_cast<float>(row_length))),
      state_(seed ^ fnv1a(name)) {
    if (type != GGML_TYPE_F32 && type != GGML_TYPE_Q8_0 && type != GGML_TYPE_MXFP4) {
        throw std::invalid_argument("RandomTensor: unsupported type " + std::string(ggml_type_name(type)));
    }
}

// splitmix64: fast, seedable, and good enough for weights nobody reads.
uint64_t RandomTensor::next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

float RandomTensor::uniform() {
    return static_cast<float>(next() >> 40) / static_cast<float>(1ull << 23) - 1.0f;
}

void RandomTensor::fill(std::span<uint8_t> out) {
    switch (type_) {
    case GGML_TYPE_F32:
        for (size_t i = 0; i + 4 <= out.size(); i += 4) {
            float v = 0.0f;
            switch (init_) {
            case Init::norm:
                v = 1.0f + 0.1f * uniform();
                break;
            case Init::bias:
                v = 0.02f * uniform();
                break;
            case Init::matrix:
                v = scale_ * std::sqrt(3.0f) * uniform();
                break;
            }
            std::memcpy(out.data() + i, &v, 4);
        }
        break;
    case GGML_TYPE_Q8_0: {
        const ggml_fp16_t d = ggml_fp32_to_fp16(scale_ / kInt8Spread);
        for (size_t b = 0; b + kQ8BlockBytes <= out.size(); b += kQ8BlockBytes) {
            std::memcpy(out.data() + b, &d, 2);
            for (size_t i = 0; i < kQ8Block; i += 8) {
                uint64_t r = next();
                for (size_t k = 0; k < 8; ++k, r >>= 8) {
                    // -128 is outside Q8_0's symmetric range; fold it onto -127.
                    const int8_t q = static_cast<int8_t>(r & 0xFF);
                    out[b + 2 + i + k] = static_cast<uint8_t>(q == -128 ? -127 : q);
                }
            }
        }
        break;
    }
    case GGML_TYPE_MXFP4:
        for (size_t b = 0; b + kMxfp4BlockBytes <= out.size(); b += kMxfp4BlockBytes) {
            out[b] = kMxfp4Scale;
            const uint64_t lo = next();
            const uint64_t hi = next();
            std::memcpy(out.data() + b + 1, &lo, 8);
            std::memcpy(out.data() + b + 9, &hi, 8);
        }
        break;
    default:
        break;
    }
}

}  // namespace arbiter::testmodel
