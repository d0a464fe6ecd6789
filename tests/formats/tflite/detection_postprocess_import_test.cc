// TFLite_Detection_PostProcess models built field by field: the FlexBuffer options become
// attributes, float and uint8 models run end to end, and every broken option, count or shape
// is a clear error naming the operator and the key or input.
#include <flatbuffers/flexbuffers.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>

#include "formats/tflite/tflite_importer.h"
#include "outpost/session.h"
#include "support/detection_model.h"

namespace outpost {
namespace {

using testing::build_tflite;
using testing::bytes_of;
using testing::detection_model_spec;
using testing::detection_options_flexbuffer;
using testing::TfDetectionOptions;
using testing::TfModelSpec;

Result<std::unique_ptr<Session>> open_bytes(const std::vector<uint8_t>& bytes) {
  auto owned = std::make_shared<std::vector<uint8_t>>(bytes);
  return Session::open_buffer(owned->data(), owned->size(), owned, "ssd.tflite");
}

void expect_error(const TfModelSpec& spec, StatusCode code, const std::string& fragment) {
  auto session = open_bytes(build_tflite(spec));
  ASSERT_FALSE(session.is_ok()) << "expected an error containing: " << fragment;
  EXPECT_EQ(session.status().code(), code) << session.status().message();
  EXPECT_NE(session.status().message().find(fragment), std::string::npos)
      << session.status().message();
}

// Anchors A (0.5, 0.5, 0.4, 0.4) and B (0.52, ...) overlap (IoU 0.905); C (0.1, 0.1, 0.1, 0.1)
// is far away. Zero encodings decode to the anchors.
const std::vector<float> kAnchors = {0.5f, 0.5f, 0.4f, 0.4f, 0.52f, 0.5f,
                                     0.4f, 0.4f, 0.1f, 0.1f, 0.1f,  0.1f};

std::vector<uint8_t> options_with(const std::function<void(flexbuffers::Builder&)>& body) {
  flexbuffers::Builder fbb;
  fbb.Map([&] { body(fbb); });
  fbb.Finish();
  return fbb.GetBuffer();
}

// Every key of a valid set except `skip`, then `extra` (which may re-add it with another type).
std::vector<uint8_t> options_without(
    const std::string& skip, const std::function<void(flexbuffers::Builder&)>& extra = nullptr) {
  return options_with([&](flexbuffers::Builder& fbb) {
    auto i = [&](const char* k, int v) {
      if (skip != k) fbb.Int(k, v);
    };
    auto f = [&](const char* k, float v) {
      if (skip != k) fbb.Float(k, v);
    };
    i("max_detections", 3);
    i("max_classes_per_detection", 1);
    f("nms_score_threshold", 0.5f);
    f("nms_iou_threshold", 0.5f);
    i("num_classes", 1);
    f("y_scale", 10);
    f("x_scale", 10);
    f("h_scale", 5);
    f("w_scale", 5);
    if (extra) extra(fbb);
  });
}

TfModelSpec spec_with_options(std::vector<uint8_t> options) {
  TfModelSpec spec = detection_model_spec(kAnchors, 2, TfDetectionOptions{});
  spec.operators[0].custom_options = std::move(options);
  return spec;
}

TEST(TfliteDetectionPostProcess, OptionsBecomeAttributes) {
  TfDetectionOptions o;
  o.max_detections = 7;
  o.max_classes_per_detection = 2;
  o.detections_per_class = 11;
  o.use_regular_nms = true;
  o.nms_score_threshold = 0.25f;
  o.nms_iou_threshold = 0.6f;
  o.num_classes = 1;
  o.y_scale = 8;
  o.w_scale = 3;
  auto bytes = build_tflite(detection_model_spec(kAnchors, 2, o));
  auto graph = import_tflite(bytes.data(), bytes.size(), nullptr, "ssd.tflite");
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  ASSERT_EQ(graph->nodes.size(), 1u);
  const Node& n = graph->nodes[0];
  EXPECT_EQ(n.op, OpKind::kDetectionPostProcess);
  EXPECT_EQ(n.attrs.get_int("max_detections", 0), 7);
  EXPECT_EQ(n.attrs.get_int("max_classes_per_detection", 0), 2);
  EXPECT_EQ(n.attrs.get_int("detections_per_class", 0), 11);
  EXPECT_EQ(n.attrs.get_int("use_regular_nms", 0), 1);
  EXPECT_EQ(n.attrs.get_int("num_classes", 0), 1);
  EXPECT_FLOAT_EQ(n.attrs.get_float("nms_score_threshold", 0), 0.25f);
  EXPECT_FLOAT_EQ(n.attrs.get_float("nms_iou_threshold", 0), 0.6f);
  EXPECT_FLOAT_EQ(n.attrs.get_float("y_scale", 0), 8.0f);
  EXPECT_FLOAT_EQ(n.attrs.get_float("x_scale", 0), 10.0f);
  EXPECT_FLOAT_EQ(n.attrs.get_float("w_scale", 0), 3.0f);
}

TEST(TfliteDetectionPostProcess, OptionalKeysTakeTfliteDefaults) {
  auto bytes = build_tflite(spec_with_options(options_without("")));
  auto graph = import_tflite(bytes.data(), bytes.size(), nullptr, "ssd.tflite");
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  EXPECT_EQ(graph->nodes[0].attrs.get_int("detections_per_class", 0), 100);
  EXPECT_EQ(graph->nodes[0].attrs.get_int("use_regular_nms", -1), 0);
}

struct Outputs {
  std::vector<float> boxes, classes, scores;
  float num = -1;
};

Outputs run(Session& s, const std::vector<float>& encodings, const std::vector<float>& scores) {
  std::memcpy(s.input(0).data(), encodings.data(), s.input(0).byte_size());
  std::memcpy(s.input(1).data(), scores.data(), s.input(1).byte_size());
  const Status st = s.run();
  EXPECT_TRUE(st.is_ok()) << st.message();
  auto all = [&](size_t k) {
    const Tensor& t = s.output(k);
    return std::vector<float>(t.data_as<float>(), t.data_as<float>() + t.num_elements());
  };
  return {all(0), all(1), all(2), s.output(3).data_as<float>()[0]};
}

TEST(TfliteDetectionPostProcess, FloatModelRunsAndPadsWithZeros) {
  auto session = open_bytes(build_tflite(detection_model_spec(kAnchors, 2, TfDetectionOptions{})));
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  Session& s = **session;
  ASSERT_EQ(s.num_outputs(), 4u);
  EXPECT_EQ(s.output(0).shape(), (Shape{1, 3, 4}));
  EXPECT_EQ(s.output(3).shape(), (Shape{1}));
  // A 0.9 keeps, B 0.8 is suppressed by A, C 0.7 keeps. Box A is shifted by ty = 1 (y_scale 10,
  // anchor h 0.4): y 0.54 -> [0.34, 0.3, 0.74, 0.7].
  std::vector<float> enc(12, 0.0f);
  enc[0] = 1.0f;
  Outputs r = run(s, enc, {0, 0.9f, 0, 0.8f, 0, 0.7f});
  EXPECT_EQ(r.num, 2.0f);
  const std::vector<float> want_boxes = {0.34f, 0.3f,  0.74f, 0.7f, 0.05f, 0.05f,
                                         0.15f, 0.15f, 0,     0,    0,     0};
  for (size_t i = 0; i < want_boxes.size(); ++i) EXPECT_NEAR(r.boxes[i], want_boxes[i], 1e-6) << i;
  EXPECT_EQ(r.scores, (std::vector<float>{0.9f, 0.7f, 0}));
  // A second run with fewer detections leaves no trace of the first in the unused rows.
  r = run(s, std::vector<float>(12, 0.0f), {0, 0.1f, 0, 0.1f, 0, 0.95f});
  EXPECT_EQ(r.num, 1.0f);
  EXPECT_EQ(r.scores, (std::vector<float>{0.95f, 0, 0}));
  EXPECT_EQ(std::vector<float>(r.boxes.begin() + 4, r.boxes.end()), std::vector<float>(8, 0.0f));
}

TEST(TfliteDetectionPostProcess, Uint8ModelRuns) {
  // uint8 encodings (scale 0.1, zero point 128), scores (1/256, 0), anchors (0.01, 0):
  // anchors (50, 50, 40, 40) = (0.5, 0.5, 0.4, 0.4), (90, 90, 10, 10) = (0.9, 0.9, 0.1, 0.1).
  TfModelSpec spec = detection_model_spec(std::vector<float>(8, 0.0f), 2, TfDetectionOptions{});
  spec.tensors[0].type = spec.tensors[1].type = spec.tensors[2].type = 3;
  spec.tensors[0].scale = {0.1f};
  spec.tensors[0].zero_point = {128};
  spec.tensors[1].scale = {1.0f / 256};
  spec.tensors[1].zero_point = {0};
  spec.tensors[2].scale = {0.01f};
  spec.tensors[2].zero_point = {0};
  spec.buffers = {std::vector<uint8_t>{50, 50, 40, 40, 90, 90, 10, 10}};
  auto session = open_bytes(build_tflite(spec));
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  Session& s = **session;
  const uint8_t enc[8] = {138, 128, 128, 128, 128, 128, 128, 128};  // box 0: ty = 1 -> y 0.54
  const uint8_t scores[4] = {0, 200, 0, 160};                       // 0.78125, 0.625
  std::memcpy(s.input(0).data(), enc, sizeof enc);
  std::memcpy(s.input(1).data(), scores, sizeof scores);
  ASSERT_TRUE(s.run().is_ok());
  EXPECT_EQ(s.output(0).dtype(), DType::kFloat32);
  const float* boxes = s.output(0).data_as<float>();
  const float* sc = s.output(2).data_as<float>();
  EXPECT_EQ(s.output(3).data_as<float>()[0], 2.0f);
  const float want[8] = {0.34f, 0.3f, 0.74f, 0.7f, 0.85f, 0.85f, 0.95f, 0.95f};
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(boxes[i], want[i], 1e-6) << i;
  EXPECT_FLOAT_EQ(sc[0], 0.78125f);
  EXPECT_FLOAT_EQ(sc[1], 0.625f);
}

TEST(TfliteDetectionPostProcess, MissingOrGarbledOptionsAreInvalid) {
  expect_error(spec_with_options({}), StatusCode::kInvalidModel,
               "TFLite_Detection_PostProcess needs custom options");
  expect_error(spec_with_options(std::vector<uint8_t>(24, 0xab)), StatusCode::kInvalidModel,
               "not a valid FlexBuffer");
  flexbuffers::Builder fbb;
  fbb.Vector([&] {
    fbb.Int(1);
    fbb.Int(2);
  });
  fbb.Finish();
  expect_error(spec_with_options(fbb.GetBuffer()), StatusCode::kInvalidModel,
               "not a FlexBuffer map");
  // Every proper prefix of valid options is rejected, never read out of bounds.
  const std::vector<uint8_t> valid = detection_options_flexbuffer(TfDetectionOptions{});
  for (size_t n = 1; n < valid.size(); ++n) {
    auto bytes = build_tflite(spec_with_options(
        std::vector<uint8_t>(valid.begin(), valid.begin() + static_cast<long>(n))));
    auto graph = import_tflite(bytes.data(), bytes.size(), nullptr, "ssd.tflite");
    if (!graph.is_ok()) {
      EXPECT_EQ(graph.status().code(), StatusCode::kInvalidModel) << graph.status().message();
    }
  }
}

TEST(TfliteDetectionPostProcess, MissingKeysAreNamed) {
  for (const char* key :
       {"max_detections", "max_classes_per_detection", "nms_score_threshold", "nms_iou_threshold",
        "num_classes", "y_scale", "x_scale", "h_scale", "w_scale"})
    expect_error(
        spec_with_options(options_without(key)), StatusCode::kInvalidModel,
        std::string("operator 0 (custom 'TFLite_Detection_PostProcess'): custom option '") + key +
            "' is missing");
}

TEST(TfliteDetectionPostProcess, BadValuesAreNamed) {
  struct Case {
    std::string key;
    std::function<void(flexbuffers::Builder&)> value;
    std::string fragment;
  };
  const std::vector<Case> cases = {
      {"max_detections", [](auto& b) { b.Int("max_detections", 0); },
       "'max_detections' is 0, expected 1..65536"},
      {"max_detections", [](auto& b) { b.Int("max_detections", -3); }, "'max_detections' is -3"},
      {"max_detections", [](auto& b) { b.UInt("max_detections", (uint64_t{1} << 32) + 5); },
       "'max_detections' is 4294967301"},
      {"max_detections", [](auto& b) { b.String("max_detections", "10"); },
       "'max_detections' must be an integer"},
      {"num_classes", [](auto& b) { b.Float("num_classes", 2.0f); },
       "'num_classes' must be an integer"},
      {"max_classes_per_detection", [](auto& b) { b.Int("max_classes_per_detection", 70000); },
       "expected 1..65536"},
      {"h_scale", [](auto& b) { b.Float("h_scale", 0.0f); },
       "'h_scale' is 0.000000, expected a positive scale"},
      {"x_scale", [](auto& b) { b.Float("x_scale", -1.0f); }, "'x_scale' is -1.000000"},
      {"y_scale", [](auto& b) { b.Double("y_scale", 1e300); }, "'y_scale' is not a finite float32"},
      {"nms_score_threshold", [](auto& b) { b.Float("nms_score_threshold", NAN); },
       "'nms_score_threshold' is not a finite"},
      {"nms_iou_threshold", [](auto& b) { b.Float("nms_iou_threshold", 1.5f); },
       "'nms_iou_threshold' is 1.500000, expected 0..1"},
      {"nms_iou_threshold", [](auto& b) { b.String("nms_iou_threshold", "0.5"); },
       "'nms_iou_threshold' must be a number"},
  };
  for (const Case& c : cases)
    expect_error(spec_with_options(options_without(c.key, c.value)), StatusCode::kInvalidModel,
                 c.fragment);
  expect_error(
      spec_with_options(options_without("", [](auto& b) { b.Int("detections_per_class", 0); })),
      StatusCode::kInvalidModel, "'detections_per_class' is 0");
  expect_error(spec_with_options(options_without("", [](auto& b) { b.Int("use_regular_nms", 2); })),
               StatusCode::kInvalidModel, "'use_regular_nms' is 2, expected 0..1");
  // Each count within its cap, but too many output rows together.
  TfDetectionOptions huge;
  huge.max_detections = huge.max_classes_per_detection = 65536;
  expect_error(spec_with_options(detection_options_flexbuffer(huge)), StatusCode::kInvalidModel,
               "output rows");
}

TEST(TfliteDetectionPostProcess, WrongShapesAreShapeErrors) {
  TfModelSpec spec = detection_model_spec(kAnchors, 2, TfDetectionOptions{});
  spec.tensors[2].shape = {4, 3};  // anchors [4, 3] instead of [3, 4] (same bytes)
  expect_error(spec, StatusCode::kShapeMismatch, "input 2 (anchors) has shape [4, 3]");
  spec = detection_model_spec(kAnchors, 4, TfDetectionOptions{});  // 1 class, 4 columns
  expect_error(spec, StatusCode::kShapeMismatch,
               "input 1 (class_predictions) has 4 classes per box");
  spec = detection_model_spec(kAnchors, 2, TfDetectionOptions{});
  spec.tensors[4].shape = {1, 5};  // classes declared with 5 rows, the options give 3
  expect_error(spec, StatusCode::kShapeMismatch, "declares output 1 ('detection_classes')");
  spec = detection_model_spec(kAnchors, 2, TfDetectionOptions{});
  spec.operators[0].inputs = {0, 1};
  expect_error(spec, StatusCode::kInvalidModel, "has 2 inputs, expected 3");
}

}  // namespace
}  // namespace outpost
