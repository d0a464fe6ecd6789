#include "vision/ssd_detections.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

namespace outpost {
namespace {

Tensor floats(Shape shape, const std::vector<float>& values, const std::string& name) {
  Tensor t = Tensor::allocate(DType::kFloat32, std::move(shape)).value();
  std::memcpy(t.data(), values.data(), values.size() * sizeof(float));
  t.name = name;
  return t;
}

// Outputs of an op with 4 rows, as TFLite_Detection_PostProcess lays them out.
struct Outputs {
  Tensor boxes, classes, scores, num;
};

Outputs outputs(const std::vector<float>& boxes, const std::vector<float>& classes,
                const std::vector<float>& scores, float num) {
  const int64_t rows = static_cast<int64_t>(classes.size());
  return {floats({1, rows, 4}, boxes, "detection_boxes"),
          floats({1, rows}, classes, "detection_classes"),
          floats({1, rows}, scores, "detection_scores"), floats({1}, {num}, "num_detections")};
}

Result<std::vector<SsdDetection>> decode(const Outputs& o, const SsdDecodeOptions& options,
                                         const std::vector<std::string>& labels = {}) {
  return decode_ssd_detections(o.boxes, o.classes, o.scores, o.num, options, labels);
}

TEST(SsdDetections, ConvertsCornersToNormalizedBoxesWithLabels) {
  // Row 0: (ymin 0.1, xmin 0.2, ymax 0.5, xmax 0.6) -> x 0.2, y 0.1, 0.4 x 0.4; row 1 sticks
  // out of the image and is clamped to [0, 1]; row 2 is past num_detections.
  auto o = outputs({0.1f, 0.2f, 0.5f, 0.6f, -0.2f, 0.7f, 0.4f, 1.3f, 0.3f, 0.3f, 0.4f, 0.4f},
                   {2, 0, 1}, {0.9f, 0.8f, 0.95f}, 2);
  SsdDecodeOptions options;
  options.label_offset = 1;  // labels[0] is the background entry
  auto r = decode(o, options, {"???", "person", "bicycle", "car"});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  ASSERT_EQ(r->size(), 2u);
  const SsdDetection& a = (*r)[0];
  EXPECT_EQ(a.class_index, 2);
  EXPECT_EQ(a.label, "car");
  EXPECT_FLOAT_EQ(a.score, 0.9f);
  EXPECT_FLOAT_EQ(a.xmin, 0.2f);
  EXPECT_FLOAT_EQ(a.ymin, 0.1f);
  EXPECT_FLOAT_EQ(a.width, 0.4f);
  EXPECT_FLOAT_EQ(a.height, 0.4f);
  const SsdDetection& b = (*r)[1];
  EXPECT_EQ(b.label, "person");
  EXPECT_FLOAT_EQ(b.xmin, 0.7f);
  EXPECT_FLOAT_EQ(b.ymin, 0.0f);
  EXPECT_NEAR(b.width, 0.3f, 1e-6);
  EXPECT_FLOAT_EQ(b.height, 0.4f);
}

TEST(SsdDetections, MinScoreKeepsEqualScoresAndSortsBestFirst) {
  auto o = outputs(std::vector<float>(16, 0.5f), {0, 1, 2, 3}, {0.4f, 0.6f, 0.5f, 0.7f}, 4);
  SsdDecodeOptions options;
  options.min_score = 0.5f;
  auto r = decode(o, options);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].class_index, 3);
  EXPECT_EQ((*r)[1].class_index, 1);
  EXPECT_EQ((*r)[2].class_index, 2);
  EXPECT_TRUE((*r)[0].label.empty());  // no labels given
}

TEST(SsdDetections, ClassesPerDetectionScalesTheCount) {
  // Fast NMS with max_classes_per_detection 2: num_detections 1 box = rows 0 and 1.
  auto o = outputs(std::vector<float>(16, 0.5f), {4, 7, 1, 2}, {0.9f, 0.6f, 0.8f, 0.7f}, 1);
  SsdDecodeOptions options;
  options.classes_per_detection = 2;
  auto r = decode(o, options, {"a", "b", "c", "d", "e", "f", "g"});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].label, "e");
  EXPECT_TRUE((*r)[1].label.empty());  // class 7 is past the labels
}

TEST(SsdDetections, HostileCountsReadNothingOutsideTheOutputs) {
  for (float num : {1e30f, -3.0f, std::nanf("")}) {
    auto o = outputs(std::vector<float>(8, 0.5f), {0, 1}, {0.9f, 0.8f}, num);
    auto r = decode(o, SsdDecodeOptions{});
    ASSERT_TRUE(r.is_ok()) << r.status().message();
    EXPECT_EQ(r->size(), num > 0 ? 2u : 0u) << num;
  }
  // A class that is not an index (NaN, negative) is skipped.
  auto o = outputs(std::vector<float>(8, 0.5f), {std::nanf(""), -1}, {0.9f, 0.8f}, 2);
  auto r = decode(o, SsdDecodeOptions{});
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(r->empty());
}

TEST(SsdDetections, WrongShapesNameTheOutput) {
  auto o = outputs(std::vector<float>(8, 0.5f), {0, 1}, {0.9f, 0.8f}, 2);
  o.scores = floats({1, 3}, {0, 0, 0}, "detection_scores");
  auto r = decode(o, SsdDecodeOptions{});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kShapeMismatch);
  EXPECT_NE(r.status().message().find("'detection_scores'"), std::string::npos)
      << r.status().message();
  o = outputs(std::vector<float>(8, 0.5f), {0, 1}, {0.9f, 0.8f}, 2);
  o.boxes = floats({1, 2, 2, 2}, std::vector<float>(8, 0.5f), "detection_boxes");
  r = decode(o, SsdDecodeOptions{});
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("'detection_boxes'"), std::string::npos)
      << r.status().message();
  o = outputs(std::vector<float>(8, 0.5f), {0, 1}, {0.9f, 0.8f}, 2);
  o.classes = Tensor::allocate(DType::kInt32, Shape{1, 2}).value();
  o.classes.name = "detection_classes";
  r = decode(o, SsdDecodeOptions{});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace outpost
