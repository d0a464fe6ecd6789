// The trust policy through the CLI (docs/security.md, "Trust policy"): with a trust store
// configured, every command that loads a model loads only bundles its publishers signed.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/cli_runner.h"
#include "support/test_paths.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::run_outpost;

class TrustPolicyCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("outpost-trust-cli");
    trust_ = dir_ + "/trust";
    model_ = write_file("add.tflite", testing::build_tflite(testing::add_model_spec()));
    ASSERT_EQ(run_outpost({"keys", "gen", "--publisher", "acme", "--output-dir", dir_}).exit_code, 0);
    ASSERT_EQ(run_outpost({"keys", "gen", "--publisher", "evil", "--output-dir", dir_}).exit_code, 0);
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
      const std::string spec = write_text(
          "p.json", R"({"source": ")" + image + R"(", "model": ")" + model + R"(", "task": "faces"})");
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

TEST_F(TrustPolicyCli, WithoutATrustStoreAPlainModelRunsAsBefore) {
  auto r = run_outpost({"run", model_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("unsigned"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace outpost
