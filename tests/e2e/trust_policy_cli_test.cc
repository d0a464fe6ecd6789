// The trust policy through the CLI (docs/security.md, "Trust policy"): with a trust store
// configured, every command that loads a model loads only bundles its publishers signed.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/cli_runner.h"
#include "support/model_paths.h"
#include "support/test_paths.h"
#include "support/tflite_builder.h"
#include "vision/image_io.h"

namespace outpost {
namespace {

using testing::run_outpost;

class TrustPolicyCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("outpost-trust-cli");
    trust_ = dir_ + "/trust";
    model_ = write_file("add.tflite", testing::build_tflite(testing::add_model_spec()));
    for (const char* publisher : {"acme", "evil"}) {
      auto r = run_outpost({"keys", "gen", "--publisher", publisher, "--output-dir", dir_});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    std::filesystem::create_directory(trust_);
    ::chmod(trust_.c_str(), 0755);
    std::filesystem::copy_file(dir_ + "/acme.publisher.pub", trust_ + "/acme.publisher.pub");
  }
  void TearDown() override {
    ::unsetenv("OUTPOST_TRUST_DIR");
    std::filesystem::remove_all(dir_);
  }

  std::string write_file(const std::string& name, const std::vector<uint8_t>& bytes) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
    return path;
  }
  std::string write_text(const std::string& name, const std::string& text) {
    return write_file(name, std::vector<uint8_t>(text.begin(), text.end()));
  }
  // Packs the add model as NAME-VERSION.opk signed by `signer`; asserts success.
  std::string pack(const std::string& name, const std::string& version,
                   const std::string& signer = "acme", std::vector<std::string> extra = {}) {
    const std::string out = dir_ + "/" + name + "-" + version + ".opk";
    std::vector<std::string> args = {"pack",  model_,  "--name",        name,
                                     "--sign", dir_ + "/" + signer + ".publisher.key",
                                     "-o",    out,     "--bundle-version", version};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run_outpost(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
  }
  // The arguments that make `command` load `model` (an image where the command wants one).
  std::vector<std::string> command_args(const std::string& command, const std::string& model) {
    const std::string image = dir_ + "/missing.png";  // never reached: the model is refused first
    if (command == "pipeline") {
      const std::string spec = write_text("p.json", R"({"source": ")" + image + R"(", "model": ")" +
                                                        model + R"(", "task": "faces"})");
      return {"pipeline", "run", spec};
    }
    if (command == "run" || command == "bench" || command == "inspect") return {command, model};
    return {command, model, image};
  }

  std::string dir_, model_, trust_;
};

const char* const kModelCommands[] = {"run",      "classify", "detect", "segment",
                                      "landmarks", "bench",   "inspect", "pipeline"};

TEST_F(TrustPolicyCli, WithATrustStoreEveryCommandRefusesAPlainModel) {
  for (const char* command : kModelCommands) {
    auto args = command_args(command, model_);
    args.insert(args.end(), {"--trust", trust_});
    auto r = run_outpost(args);
    EXPECT_EQ(r.exit_code, 7) << command << ": " << r.err;
    EXPECT_NE(r.err.find(model_), std::string::npos) << command << ": " << r.err;
    EXPECT_NE(r.err.find("not a signed bundle"), std::string::npos) << command << ": " << r.err;
    EXPECT_NE(r.err.find("--allow-unsigned"), std::string::npos) << command << ": " << r.err;
  }
}

TEST_F(TrustPolicyCli, TheEnvironmentTrustStoreRefusesAPlainModelToo) {
  ::setenv("OUTPOST_TRUST_DIR", trust_.c_str(), 1);
  for (const char* command : kModelCommands) {
    auto r = run_outpost(command_args(command, model_));
    EXPECT_EQ(r.exit_code, 7) << command << ": " << r.err;
    EXPECT_NE(r.err.find("not a signed bundle"), std::string::npos) << command << ": " << r.err;
  }
}

TEST_F(TrustPolicyCli, AnythingNotABundleIsRefusedBeforeItIsParsed) {
  const std::string junk = write_text("junk.onnx", "not a model at all");
  auto r = run_outpost({"run", junk, "--trust", trust_});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find(junk), std::string::npos) << r.err;
}

TEST_F(TrustPolicyCli, AllowUnsignedLoadsAPlainModelAndWarnsEveryTime) {
  for (const char* command : {"run", "bench", "inspect"}) {
    auto args = command_args(command, model_);
    args.insert(args.end(), {"--trust", trust_, "--allow-unsigned"});
    if (std::string(command) == "bench") args.insert(args.end(), {"--runs", "1", "--warmup", "0"});
    auto r = run_outpost(args);
    EXPECT_EQ(r.exit_code, 0) << command << ": " << r.err;
    EXPECT_NE(r.err.find("warning"), std::string::npos) << command << ": " << r.err;
    EXPECT_NE(r.err.find("unsigned"), std::string::npos) << command << ": " << r.err;
    EXPECT_NE(r.err.find(model_), std::string::npos) << command << ": " << r.err;
  }
}

TEST_F(TrustPolicyCli, ASignedBundleStillLoadsAndAnUnknownSignerDoesNot) {
  auto r = run_outpost({"run", pack("adder", "1.0.0"), "--trust", trust_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("unsigned"), std::string::npos) << r.err;
  r = run_outpost({"run", pack("adder", "1.0.1", "evil"), "--trust", trust_});
  EXPECT_EQ(r.exit_code, 7) << r.err;
}

TEST_F(TrustPolicyCli, ExpectNameRefusesABundleSignedUnderAnotherName) {
  const std::string other = pack("subtractor", "1.0.0");
  auto r = run_outpost({"run", other, "--trust", trust_, "--expect-name", "adder"});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find("'subtractor'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'adder'"), std::string::npos) << r.err;
  r = run_outpost({"run", pack("adder", "1.0.0"), "--trust", trust_, "--expect-name", "adder"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // A plain model has no signed name to match.
  r = run_outpost({"run", model_, "--trust", trust_, "--allow-unsigned", "--expect-name", "adder"});
  EXPECT_EQ(r.exit_code, 7) << r.err;
}

TEST_F(TrustPolicyCli, AnOlderVersionThanOneLoadedBeforeIsRefusedUnlessDowngradeIsAllowed) {
  const std::string state = dir_ + "/state";
  const std::string newer = pack("adder", "1.2.0"), older = pack("adder", "1.1.0");
  auto r = run_outpost({"run", newer, "--trust", trust_, "--state-dir", state});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream recorded(state + "/installed-versions.json");
  const auto j = nlohmann::json::parse(recorded);
  EXPECT_EQ(j["versions"]["adder"], "1.2.0") << j.dump();
  r = run_outpost({"run", older, "--trust", trust_, "--state-dir", state});
  EXPECT_EQ(r.exit_code, 13) << r.err;
  EXPECT_NE(r.err.find("1.1.0"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1.2.0"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--allow-downgrade"), std::string::npos) << r.err;
  ::setenv("OUTPOST_STATE_DIR", state.c_str(), 1);  // the environment names it too
  r = run_outpost({"classify", older, dir_ + "/none.png", "--trust", trust_});
  ::unsetenv("OUTPOST_STATE_DIR");
  EXPECT_EQ(r.exit_code, 13) << r.err;
  r = run_outpost({"run", older, "--trust", trust_, "--state-dir", state, "--allow-downgrade"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // The highest stays the floor.
  r = run_outpost({"run", older, "--trust", trust_, "--state-dir", state});
  EXPECT_EQ(r.exit_code, 13) << r.err;
  // Another name has its own floor; without a state directory nothing is remembered.
  EXPECT_EQ(run_outpost({"run", pack("other", "0.1.0"), "--trust", trust_, "--state-dir", state})
                .exit_code,
            0);
  EXPECT_EQ(run_outpost({"run", older, "--trust", trust_}).exit_code, 0);
}

TEST_F(TrustPolicyCli, AnUnsafeTrustDirectoryIsRefusedNamingThePathAndTheFix) {
  const std::string bundle = pack("adder", "1.0.0");
  for (const mode_t mode : {0777, 0775, 0757}) {
    ::chmod(trust_.c_str(), mode);
    auto r = run_outpost({"run", bundle, "--trust", trust_});
    EXPECT_EQ(r.exit_code, 7) << r.err;
    EXPECT_NE(r.err.find(trust_), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("chmod go-w"), std::string::npos) << r.err;
  }
  ::chmod(trust_.c_str(), 0755);
  const std::string key = trust_ + "/acme.publisher.pub";
  ::chmod(key.c_str(), 0666);
  auto r = run_outpost({"run", bundle, "--trust", trust_});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find(key), std::string::npos) << r.err;
  ::chmod(key.c_str(), 0644);
  EXPECT_EQ(run_outpost({"run", bundle, "--trust", trust_}).exit_code, 0);
}

TEST_F(TrustPolicyCli, ASymlinkedKeyInTheTrustDirectoryIsRefused) {
  // A link can point anywhere: at a key an attacker controls outside the store.
  const std::string bundle = pack("adder", "1.0.0", "evil");
  std::filesystem::create_symlink(dir_ + "/evil.publisher.pub", trust_ + "/evil.publisher.pub");
  auto r = run_outpost({"run", bundle, "--trust", trust_});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find("symbolic link"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(trust_ + "/evil.publisher.pub"), std::string::npos) << r.err;
}

TEST_F(TrustPolicyCli, ATrustDirectoryOwnedBySomeoneElseIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the directory to another user";
  ASSERT_EQ(::chown(trust_.c_str(), 4242, 4242), 0);
  auto r = run_outpost({"run", pack("adder", "1.0.0"), "--trust", trust_});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find("owned by uid 4242"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("chown"), std::string::npos) << r.err;
}

// A "classifier" whose 12 scores are its [1, 2, 2, 3] float input flattened (no metadata of its
// own), and a 2x2 picture whose pixel (1, 0) is red 250: top class 3, score (250 - mean) / std.
TEST_F(TrustPolicyCli, ABundlesSignedLabelsAndPreprocessAreWhatRunsUnlessOverriddenOnPurpose) {
  testing::TfModelSpec spec;
  spec.tensors = {{{1, 2, 2, 3}, 0, 0, "image"}, {{1, 12}, 0, 0, "scores"}};
  testing::TfOperatorSpec reshape;
  reshape.builtin_code = 22;  // RESHAPE
  reshape.inputs = {0};
  reshape.outputs = {1};
  spec.operators = {reshape};
  spec.inputs = {0};
  spec.outputs = {1};
  model_ = write_file("flat.tflite", testing::build_tflite(spec));
  std::string labels;
  for (int i = 0; i < 12; ++i) labels += "signed" + std::to_string(i) + "\n";
  const std::string bundle =
      pack("flat", "1.0.0", "acme",
           {"--labels", write_text("labels.txt", labels), "--preprocess",
            R"({"mean": 100, "std": 50})", "--golden", "none"});
  Image image = Image::blank(2, 2, 3);
  std::fill(image.pixels.begin(), image.pixels.end(), uint8_t{100});
  image.at(1, 0)[0] = 250;
  image.at(1, 0)[1] = 0;
  const std::string picture = dir_ + "/tiny.png";
  ASSERT_TRUE(save_png(picture, image).is_ok());

  auto r = run_outpost({"classify", bundle, picture, "--top", "1", "--json", "--trust", trust_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["labels_source"], "bundle");
  EXPECT_EQ(j["normalization"]["source"], "bundle");
  EXPECT_EQ(j["results"][0]["top"][0]["label"], "signed3");
  EXPECT_NEAR(j["results"][0]["top"][0]["score"].get<double>(), 3.0, 1e-5);
  EXPECT_EQ(r.err.find("override"), std::string::npos) << r.err;

  // Flags override on purpose, and say so.
  r = run_outpost({"classify", bundle, picture, "--top", "1", "--json", "--trust", trust_,
                   "--labels", write_text("mine.txt", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n"),
                   "--mean", "0", "--std", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["results"][0]["top"][0]["label"], "d");
  EXPECT_NEAR(j["results"][0]["top"][0]["score"].get<double>(), 250.0, 1e-3);
  EXPECT_NE(r.err.find("--labels overrides the bundle's 12 signed labels"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("--mean/--std override the bundle's signed normalization"),
            std::string::npos)
      << r.err;

  // A pipeline takes them too; its own keys override, said on stderr.
  const std::string events = dir_ + "/events.jsonl";
  const std::string base = R"({"source": ")" + picture + R"(", "model": ")" + bundle +
                           R"(", "task": "classification", "top_k": 1, )" +
                           R"("sinks": [{"type": "jsonl", "path": ")" + events + R"("}])";
  r = run_outpost({"pipeline", "run", write_text("c.json", base + "}"), "--trust", trust_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(events);
  const std::string event((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(event.find("signed3"), std::string::npos) << event;
  EXPECT_EQ(r.err.find("override"), std::string::npos) << r.err;
  r = run_outpost({"pipeline", "run",
                   write_text("o.json", base + R"(, "labels": ")" + dir_ +
                                            R"(/mine.txt", "preprocess": {"mean": 0, "std": 1}})"),
                   "--trust", trust_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("the pipeline's \"labels\" override the bundle's signed 12 labels"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("the pipeline's \"preprocess\" overrides the bundle's signed one"),
            std::string::npos)
      << r.err;
}

TEST_F(TrustPolicyCli, WithoutATrustStoreAPlainModelRunsAsBefore) {
  auto r = run_outpost({"run", model_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("unsigned"), std::string::npos) << r.err;
}

// The largest |a - b| / max(|b|, 1) over the numbers of two JSON answers of the same shape;
// infinity when their shapes differ (another number of faces, other keys).
double largest_relative_difference(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.type() != b.type() && !(a.is_number() && b.is_number()))
    return std::numeric_limits<double>::infinity();
  if (a.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    return std::fabs(x - y) / std::max(std::fabs(y), 1.0);
  }
  if (a.is_array() || a.is_object()) {
    if (a.size() != b.size()) return std::numeric_limits<double>::infinity();
    double worst = 0;
    for (auto it = a.begin(); it != a.end(); ++it) {
      const nlohmann::json& other = a.is_array() ? b.at(static_cast<size_t>(std::distance(a.begin(), it)))
                                                 : (b.contains(it.key()) ? b.at(it.key()) : nlohmann::json());
      worst = std::max(worst, largest_relative_difference(*it, other));
    }
    return worst;
  }
  return a == b ? 0 : std::numeric_limits<double>::infinity();
}

// detect, segment and landmarks run a bundle with its signed preprocess spec: the model packed
// with its usual normalization answers as the plain model does, and packed with another one it
// answers otherwise, so the signed spec is what runs, not the command's default.
TEST_F(TrustPolicyCli, VisionCommandsRunABundlesSignedPreprocessSpec) {
  struct Case {
    const char* command;
    const char* model;
    const char* usual;  // the command's default normalization for it, as a spec
  };
  const Case cases[] = {{"detect", "face_detection_short_range.tflite", R"({"mean": 127.5, "std": 127.5})"},
                        {"segment", "selfie_segmentation.tflite", R"({"mean": 0, "std": 255})"},
                        {"landmarks", "pose_landmark_lite.tflite", R"({"mean": 0, "std": 255})"}};
  const std::string image = testing::skimage_path("astronaut.png");
  OUTPOST_SKIP_UNLESS_EXISTS(image);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.command);
    const std::string model = testing::model_path(c.model);
    OUTPOST_SKIP_UNLESS_EXISTS(model);
    // The command's answer without the timing and file names.
    auto answer = [&](const std::string& m, const std::vector<std::string>& extra) {
      std::vector<std::string> args = {c.command, m, image, "-o", dir_ + "/out.png", "--json"};
      args.insert(args.end(), extra.begin(), extra.end());
      auto r = run_outpost(args);
      EXPECT_EQ(r.exit_code, 0) << r.err;
      auto j = nlohmann::json::parse(r.out, nullptr, false);
      if (j.is_object())
        for (const char* k : {"model", "image", "output", "latency_ms", "mask"}) j.erase(k);
      return j;
    };
    auto pack_with = [&](const std::string& version, const std::string& spec) {
      const std::string out = dir_ + "/" + c.command + "-" + version + ".opk";
      auto r = run_outpost({"pack", model, "--name", c.command, "--bundle-version", version,
                            "--sign", dir_ + "/acme.publisher.key", "-o", out, "--preprocess",
                            spec, "--golden", "none"});
      EXPECT_EQ(r.exit_code, 0) << r.err;
      return out;
    };
    const nlohmann::json plain = answer(model, {});
    const nlohmann::json usual = answer(pack_with("1.0.0", c.usual), {"--trust", trust_});
    const nlohmann::json skewed =
        answer(pack_with("2.0.0", R"({"mean": 255, "std": 1})"), {"--trust", trust_});
    // The plain detector goes through its own resize, the spec through the generic one: the
    // two answers agree within a few percent, and the skewed spec's does not.
    EXPECT_LE(largest_relative_difference(usual, plain), 0.05) << usual << "\n" << plain;
    EXPECT_GT(largest_relative_difference(skewed, plain), 0.2) << "the signed spec was not applied";
  }
}

}  // namespace
}  // namespace outpost
