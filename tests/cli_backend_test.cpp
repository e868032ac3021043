// Choosing the backend from the command line and from a configuration file: flags override the
// file's `backend:` section, other sections are left to their readers, and mistakes get clear
// messages (with the file and line).

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/llama_server.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

using test::built_binary;
using test::run_command;
using test::write_file;

constexpr const char* kSpam = ARBITER_SOURCE_DIR "/examples/policies/spam.md";

std::string classify(const std::string& args) {
    return built_binary("arbiter") + " classify --policy " + kSpam + " --text 'Buy followers now' " + args;
}

TEST(CliBackend, ClearErrorsForMissingSettings) {
    auto r = run_command(classify(""));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("needs --model"), std::string::npos) << r.output;

    r = run_command(classify("--backend remote"));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("needs --endpoint"), std::string::npos) << r.output;

    r = run_command(classify("--backend remote --endpoint ftp://x"));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("http:// or https://"), std::string::npos) << r.output;

    r = run_command(classify("--model m.gguf --endpoint http://127.0.0.1:1"));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("need --backend remote"), std::string::npos) << r.output;

    r = run_command(classify("--model m.gguf --timeout 5"));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("need --backend remote"), std::string::npos) << r.output;

    // Settings of the backend not chosen are errors, not silently ignored.
    for (const char* flag :
         {"--parallel 2", "--threads 1", "--gpu-layers 1", "--flash-attention on", "--batch 1024"}) {
        r = run_command(classify(std::string("--backend remote --endpoint http://127.0.0.1:1 ") + flag));
        EXPECT_EQ(r.exit_code, 2) << flag;
        EXPECT_NE(r.output.find("set the embedded engine"), std::string::npos) << flag << ": " << r.output;
    }

    r = run_command(
        classify("--backend remote --endpoint http://127.0.0.1:1 --api-key-env ARBITER_UNSET_KEY_VAR"));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("ARBITER_UNSET_KEY_VAR is not set"), std::string::npos) << r.output;
}

// Engine presets: what a named engine cannot serve is refused before any request, saying why.
TEST(CliBackend, EnginePresetsRefuseWhatTheirEngineCannotServe) {
    const std::string remote = "--backend remote --endpoint http://127.0.0.1:1 ";
    const std::pair<const char*, const char*> cases[] = {
        {"--remote-engine vllm", "give --tokenizer FILE"},
        {"--remote-engine ollama --remote-mode completions", "takes no token-id prompts"},
        {"--remote-engine vllm --remote-mode raw", "raw mode speaks llama-server's /completion"},
        {"--remote-mode completions", "name it with --remote-engine"},
        {"--ctx 4096", "needs --tokenizer"},
        {"--remote-engine vllm --tokenizer " ARBITER_SOURCE_DIR "/README.md", "--tokenizer: "},
    };
    for (const auto& [flags, message] : cases) {
        const auto r = run_command(classify(remote + flags));
        EXPECT_EQ(r.exit_code, 2) << flags;
        EXPECT_NE(r.output.find(message), std::string::npos) << flags << ": " << r.output;
    }
    const std::string config = write_file("engine.yaml", "backend:\n  remote_engine: tgi\n");
    const auto r = run_command(classify("--config " + config));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("engine.yaml:2"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("'remote_engine' must be"), std::string::npos) << r.output;
}

// Stream sessions on a remote backend are score checks counted with arbiter's tokenizer: a mode
// without scores, or no tokenizer, is refused at start.
TEST(CliBackend, RemoteStreamsNeedScoresAndATokenizer) {
    const std::string base = "backend:\n  engine: remote\n  endpoints: [http://127.0.0.1:1]\n  streams: 2\n";
    const std::pair<const char*, const char*> cases[] = {
        {"", "chat mode"},
        {"  remote_engine: llama-server\n  mode: raw\n", "give --tokenizer FILE"},
    };
    for (const auto& [extra, message] : cases) {
        const std::string config = write_file("streams.yaml", base + extra);
        const auto r = run_command(classify("--config " + config));
        EXPECT_EQ(r.exit_code, 2) << extra;
        EXPECT_NE(r.output.find(message), std::string::npos) << extra << ": " << r.output;
    }
}

TEST(CliBackend, ConfigurationMistakesNameTheFileAndLine) {
    const std::string typo =
        write_file("typo.yaml", "server:\n  port: 8080\nbackend:\n  engine: remote\n  endpiont: x\n");
    auto r = run_command(classify("--config " + typo));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("typo.yaml:5: unknown key 'backend.endpiont'"), std::string::npos) << r.output;

    // A value of the wrong type or out of range: the file, the line where the reader knows it, and why.
    const struct {
        const char* file;
        const char* yaml;
        const char* message;
    } wrong[] = {
        {"type.yaml", "backend:\n  engine: remote\n  retries: many\n",
         "type.yaml:3: 'retries' must be an integer"},
        {"flash.yaml", "backend:\n  engine: embedded\n  flash_attention: maybe\n",
         "flash.yaml:3: 'flash_attention' must be true or false"},
        {"batch.yaml", "backend:\n  model: m.gguf\n  batch: 8\n", "batch must be 16..65536 tokens"},
        {"engine.yaml", "backend:\n  engine: cloud\n", "engine.yaml:2: 'engine' must be embedded or remote"},
    };
    for (const auto& w : wrong) {
        r = run_command(classify("--config " + write_file(w.file, w.yaml)));
        EXPECT_EQ(r.exit_code, 2) << w.file;
        EXPECT_NE(r.output.find(w.message), std::string::npos) << r.output;
    }

    const std::string broken = write_file("broken.yaml", "backend: [\n");
    r = run_command(classify("--config " + broken));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("broken.yaml:"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("invalid YAML"), std::string::npos) << r.output;
}

TEST(CliBackend, EmbeddedEngineFromTheConfiguration) {
    const std::string config =
        write_file("embedded.yaml", "server: {port: 1}\nbackend:\n  engine: embedded\n  model: " +
                                        test::tiny_model().string() + "\n  threads: 2\n  ctx: 4096\n");
    const auto r = run_command(classify("--config " + config + " --mode score 2>/dev/null"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto line = nlohmann::json::parse(r.output.substr(0, r.output.find('\n')));
    EXPECT_EQ(line["status"], "ok");
    EXPECT_TRUE(line["probability"].is_number());
}

TEST(CliBackend, RemoteServerFromTheConfigurationWithFlagsOverriding) {
    ARBITER_NEED_LLAMA_SERVER();
    test::LlamaServer server(test::tiny_model(), {"-c", "4096"});
    // The file asks for chat mode; the flag's raw mode wins (score mode works only there).
    const std::string config =
        write_file("remote.yaml", "backend:\n  engine: remote\n  endpoints: [" + server.url() +
                                      "]\n  mode: chat\n  retries: 1\n  timeout_s: 60\n");
    const auto r =
        run_command(classify("--config " + config + " --remote-mode raw --mode score 2>/dev/null"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto line = nlohmann::json::parse(r.output.substr(0, r.output.find('\n')));
    EXPECT_EQ(line["status"], "ok") << line.dump();
    EXPECT_TRUE(line["probability"].is_number());
    EXPECT_GT(line["usage"]["prompt_tokens"].get<int>(), 100);

    // The llama-server preset speaks token ids on /v1/completions, with the model's own tokenizer.
    const auto ids = run_command(classify("--config " + config +
                                          " --remote-engine llama-server --remote-mode "
                                          "completions --tokenizer " +
                                          test::tiny_model().string() + " --mode score 2>/dev/null"));
    ASSERT_EQ(ids.exit_code, 0) << ids.output;
    const auto scored = nlohmann::json::parse(ids.output.substr(0, ids.output.find('\n')));
    EXPECT_NEAR(scored["probability"].get<double>(), line["probability"].get<double>(), 1e-5);
    EXPECT_EQ(scored["usage"]["prompt_tokens"], line["usage"]["prompt_tokens"]);

    // Without the override, chat mode refuses score mode per item, clearly.
    const auto chat = run_command(classify("--config " + config + " --mode score 2>/dev/null"));
    EXPECT_EQ(chat.exit_code, 1);
    EXPECT_NE(chat.output.find("score mode needs"), std::string::npos) << chat.output;
}

}  // namespace
}  // namespace arbiter
