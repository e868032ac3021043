#pragma once
// Seeded random contents for one tensor, produced a chunk at a time in the tensor's storage
// type (F32, Q8_0 or MXFP4 blocks).

#include <cstdint>
#include <span>
#include <string_view>

#include "ggml.h"

namespace arbiter::testmodel {

// What a tensor is for decides the spread of its values.
enum class Init {
    norm,    // around 1, as RMS-norm gains are
    bias,    // small, around 0
    matrix,  // standard deviation 1/sqrt(fan_in), so activations keep their scale
};

class RandomTensor {
public:
    // `row_length` is ne[0], the fan-in of a matrix. The stream depends on the model seed and
    // the tensor's name, not on the order in which tensors are written.
    RandomTensor(ggml_type type, Init init, int64_t row_length, uint64_t seed, std::string_view name);

    // Fills `out` with the next bytes of the tensor; `out.size()` must be a whole number of
    // blocks of the tensor's type.
    void fill(std::span<uint8_t> out);

private:
    uint64_t next();
    float uniform();  // in [-1, 1)

    ggml_type type_;
    Init init_;
    float scale_;
    uint64_t state_;
};

}  // namespace arbiter::testmodel
