#pragma once
// Where the embedded engine runs: the compute devices llama.cpp found (a CUDA build lists its
// GPUs beside the CPU) and how an engine with given options uses them. `arbiter info` and
// serve's start-up line print it, so that nobody measures a CPU run believing it was a GPU's.

#include <cstdint>
#include <string>
#include <vector>

#include "llama/embedded_engine.h"

namespace arbiter::engine {

struct ComputeDevice {
    std::string name;         // llama.cpp's name, e.g. "CUDA0" or "CPU"
    std::string description;  // e.g. "NVIDIA H100 80GB HBM3"
    bool gpu = false;         // a discrete or integrated GPU: one that can hold layers
    uint64_t free_bytes = 0;
    uint64_t total_bytes = 0;
};

// The devices of the backends this build holds, in llama.cpp's order.
std::vector<ComputeDevice> compute_devices();

// Layers (the output layer counted, as llama.cpp counts them) that `gpu_layers` puts on a GPU:
// negative means all of them; none without a GPU.
int offloaded_layers(int gpu_layers, int model_layers, bool has_gpu);

// One line: the devices, the layers on the GPU, and the settings that change speed or results,
// e.g. "CUDA0 NVIDIA H100 80GB HBM3 (79.2 of 79.6 GiB free): 25 of 25 layers; CPU threads auto;
// flash attention off; KV cache per sequence; batch 512; 4 items in parallel". Reads the model
// file's header.
std::string describe_placement(const EngineOptions& options);

}  // namespace arbiter::engine
