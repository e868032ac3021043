#include "llama/placement.h"

#include <algorithm>
#include <cstdio>

#include "llama.h"
#include "llama/llama_log.h"
#include "llama/model_file.h"

namespace arbiter::engine {

namespace {

std::string gib(uint64_t bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0));
    return text;
}

std::string describe_device(const ComputeDevice& d) {
    std::string text = d.name;
    if (!d.description.empty() && d.description != d.name) text += " " + d.description;
    if (d.gpu && d.total_bytes > 0)
        text += " (" + gib(d.free_bytes) + " of " + gib(d.total_bytes) + " GiB free)";
    return text;
}

}  // namespace

std::vector<ComputeDevice> compute_devices() {
    install_llama_log();  // a CUDA build announces its devices on stderr otherwise
    std::vector<ComputeDevice> devices;
    for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        ComputeDevice d;
        d.name = ggml_backend_dev_name(dev);
        d.description = ggml_backend_dev_description(dev);
        const enum ggml_backend_dev_type type = ggml_backend_dev_type(dev);
        // Layers go to GPUs only; an accelerator (BLAS, say) takes single operations.
        d.gpu = type == GGML_BACKEND_DEVICE_TYPE_GPU || type == GGML_BACKEND_DEVICE_TYPE_IGPU;
        size_t free = 0;
        size_t total = 0;
        ggml_backend_dev_memory(dev, &free, &total);
        d.free_bytes = free;
        d.total_bytes = total;
        devices.push_back(std::move(d));
    }
    return devices;
}

int offloaded_layers(int gpu_layers, int model_layers, bool has_gpu) {
    if (!has_gpu) return 0;
    const int all = model_layers + 1;
    return gpu_layers < 0 ? all : std::min(gpu_layers, all);
}

std::string describe_placement(const EngineOptions& options) {
    const std::vector<ComputeDevice> devices = compute_devices();
    std::string text;
    bool has_gpu = false;
    for (const ComputeDevice& d : devices) {
        if (!d.gpu) continue;
        text += (has_gpu ? ", " : "") + describe_device(d);
        has_gpu = true;
    }
    const int layers = static_cast<int>(inspect_model_file(options.model).n_layer);
    const int on_gpu = offloaded_layers(options.gpu_layers, layers, has_gpu);
    if (has_gpu) {
        text += ": " + std::to_string(on_gpu) + " of " + std::to_string(layers + 1) + " layers";
    } else {
        text = "CPU only";
    }
    text +=
        options.threads > 0 ? "; " + std::to_string(options.threads) + " CPU threads" : "; CPU threads auto";
    text += std::string("; flash attention ") + (options.flash_attention ? "on" : "off");
    text += "; KV cache per sequence; batch " + std::to_string(options.batch) + "; " +
            std::to_string(options.parallel) + " items in parallel";
    return text;
}

}  // namespace arbiter::engine
