// `outpost optimize` as a user runs it: torchvision's MobileNetV2 and ResNet-18 (exported by
// scripts/export-torch-models) quantized to int8 on real photos (Debian's python3-skimage),
// compared on other photos held out; and the mistakes a user makes, each refused with its exit
// code and a message naming the thing.
//
// The exported models have random weights (nothing is downloaded), so their classes mean nothing
// and many of their scores lie close together: top-1 agreement is a stricter test on them than
// on a trained model. The thresholds below leave a margin under what was measured (in the
// comments) and far above what a broken quantizer gives (entropy ranges clipped wrongly gave a
// cosine of 0.72 and a top-1 agreement of 0 on MobileNetV2).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/cli_runner.h"
#include "support/model_paths.h"
#include "support/test_paths.h"

namespace outpost {
namespace {

using testing::run_outpost;

constexpr const char* kImagenetMean = "123.675,116.28,103.53";
constexpr const char* kImagenetStd = "58.395,57.12,57.375";

std::string photo(const std::string& name) {
  return testing::cache_path("debian/python3-skimage-photos/" + name);
}

class OptimizeCli : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("outpost-optimize-cli-test"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::vector<std::string> calibration() {
    return {testing::skimage_path("astronaut.png"), testing::skimage_path("chelsea.png"),
            testing::skimage_path("coffee.png"),    photo("rocket.jpg"),
            photo("motorcycle_left.png"),          photo("hubble_deep_field.jpg"),
            photo("ihc.png"),                      photo("grass.png")};
  }
  static std::vector<std::string> held_out() {
    return {photo("motorcycle_right.png"), photo("retina.jpg"), photo("gravel.png"), photo("brick.png"),
            photo("coins.png"),            photo("camera.png"), photo("moon.png")};
  }
  // The reason to skip, or "" when the model and the photos are there.
  static std::string missing(const std::string& model) {
    if (!testing::path_exists(model))
      return "missing " + model + " (run scripts/export-torch-models, or set OUTPOST_CACHE)";
    if (!testing::path_exists(photo("moon.png"))) return "missing " + photo("moon.png") + " (run scripts/fetch-data)";
    return "";
  }

  // outpost optimize MODEL -o OUT --calibrate ... --validate ... --json, parsed.
  nlohmann::json optimize(const std::string& model, const std::string& out, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"optimize", model, "-o", out, "--json", "--threads", "1", "--runs", "3",
                                     "--mean", kImagenetMean, "--std", kImagenetStd, "--calibrate"};
    for (const auto& f : calibration()) args.push_back(f);
    args.push_back("--validate");
    for (const auto& f : held_out()) args.push_back(f);
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run_outpost(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json{};
  }

  std::string dir_;
};

TEST_F(OptimizeCli, MobileNetV2BecomesInt8EverywhereAndAgreesOnHeldOutPhotos) {
  const std::string model = testing::torchvision_path("mobilenet_v2.onnx");
  if (auto why = missing(model); !why.empty()) GTEST_SKIP() << why;
  const std::string out = dir_ + "/mobilenet_v2.int8.onnx";
  auto j = optimize(model, out);
  ASSERT_FALSE(j.is_null());
  // 52 convolutions and the classifier's Gemm, the 35 ReLU6 (Clip) absorbed, nothing in float.
  EXPECT_EQ(j["rewrite"]["quantized_nodes"], 53);
  EXPECT_EQ(j["rewrite"]["absorbed_activations"], 35);
  size_t in_float = 0;
  for (const auto& n : j["nodes"]) in_float += n["dtype"] == "float32";
  EXPECT_EQ(in_float, 0u) << j["nodes"];
  EXPECT_EQ(j["calibration_samples"], 8);
  EXPECT_EQ(j["validation"]["samples"], 7);
  // A quarter of the size: int8 weights where there were float32 ones.
  const double ratio = j["size"]["optimized_bytes"].get<double>() / j["size"]["original_bytes"].get<double>();
  EXPECT_LT(ratio, 0.3);
  EXPECT_TRUE(std::filesystem::file_size(out) == j["size"]["optimized_bytes"].get<size_t>());
  // Measured: output cosine 0.98 (minmax), top-1 agreement 6 or 7 of 7.
  EXPECT_GE(j["validation"]["output_cosine"].get<double>(), 0.95) << j["validation"];
  EXPECT_GE(j["validation"]["top1_agreement"].get<double>(), 0.7) << j["validation"];
  // The written model is one outpost runs, and the report's convolutions name their backend.
  auto inspect = run_outpost({"inspect", out, "--json"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  bool has_backend = false;
  for (const auto& n : j["nodes"]) has_backend |= n.contains("backend");
  EXPECT_TRUE(has_backend) << j["nodes"];
}

TEST_F(OptimizeCli, ResNet18AgreesOnEveryHeldOutPhotoWithEachMethod) {
  const std::string model = testing::torchvision_path("resnet18.onnx");
  if (auto why = missing(model); !why.empty()) GTEST_SKIP() << why;
  for (const char* method : {"minmax", "percentile", "entropy"}) {
    auto j = optimize(model, dir_ + "/resnet18." + method + ".onnx", {"--method", method});
    ASSERT_FALSE(j.is_null()) << method;
    EXPECT_EQ(j["method"], method);
    // 20 convolutions and the Gemm; 17 ReLUs, of which the 9 after a convolution are absorbed
    // (the others follow a residual Add).
    EXPECT_EQ(j["rewrite"]["quantized_nodes"], 21) << method;
    EXPECT_EQ(j["rewrite"]["absorbed_activations"], 9) << method;
    // Measured with minmax and percentile: top-1 7 of 7, output cosine 0.9994.
    EXPECT_GE(j["validation"]["top1_agreement"].get<double>(), 6.0 / 7) << method << " " << j["validation"];
    EXPECT_GE(j["validation"]["output_cosine"].get<double>(), 0.99) << method << " " << j["validation"];
  }
}

TEST_F(OptimizeCli, KeepFloatLeavesTheNamedNodesInFloatAndSaysSo) {
  const std::string model = testing::torchvision_path("resnet18.onnx");
  if (auto why = missing(model); !why.empty()) GTEST_SKIP() << why;
  auto j = optimize(model, dir_ + "/resnet18.onnx", {"--keep-float", "Gemm"});
  ASSERT_FALSE(j.is_null());
  EXPECT_EQ(j["rewrite"]["quantized_nodes"], 20);
  bool gemm_in_float = false;
  for (const auto& n : j["nodes"])
    gemm_in_float |= n["dtype"] == "float32" && n["reason"] == "--keep-float" &&
                     n["node"].get<std::string>().rfind("Gemm", 0) == 0;
  EXPECT_TRUE(gemm_in_float) << j["nodes"];
}

TEST_F(OptimizeCli, TheTextReportNamesTheLayersThatLoseMost) {
  const std::string model = testing::torchvision_path("mobilenet_v2.onnx");
  if (auto why = missing(model); !why.empty()) GTEST_SKIP() << why;
  std::vector<std::string> args = {"optimize", model, "-o", dir_ + "/m.onnx", "--threads", "1", "--runs", "2",
                                   "--mean", kImagenetMean, "--std", kImagenetStd, "--report", dir_ + "/report.json",
                                   "--calibrate", testing::skimage_path("astronaut.png"), "--validate",
                                   photo("brick.png")};
  auto r = run_outpost(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("nodes in int8: 53"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("loses most:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("try --keep-float"), std::string::npos) << r.out;
  std::ifstream report(dir_ + "/report.json");
  ASSERT_TRUE(report.good());
  auto j = nlohmann::json::parse(report);
  EXPECT_EQ(j["validation"]["worst_activations"].size(), 5u);
  // Every quantized layer with its error and its time in both models.
  ASSERT_EQ(j["layers"].size(), 53u);
  for (const auto& l : j["layers"]) {
    EXPECT_TRUE(l.contains("cosine")) << l;
    EXPECT_TRUE(l.contains("original_ms") && l.contains("optimized_ms")) << l;
  }
}

// --quantize dynamic and fp16 need no calibration: int8 weights (a quarter of the size) or float16
// ones (half), activations in float, nearly the float model's outputs.
TEST_F(OptimizeCli, DynamicAndFp16QuantizeTheWeightsAlone) {
  const std::string model = testing::torchvision_path("resnet18.onnx");
  if (auto why = missing(model); !why.empty()) GTEST_SKIP() << why;
  struct Kind {
    const char* name;
    double most_size_ratio, least_cosine;
  };
  for (const Kind& kind : {Kind{"dynamic", 0.26, 0.999}, Kind{"fp16", 0.51, 0.99999}}) {
    std::vector<std::string> args = {"optimize", model, "-o", dir_ + "/" + kind.name + ".onnx", "--quantize", kind.name,
                                     "--json", "--threads", "1", "--runs", "2", "--mean", kImagenetMean, "--std",
                                     kImagenetStd, "--validate"};
    for (const auto& f : held_out()) args.push_back(f);
    auto r = run_outpost(args);
    ASSERT_EQ(r.exit_code, 0) << kind.name << ": " << r.err;
    auto j = nlohmann::json::parse(r.out);
    const double ratio = j["size"]["optimized_bytes"].get<double>() / j["size"]["original_bytes"].get<double>();
    EXPECT_LT(ratio, kind.most_size_ratio) << kind.name;
    // Measured: output cosine 0.99974 (dynamic) and 1.00000 (fp16); top-1 7 of 7.
    EXPECT_GE(j["validation"]["output_cosine"].get<double>(), kind.least_cosine) << kind.name << " " << j["validation"];
    EXPECT_EQ(j["validation"]["top1_agreement"], 1.0) << kind.name << " " << j["validation"];
    EXPECT_FALSE(j.contains("calibration_samples")) << kind.name;
  }
}

// --prune 0.5 --structured halves the inner channels of ResNet-18's basic blocks (conv1 -> ReLU ->
// conv2, 8 of them); no fine-tuning follows, so the agreement falls, and the report says by how
// much. With --quantize int8 the pruned model is then quantized.
TEST_F(OptimizeCli, StructuredPruningShrinksTheLayersAndSaysWhatItCost) {
  const std::string model = testing::torchvision_path("resnet18.onnx");
  if (auto why = missing(model); !why.empty()) GTEST_SKIP() << why;
  std::vector<std::string> args = {"optimize", model, "-o", dir_ + "/pruned.onnx", "--prune", "0.5", "--structured",
                                   "--json", "--threads", "1", "--runs", "2", "--mean", kImagenetMean, "--std",
                                   kImagenetStd, "--validate"};
  for (const auto& f : held_out()) args.push_back(f);
  auto r = run_outpost(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["quantize"], "none");
  ASSERT_EQ(j["prune"]["chains"].size(), 8u) << j["prune"];
  for (const auto& c : j["prune"]["chains"])
    EXPECT_EQ(c["channels_after"].get<int>() * 2, c["channels_before"].get<int>()) << c;
  EXPECT_EQ(j["prune"]["parameters_after"].get<int64_t>() * 2, j["prune"]["parameters_before"].get<int64_t>());
  const double ratio = j["size"]["optimized_bytes"].get<double>() / j["size"]["original_bytes"].get<double>();
  EXPECT_LT(ratio, 0.6);
  EXPECT_LT(j["validation"]["output_cosine"].get<double>(), 0.999) << "pruning without fine-tuning changed nothing?";
  // Pruned, then quantized: every convolution still in int8.
  args.insert(args.end(), {"--quantize", "int8", "--calibrate", testing::skimage_path("astronaut.png")});
  args[3] = dir_ + "/pruned.int8.onnx";
  auto q = run_outpost(args);
  ASSERT_EQ(q.exit_code, 0) << q.err;
  auto qj = nlohmann::json::parse(q.out);
  EXPECT_EQ(qj["rewrite"]["quantized_nodes"], 21);
  EXPECT_EQ(qj["prune"]["chains"].size(), 8u);
}

// A TFLite model: MediaPipe's short-range face detector, its float16 weights made int8 per
// channel, its ReLUs fused, input and outputs still float32.
TEST_F(OptimizeCli, TheFaceDetectorBecomesAnInt8TfliteModel) {
  const std::string model = testing::model_path("face_detection_short_range.tflite");
  if (auto why = missing(model); !why.empty()) GTEST_SKIP() << why;
  const std::string out = dir_ + "/face.int8.tflite";
  std::vector<std::string> args = {"optimize", model, "-o", out, "--json", "--threads", "1", "--runs", "3",
                                   "--calibrate"};
  for (const auto& f : calibration()) args.push_back(f);
  args.push_back("--validate");
  for (const auto& f : held_out()) args.push_back(f);
  auto r = run_outpost(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["rewrite"]["convolutions"], 37);
  EXPECT_EQ(j["rewrite"]["folded_float16_dequantize"], 74);
  EXPECT_EQ(j["rewrite"]["fused_activations"], 17);
  // Measured: output cosine 0.977 (the classificators' logits; the regressors 0.99); the best
  // face's IoU 0.889 on the 2 held-out photos where the float model finds a face.
  EXPECT_GE(j["validation"]["output_cosine"].get<double>(), 0.95) << j["validation"];
  EXPECT_EQ(j["validation"]["samples_with_boxes"], 2) << j["validation"];
  EXPECT_GE(j["validation"]["best_box_iou"].get<double>(), 0.8) << j["validation"];
  auto inspect = run_outpost({"inspect", out, "--json"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  auto i = nlohmann::json::parse(inspect.out);
  EXPECT_EQ(i["inputs"][0]["dtype"], "float32");
  EXPECT_EQ(i["outputs"][0]["dtype"], "float32");
  EXPECT_GT(i["ops"]["Quantize"].get<int>(), 0) << i["ops"];
}

struct Mistake {
  const char* what;
  std::vector<std::string> args;  // after "optimize"; MODEL and OUT substituted
  int exit_code;
  const char* message;  // a part of stderr
};

TEST_F(OptimizeCli, MistakesAreRefusedByNameWithTheirExitCodes) {
  const std::string model = testing::torchvision_path("squeezenet1_1.onnx");
  if (auto why = missing(model); !why.empty()) GTEST_SKIP() << why;
  const std::string image = testing::skimage_path("astronaut.png");
  const std::string not_an_image = dir_ + "/notes.png";
  std::ofstream(not_an_image) << "these are notes, not pixels";
  const std::string quantized = dir_ + "/q.onnx";
  ASSERT_EQ(run_outpost({"optimize", model, "-o", quantized, "--calibrate", image}).exit_code, 0);
  const std::string tflite = testing::model_path("face_detection_short_range.tflite");
  std::vector<Mistake> mistakes = {
      {"no calibration", {"optimize", model, "-o", dir_ + "/o.onnx"}, 2, "--calibrate"},
      {"a node name that is not there", {"optimize", model, "-o", dir_ + "/o.onnx", "--calibrate", image,
                                         "--keep-float", "no_such_node"}, 2, "'no_such_node'"},
      {"a model quantized already", {"optimize", quantized, "-o", dir_ + "/o.onnx", "--calibrate", image}, 5,
       "quantized already"},
      {"a TFLite model to prune", {"optimize", tflite, "-o", dir_ + "/o.tflite", "--prune", "0.5"}, 5, "ONNX only"},
      {"per channel and per tensor at once", {"optimize", model, "-o", dir_ + "/o.onnx", "--calibrate", image,
                                              "--per-channel", "--per-tensor"}, 2, "exclude each other"},
      {"a calibration file that is no image", {"optimize", model, "-o", dir_ + "/o.onnx", "--calibrate", not_an_image},
       3, "notes.png"},
      {"a calibration path that is not there", {"optimize", model, "-o", dir_ + "/o.onnx", "--calibrate",
                                                dir_ + "/nowhere"}, 2, "nowhere"},
      {"unstructured pruning (not built yet)", {"optimize", model, "-o", dir_ + "/o.onnx", "--prune", "0.5",
                                               "--unstructured"}, 5, "--unstructured"},
      {"--structured without --prune", {"optimize", model, "-o", dir_ + "/o.onnx", "--structured"}, 2, "--prune"},
      {"an unknown method", {"optimize", model, "-o", dir_ + "/o.onnx", "--calibrate", image, "--method", "kl"}, 2,
       "--method"},
  };
  // Coral's uint8 model lives in ../shared/data, which not every machine has.
  const std::string coral = testing::model_path("mobilenet_v2_1.0_224_quant.tflite");
  if (testing::path_exists(coral))
    mistakes.push_back({"a TFLite model quantized already", {"optimize", coral, "-o", dir_ + "/o.tflite", "--calibrate",
                                                             image}, 5, "quantized already"});
  for (const auto& m : mistakes) {
    auto r = run_outpost(m.args);
    EXPECT_EQ(r.exit_code, m.exit_code) << m.what << ": " << r.err;
    EXPECT_NE(r.err.find(m.message), std::string::npos) << m.what << ": " << r.err;
  }
  EXPECT_FALSE(testing::path_exists(dir_ + "/o.onnx")) << "a refused run wrote its output";
}

}  // namespace
}  // namespace outpost
