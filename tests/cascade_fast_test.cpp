// The cascade's fast tier: training either learner, prediction, model files and distillation
// from the decision log.

#include <gtest/gtest.h>

#include <fstream>

#include "cascade/fast_classifier.h"
#include "core/policy_file.h"
#include "support/cascade_data.h"
#include "support/test_model.h"

namespace arbiter::cascade {
namespace {

double f1_on(const FastClassifier& model, const std::vector<Example>& test) {
    double tp = 0, fp = 0, fn = 0;
    for (const Example& e : test) {
        const bool predicted = model.probability(e.text) >= 0.5;
        tp += predicted && e.violation;
        fp += predicted && !e.violation;
        fn += !predicted && e.violation;
    }
    return tp == 0 ? 0.0 : 2 * tp / (2 * tp + fp + fn);
}

TEST(FastClassifier, LearnsAGeneratedTaskAndPredictsHeldOutItems) {
    const std::vector<Example> train = test::scam_examples(600, 1);
    const std::vector<Example> held_out = test::scam_examples(300, 2);
    const FastClassifier model = FastClassifier::train(train, {});
    EXPECT_GT(f1_on(model, held_out), 0.9);
    EXPECT_GT(model.probability("URGENT: verify your bank wallet to claim the prize"), 0.9);
    EXPECT_LT(model.probability("lunch after the football meeting?"), 0.1);
    // Obfuscation reaches the model normalised.
    EXPECT_GT(model.probability("ＵＲＧＥＮＴ: vеrify your bаnk wallet to claim the prize"), 0.9);
    EXPECT_DOUBLE_EQ(model.probability(""), 0.5);  // nothing to go on: the model decides
}

TEST(FastClassifier, TrainingIsDeterministicAndModelsRoundTrip) {
    const std::vector<Example> train = test::scam_examples(300, 3);
    const FastClassifier a = FastClassifier::train(train, {});
    const FastClassifier b = FastClassifier::train(train, {});
    const std::string text = "claim your gift card at the library";
    EXPECT_DOUBLE_EQ(a.probability(text), b.probability(text));
    const auto path = test::scratch_dir() / "roundtrip.fast";
    a.save(path);
    EXPECT_FLOAT_EQ(static_cast<float>(FastClassifier::load(path).probability(text)),
                    static_cast<float>(a.probability(text)));
}

TEST(FastClassifier, FastTextLearnerStillTrainsAndRoundTrips) {
    TrainOptions options;
    options.learner = Learner::fasttext;
    const FastClassifier model = FastClassifier::train(test::scam_examples(600, 1), options);
    EXPECT_EQ(model.learner(), Learner::fasttext);
    EXPECT_GT(f1_on(model, test::scam_examples(300, 2)), 0.9);
    const auto path = test::scratch_dir() / "fasttext.fast";
    model.save(path);
    const FastClassifier loaded = FastClassifier::load(path);
    EXPECT_EQ(loaded.learner(), Learner::fasttext);  // told apart from a linear file by its bytes
    const std::string text = "claim your gift card at the library";
    EXPECT_FLOAT_EQ(static_cast<float>(loaded.probability(text)),
                    static_cast<float>(model.probability(text)));
    const auto linear = test::scratch_dir() / "linear.fast";
    FastClassifier::train(test::scam_examples(90, 4), {}).save(linear);
    EXPECT_EQ(FastClassifier::load(linear).learner(), Learner::linear);
}

TEST(FastClassifier, ClearErrors) {
    std::vector<Example> one_class = {{"a", true}, {"b", true}};
    EXPECT_THROW(FastClassifier::train(one_class, {}), FastModelError);
    EXPECT_THROW(FastClassifier::load(test::scratch_dir() / "missing.fast"), FastModelError);
    const std::string junk = test::write_file("junk.fast", "not a model at all");
    try {
        FastClassifier::load(junk);
        FAIL();
    } catch (const FastModelError& e) {
        EXPECT_NE(std::string(e.what()).find("not a fast-tier model"), std::string::npos) << e.what();
    }
}

// What an error says about a model file that load() refuses.
std::string load_error(const std::string& path) {
    try {
        FastClassifier::load(path);
    } catch (const FastModelError& e) {
        return e.what();
    }
    return "(loaded)";
}

TEST(FastClassifier, DamagedAndOldLinearFilesAreRefused) {
    const auto path = test::scratch_dir() / "whole.fast";
    FastClassifier::train(test::scam_examples(90, 4), {}).save(path);
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string magic = "arbiter-linear-fast-tier\n";
    ASSERT_EQ(bytes.substr(0, magic.size()), magic);
    // Cut inside the table.
    EXPECT_NE(load_error(test::write_file("cut.fast", bytes.substr(0, bytes.size() - 7))).find("truncated"),
              std::string::npos);
    // A count of entries far beyond the file: refused before anything is allocated for it.
    std::string huge = bytes;
    const size_t count_at = magic.size() + 4 * sizeof(int32_t) + sizeof(double);
    const uint32_t many = 0xFFFFFFF0u;
    huge.replace(count_at, sizeof many, reinterpret_cast<const char*>(&many), sizeof many);
    EXPECT_NE(load_error(test::write_file("huge.fast", huge)).find("truncated"), std::string::npos);
    // A model of the hashed format before exact features: retrain, says the error.
    std::string old = bytes;
    const uint32_t format1 = 1;
    old.replace(magic.size(), sizeof format1, reinterpret_cast<const char*>(&format1), sizeof format1);
    EXPECT_NE(load_error(test::write_file("format1.fast", old)).find("retrain it with arbiter train"),
              std::string::npos);
}

TEST(FastClassifier, ModelsAreVersionedWithTheirPolicy) {
    const auto dir = test::scratch_dir() / "versioned";
    std::filesystem::create_directories(dir);
    Policy p = parse_policy("---\nid: scam\nversion: 3\ncascade: {fast: true}\n---\nScams.\n",
                            (dir / "scam.md").string());
    EXPECT_EQ(fast_model_path(p), dir / "scam.v3.fast");
    EXPECT_EQ(fast_model_sidecar(p), dir / "scam.v3.fast.json");
    try {
        load_fast_model(p);
        FAIL();
    } catch (const FastModelError& e) {
        EXPECT_NE(std::string(e.what()).find("scam.v3.fast does not exist; train one with: arbiter train"),
                  std::string::npos)
            << e.what();
    }
    FastClassifier::train(test::scam_examples(90, 4), {}).save(fast_model_path(p));
    EXPECT_THROW(load_fast_model(p), FastModelError);  // no sidecar: cannot be checked
    std::ofstream(fast_model_sidecar(p)) << R"({"policy_sha256": ")" << policy_text_sha256(p) << "\"}";
    EXPECT_GT(load_fast_model(p).probability("wire transfer to my crypto wallet"), 0.5);
    // The text changed without a version bump: the model is refused.
    p.text += " And phishing.";
    try {
        load_fast_model(p);
        FAIL();
    } catch (const FastModelError& e) {
        EXPECT_NE(std::string(e.what()).find("trained for another text"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace arbiter::cascade
