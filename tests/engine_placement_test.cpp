// Where the embedded engine runs, as `arbiter info` and serve's start-up line tell it: the
// devices llama.cpp found, the layers a GPU gets, and the settings that change speed or results.

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "llama/model_file.h"
#include "llama/placement.h"
#include "support/server_process.h"
#include "support/service_client.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

using engine::ComputeDevice;
using engine::offloaded_layers;

bool has_gpu(const std::vector<ComputeDevice>& devices) {
    return std::any_of(devices.begin(), devices.end(), [](const ComputeDevice& d) { return d.gpu; });
}

TEST(EnginePlacement, LayersOnTheGpuCountTheOutputLayer) {
    EXPECT_EQ(offloaded_layers(-1, 24, true), 25);  // gpt-oss-20b: llama.cpp's "25/25 layers"
    EXPECT_EQ(offloaded_layers(10, 24, true), 10);
    EXPECT_EQ(offloaded_layers(99, 24, true), 25);
    EXPECT_EQ(offloaded_layers(0, 24, true), 0);
    EXPECT_EQ(offloaded_layers(-1, 24, false), 0);  // a CPU build, or no GPU on the machine
}

TEST(EnginePlacement, TheCpuIsAlwaysADevice) {
    const std::vector<ComputeDevice> devices = engine::compute_devices();
    const auto cpu =
        std::find_if(devices.begin(), devices.end(), [](const ComputeDevice& d) { return !d.gpu; });
    ASSERT_NE(cpu, devices.end());
    EXPECT_EQ(cpu->name, "CPU");
    EXPECT_GT(cpu->total_bytes, 0u);
}

TEST(EnginePlacement, TheLineNamesEverySettingThatChangesSpeedOrResults) {
    engine::EngineOptions o;
    o.model = test::tiny_model();
    o.flash_attention = true;
    o.batch = 2048;
    o.parallel = 32;
    o.threads = 3;
    const std::string line = engine::describe_placement(o);
    for (const char* part : {"flash attention on", "KV cache per sequence", "batch 2048",
                             "32 items in parallel", "3 CPU threads"}) {
        EXPECT_NE(line.find(part), std::string::npos) << part << ": " << line;
    }
    if (has_gpu(engine::compute_devices())) {
        const uint32_t layers = engine::inspect_model_file(o.model).n_layer + 1;  // and the output layer
        EXPECT_NE(line.find(std::to_string(layers) + " of " + std::to_string(layers) + " layers"),
                  std::string::npos)
            << line;
    } else {
        EXPECT_EQ(line.rfind("CPU only;", 0), 0u) << line;
    }
}

TEST(EnginePlacement, InfoListsTheDevicesAndServeSaysWhereItRuns) {
    const auto r = test::run_command(test::built_binary("arbiter") + " info --json --model '" +
                                     test::tiny_model().string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto j = nlohmann::json::parse(r.output);
    ASSERT_EQ(j["devices"].size(), engine::compute_devices().size());
    EXPECT_EQ(j["devices"][0]["name"], engine::compute_devices()[0].name);
    EXPECT_NE(j["engine"].get<std::string>().find("flash attention off"), std::string::npos) << j["engine"];

    test::ServerProcess server(test::fresh_db("placement"),
                               {"--policies", test::kPolicies, "--flash-attention", "on", "--batch", "1024"});
    EXPECT_NE(server.log().find("arbiter serve: engine on "), std::string::npos) << server.log();
    EXPECT_NE(server.log().find("flash attention on; KV cache per sequence; batch 1024"), std::string::npos)
        << server.log();
}

}  // namespace
}  // namespace arbiter
