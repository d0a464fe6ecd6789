// The outpost CLI end to end: every command on real models and images, --json output, and the
// exit codes of docs/cli.md for each kind of failure.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/npy.h"
#include "support/cli_runner.h"
#include "support/model_paths.h"
#include "support/test_paths.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::run_outpost;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("outpost-cli-test"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write_file(const std::string& name, const std::vector<uint8_t>& bytes) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
    return path;
  }
  std::string write_npy(const std::string& name, Shape shape, const std::vector<float>& values) {
    Tensor t = Tensor::allocate(DType::kFloat32, shape).value();
    std::copy(values.begin(), values.end(), t.data_as<float>());
    const std::string path = dir_ + "/" + name;
    EXPECT_TRUE(save_npy(path, t).is_ok());
    return path;
  }
  std::string dir_;
};

TEST_F(Cli, VersionAndHelp) {
  auto r = run_outpost({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("outpost 0."), std::string::npos) << r.out;
  for (const char* cmd : {"inspect", "run", "classify", "bench", "detect"}) {
    r = run_outpost({cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find("--json"), std::string::npos) << cmd << ": " << r.out;
  }
}

TEST_F(Cli, UsageErrorsExitWithTwo) {
  EXPECT_EQ(run_outpost({}).exit_code, 2);
  EXPECT_EQ(run_outpost({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(run_outpost({"run"}).exit_code, 2);
  EXPECT_EQ(run_outpost({"bench", "x.tflite", "--runs", "0"}).exit_code, 2);
}

TEST_F(Cli, MissingFileExitsWithThree) {
  auto r = run_outpost({"inspect", dir_ + "/nope.tflite"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("nope.tflite"), std::string::npos) << r.err;
}

TEST_F(Cli, CorruptModelExitsWithFour) {
  auto model = testing::build_tflite(testing::add_model_spec());
  model.resize(model.size() / 2);
  auto r = run_outpost({"inspect", write_file("half.tflite", model)});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("truncated or corrupt"), std::string::npos) << r.err;
}

TEST_F(Cli, UnsupportedOpExitsWithFive) {
  auto spec = testing::add_model_spec();
  spec.operators[0].builtin_code = 131;  // RFFT2D
  spec.operators[0].options_type = 0;
  auto r = run_outpost({"inspect", write_file("rfft2d.tflite", testing::build_tflite(spec))});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.err.find("RFFT2D"), std::string::npos) << r.err;
}

TEST_F(Cli, RunWritesOutputsAndChecksShapes) {
  const std::string model = write_file("add.tflite", testing::build_tflite(testing::add_model_spec()));
  const std::string a = write_npy("a.npy", {1, 2, 2, 1}, {1, 2, 3, 4});
  const std::string b = write_npy("b.npy", {1, 2, 2, 1}, {0.5f, 0.5f, 0.5f, 0.5f});
  auto r = run_outpost({"run", model, "--input", "a=" + a, "--input", "b=" + b, "--output-dir", dir_ + "/out", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["outputs"][0]["name"], "sum");
  auto sum = load_npy(dir_ + "/out/sum.npy");
  ASSERT_TRUE(sum.is_ok()) << sum.status().message();
  EXPECT_EQ(sum->shape(), (Shape{1, 2, 2, 1}));
  EXPECT_FLOAT_EQ(sum->data_as<float>()[3], 4.5f);

  const std::string wrong = write_npy("wrong.npy", {1, 4}, {1, 2, 3, 4});
  r = run_outpost({"run", model, "--input", "a=" + wrong, "--input", "b=" + b});
  EXPECT_EQ(r.exit_code, 6) << r.err;
  r = run_outpost({"run", model, "--input", "c=" + a});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("its inputs: a, b"), std::string::npos) << r.err;
  r = run_outpost({"run", model, "--input", "a=" + dir_ + "/missing.npy", "--input", "b=" + b});
  EXPECT_EQ(r.exit_code, 3) << r.err;
}

TEST_F(Cli, RunWithoutInputsSaysItFilledThem) {
  const std::string model = write_file("add.tflite", testing::build_tflite(testing::add_model_spec()));
  auto r = run_outpost({"run", model});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("deterministic"), std::string::npos) << r.out;
}

TEST_F(Cli, OutputNamesAreSanitized) {
  auto spec = testing::add_model_spec();
  spec.tensors[2].name = "scores:0/final";
  const std::string model = write_file("named.tflite", testing::build_tflite(spec));
  auto r = run_outpost({"run", model, "--output-dir", dir_ + "/o"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/o/scores_0_final.npy"));
}

TEST_F(Cli, InspectReportsTheModel) {
  const std::string model = testing::model_path("face_detection_short_range.tflite");
  OUTPOST_SKIP_UNLESS_EXISTS(model);
  auto r = run_outpost({"inspect", model, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["inputs"][0]["shape"], nlohmann::json({1, 128, 128, 3}));
  EXPECT_EQ(j["outputs"].size(), 2u);
  EXPECT_EQ(j["ops"]["Conv"], 37);  // 21 CONV_2D, 16 DEPTHWISE_CONV_2D
  EXPECT_GT(j["parameters"].get<int64_t>(), 100000);
  EXPECT_GT(j["macs"].get<int64_t>(), 10000000);
  EXPECT_GT(j["arena_bytes"].get<int64_t>(), 0);
  r = run_outpost({"inspect", model});
  EXPECT_NE(r.out.find("arena:"), std::string::npos);
}

TEST_F(Cli, BenchReportsLatencyAndMemory) {
  const std::string model = testing::model_path("face_detection_short_range.tflite");
  OUTPOST_SKIP_UNLESS_EXISTS(model);
  auto r = run_outpost({"bench", model, "--runs", "3", "--warmup", "1", "--threads", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* k : {"mean", "p50", "p90", "p99", "min"}) EXPECT_GT(j["latency_ms"][k].get<double>(), 0) << k;
  EXPECT_GT(j["init_ms"].get<double>(), 0);
  // A second session in the same process: created again, cold and warm told apart.
  EXPECT_GT(j["warm_init_ms"].get<double>(), 0);
  EXPECT_GT(j["peak_rss_mib"].get<double>(), 1);
}

// classify gives TFLite's own top-1 on both coral images with each of the three classifiers.
TEST_F(Cli, ClassifyMatchesTflitesTopOne) {
  const std::string summary_path = testing::shared_data_path("reference/summary.json");
  OUTPOST_SKIP_UNLESS_EXISTS(summary_path);
  std::ifstream in(summary_path);
  const auto summary = nlohmann::json::parse(in);
  for (const char* name : {"mnv2q_cat", "mnv2q_hopper", "mnv1q025_cat", "mnv1q025_hopper", "tf2mnv2_cat", "tf2mnv2_hopper"}) {
    const auto& c = summary.at(name);
    auto r = run_outpost({"classify", testing::shared_data_path("coral/" + c["model"].get<std::string>()),
                          testing::shared_data_path("coral/" + c["image"].get<std::string>()), "--labels",
                          testing::shared_data_path("coral/imagenet_labels.txt"), "--top", "3", "--json"});
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["results"][0]["top"][0]["label"], c["top5"][0]["label"]) << name;
    EXPECT_EQ(j["results"][0]["top"][0]["index"], c["top5"][0]["index"]) << name;
  }
}

TEST_F(Cli, DetectFindsTheAstronautsFace) {
  const std::string model = testing::model_path("face_detection_short_range.tflite");
  const std::string image = testing::skimage_path("astronaut.png");
  OUTPOST_SKIP_UNLESS_EXISTS(model);
  OUTPOST_SKIP_UNLESS_EXISTS(image);
  const std::string out = dir_ + "/astronaut.faces.png";
  auto r = run_outpost({"detect", model, image, "-o", out, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["faces"].size(), 1u) << r.out;
  // The box, checked by eye on the annotated PNG once: the face at about x 177..272, y 81..176
  // of the 512x512 image.
  const auto& box = j["faces"][0]["box"];
  EXPECT_NEAR(box["x"].get<double>(), 177, 10);
  EXPECT_NEAR(box["y"].get<double>(), 81, 10);
  EXPECT_NEAR(box["width"].get<double>(), 95, 10);
  EXPECT_GT(j["faces"][0]["score"].get<double>(), 0.8);
  EXPECT_TRUE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace outpost
