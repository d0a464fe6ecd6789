// The CLI speaks with one voice (issue 19): parse errors in Outpost's words with a suggestion,
// ranges in words, one meaning per flag name, --json on every command with failures as JSON on
// stdout too, file names that are not UTF-8, and --log-level through the one logger.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "formats/onnx/onnx_model_builder.h"
#include "support/cli_runner.h"
#include "support/model_paths.h"
#include "support/test_paths.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::run_outpost;

class CliUsage : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("outpost-cli-usage"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write_file(const std::string& name, const std::vector<uint8_t>& bytes) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
    return path;
  }
  std::string add_model() {
    return write_file("add.tflite", testing::build_tflite(testing::add_model_spec()));
  }
  std::string dir_;
};

// A usage error: exit 2, one line on stderr in Outpost's voice, nothing on stdout.
void expect_usage_error(const testing::CliResult& r, const std::string& needle) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("outpost: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "wanted '" << needle << "' in: " << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(CliUsage, UnknownCommandSuggestsTheClosestAndListsTheCommands) {
  auto r = run_outpost({"bnech"});
  expect_usage_error(r, "unknown command 'bnech'; did you mean 'bench'?");
  EXPECT_NE(r.err.find("inspect, run, bench"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("outpost --help"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("A subcommand is required"), std::string::npos) << r.err;

  r = run_outpost({"zzzzzzzz"});  // nothing close: no guess, still the list
  expect_usage_error(r, "unknown command 'zzzzzzzz'");
  EXPECT_EQ(r.err.find("did you mean"), std::string::npos) << r.err;

  expect_usage_error(run_outpost({}), "needs a command, one of inspect");
  expect_usage_error(run_outpost({"keys", "gne"}), "did you mean 'gen'?");
  expect_usage_error(run_outpost({"keys"}), "one of gen, show");
}

TEST_F(CliUsage, UnknownFlagSuggestsTheClosest) {
  const std::string model = add_model();
  expect_usage_error(run_outpost({"inspect", model, "--jsn"}),
                     "unknown flag '--jsn' for `outpost inspect`; did you mean '--json'?");
  expect_usage_error(run_outpost({"bench", model, "--prof"}), "did you mean '--profile'?");
  expect_usage_error(run_outpost({"bench", model, "--threds", "1"}), "did you mean '--threads'?");
  expect_usage_error(run_outpost({"bench", model, "stray"}),
                     "unexpected argument 'stray': `outpost bench` takes MODEL and flags");
  expect_usage_error(run_outpost({"run"}), "`outpost run` needs MODEL");
  expect_usage_error(run_outpost({"bench", model, "--runs"}), "--runs needs a value");
  expect_usage_error(run_outpost({"bench", model, "--backend", "xnnpak"}),
                     "'xnnpak' is not one of auto, xnnpack, onednn, ref; did you mean 'xnnpack'?");
}

TEST_F(CliUsage, RangesAreSaidInWords) {
  const std::string model = add_model();
  auto r = run_outpost({"bench", model, "--threads", "-1"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("outpost: error: --threads", 0), 0u) << r.err;
  // CLI11 alone printed the double's limit, 309 digits.
  EXPECT_EQ(r.err.find("00000000000"), std::string::npos) << r.err;
  EXPECT_LT(r.err.size(), 200u) << r.err;
  expect_usage_error(run_outpost({"bench", model, "--runs", "0"}),
                     "--runs must be a whole number from 1 to");
  expect_usage_error(run_outpost({"bench", model, "--runs", "many"}), "not 'many'");
  expect_usage_error(run_outpost({"detect", model, "x.png", "--min-score", "2"}),
                     "--min-score must be a number from 0 to 1, not '2'");
}

TEST_F(CliUsage, OutMeansAFileAndOutputDirADirectory) {
  const std::string model = add_model();
  // run writes a directory of outputs: --output-dir, and -o/--out is not taken there.
  auto r = run_outpost({"run", model, "--output-dir", dir_ + "/outs"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/outs/sum.npy"));
  expect_usage_error(run_outpost({"run", model, "--output", dir_ + "/x"}),
                     "did you mean '--output-dir'?");
  expect_usage_error(run_outpost({"run", model, "-o", dir_ + "/x"}), "unknown flag '-o'");
  // keys gen writes two files into a directory: --output-dir too.
  r = run_outpost({"keys", "gen", "--publisher", "p", "--output-dir", dir_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/p.publisher.pub"));
  // Every -o that remains names one file.
  for (const char* cmd : {"detect", "segment", "landmarks", "pack"}) {
    r = run_outpost({cmd, "--help"});
    EXPECT_NE(r.out.find("-o,--out"), std::string::npos) << cmd << ": " << r.out;
    EXPECT_EQ(r.out.find("--output-dir"), std::string::npos) << cmd;
  }
}

TEST_F(CliUsage, EveryCommandHasJsonAndLogLevel) {
  const std::vector<std::vector<std::string>> commands = {
      {"inspect"}, {"run"},  {"classify"},     {"bench"},         {"detect"}, {"segment"},
      {"landmarks"}, {"keys", "gen"}, {"keys", "show"}, {"pack"}, {"verify"}};
  for (auto args : commands) {
    args.push_back("--help");
    auto r = run_outpost(args);
    EXPECT_EQ(r.exit_code, 0) << args[0];
    EXPECT_NE(r.out.find("--json"), std::string::npos) << args[0] << ": " << r.out;
    EXPECT_NE(r.out.find("--log-level"), std::string::npos) << args[0] << ": " << r.out;
  }
}

TEST_F(CliUsage, JsonFailuresPrintAnErrorObjectOnStdout) {
  const std::string missing = dir_ + "/nope.tflite";
  const std::vector<std::vector<std::string>> failing = {
      {"inspect", missing},
      {"run", missing},
      {"bench", missing},
      {"classify", missing, dir_ + "/x.png"},
      {"detect", missing, dir_ + "/x.png"},
      {"segment", missing, dir_ + "/x.png"},
      {"landmarks", missing, dir_ + "/x.png"},
      {"keys", "show", dir_ + "/nope.key"},
      {"pack", missing, "--name", "n", "--bundle-version", "1.0.0", "--sign", dir_ + "/nope.key"},
      {"verify", missing, "--trust", dir_}};
  for (auto args : failing) {
    args.push_back("--json");
    auto r = run_outpost(args);
    EXPECT_EQ(r.exit_code, 3) << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find("outpost: error: "), std::string::npos) << args[0] << ": " << r.err;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << args[0] << ": " << r.out;
    EXPECT_EQ(j["error"]["exit_code"], 3) << args[0];
    EXPECT_EQ(j["error"]["category"], "io_error") << args[0];
    EXPECT_NE(j["error"]["message"].get<std::string>().find("nope"), std::string::npos);
  }
  // A parse error under --json too.
  auto r = run_outpost({"bench", missing, "--runs", "0", "--json"});
  EXPECT_EQ(r.exit_code, 2);
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["error"]["exit_code"], 2);
  EXPECT_EQ(j["error"]["category"], "usage");
  // Without --json, stdout stays empty.
  EXPECT_EQ(run_outpost({"inspect", missing}).out, "");
}

// File names are bytes on Linux; JSON text is UTF-8. A name from an old SD card (Latin-1 'é')
// comes out with the bad byte as the text \xe9, and the command still succeeds.
TEST_F(CliUsage, FileNamesThatAreNotUtf8AreEscapedInJson) {
  const std::string face = testing::model_path("face_detection_short_range.tflite");
  OUTPOST_SKIP_UNLESS_EXISTS(face);
  const std::string model = dir_ + "/caf\xe9.tflite";
  std::filesystem::copy_file(face, model);
  const std::string escaped = dir_ + "/caf\\xe9.tflite";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"inspect", model, "--json"},
        std::vector<std::string>{"run", model, "--json"},
        std::vector<std::string>{"bench", model, "--runs", "1", "--warmup", "0", "--json"}}) {
    auto r = run_outpost(args);
    ASSERT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << args[0] << ": " << r.out;
    EXPECT_EQ(j["model"], escaped) << args[0];
  }
  // And in an error message.
  auto r = run_outpost({"inspect", dir_ + "/gon\xe9.tflite", "--json"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_NE(j["error"]["message"].get<std::string>().find("gon\\xe9.tflite"), std::string::npos);
}

TEST_F(CliUsage, DebugLogLevelSaysMore) {
  const std::string model = add_model();
  auto quiet = run_outpost({"inspect", model});
  auto debug = run_outpost({"inspect", model, "--log-level", "debug"});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  ASSERT_EQ(debug.exit_code, 0) << debug.err;
  EXPECT_EQ(quiet.err, "");
  EXPECT_NE(debug.err.find("outpost: debug: opening " + model), std::string::npos) << debug.err;
  EXPECT_NE(debug.err.find("imported tflite model"), std::string::npos) << debug.err;
  EXPECT_NE(debug.err.find("session ready"), std::string::npos) << debug.err;
  // Logging never mixes into --json's stdout.
  auto json = run_outpost({"inspect", model, "--log-level", "debug", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_FALSE(nlohmann::json::parse(json.out, nullptr, false).is_discarded()) << json.out;
  expect_usage_error(run_outpost({"inspect", model, "--log-level", "chatty"}),
                     "'chatty' is not one of error, warning");
}

// docs/cli.md: a model feature Outpost lacks (a symbolic input dimension) is "unsupported",
// exit 5, not a shape mismatch (6), which is the user's data disagreeing with the model.
TEST_F(CliUsage, ASymbolicInputDimensionIsGivenWithInputShape) {
  auto m = testing::onnx_model();
  testing::add_input(m, "x", {1, 3});
  m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()
      ->mutable_dim(0)->set_dim_param("batch");
  testing::add_node(m, "Relu", {"x"}, {"y"});
  testing::add_output(m, "y");
  const std::string model = write_file("dynamic.onnx", testing::serialize(m));
  auto unknown = run_outpost({"run", model});
  EXPECT_EQ(unknown.exit_code, 6) << unknown.err;
  EXPECT_NE(unknown.err.find("--input-shape x=DIMS"), std::string::npos) << unknown.err;
  auto given = run_outpost({"run", model, "--input-shape", "x=4x3", "--json"});
  EXPECT_EQ(given.exit_code, 0) << given.err;
  EXPECT_NE(given.out.find("[4,3]"), std::string::npos) << given.out;
  auto fixed = run_outpost({"run", model, "--input-shape", "x=4x5"});
  EXPECT_EQ(fixed.exit_code, 6) << fixed.err;
  EXPECT_NE(fixed.err.find("takes shape [batch, 3]"), std::string::npos) << fixed.err;
  auto malformed = run_outpost({"run", model, "--input-shape", "x=4by3"});
  EXPECT_EQ(malformed.exit_code, 2) << malformed.err;
  EXPECT_NE(malformed.err.find("NAME=DIMS"), std::string::npos) << malformed.err;
  auto unknown_name = run_outpost({"run", model, "--input-shape", "z=4x3"});
  EXPECT_EQ(unknown_name.exit_code, 2) << unknown_name.err;
  EXPECT_NE(unknown_name.err.find("no input 'z'"), std::string::npos) << unknown_name.err;
}

TEST_F(CliUsage, ClassifyHelpNamesJpeg) {
  auto r = run_outpost({"classify", "--help"});
  EXPECT_NE(r.out.find("PNG, JPEG, BMP"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace outpost
