// Which model outputs the classification and segmentation tasks accept, on the shapes real
// models have: a classifier's [1, 1001] (TFLite) or [1, 1000, 1, 1] (an ONNX SqueezeNet),
// a segmenter's mask at the input's size (MediaPipe selfie) or at a stride (DeepLab's 33x33
// for 257x257), and a face detector's boxes, which are neither.
#include <gtest/gtest.h>

#include "vision/classification.h"
#include "vision/segmentation.h"

namespace outpost {
namespace {

Tensor output(DType dtype, Shape shape, const std::string& name = "out") {
  Tensor t = Tensor::view(dtype, std::move(shape), nullptr);
  t.name = name;
  return t;
}

Status classification(const std::vector<Tensor>& outputs) {
  std::vector<const Tensor*> p;
  for (const auto& t : outputs) p.push_back(&t);
  return check_classification_outputs(p);
}

Status segmentation(const Shape& input, const std::vector<Tensor>& outputs) {
  std::vector<const Tensor*> p;
  for (const auto& t : outputs) p.push_back(&t);
  return check_segmentation_outputs(input, p);
}

TEST(TaskFit, ClassificationWantsOneScoreVector) {
  EXPECT_TRUE(classification({output(DType::kUInt8, {1, 1001})}).is_ok());
  EXPECT_TRUE(classification({output(DType::kFloat32, {1000})}).is_ok());
  EXPECT_TRUE(classification({output(DType::kFloat32, {1, 1000, 1, 1})}).is_ok());
  EXPECT_TRUE(classification({output(DType::kInt8, {-1, 10})}).is_ok());  // unknown batch
  const Status detector = classification({output(DType::kFloat32, {1, 896, 16}, "regressors"),
                                          output(DType::kFloat32, {1, 896, 1}, "classificators")});
  EXPECT_EQ(detector.code(), StatusCode::kShapeMismatch);
  EXPECT_NE(detector.message().find("output 0 'regressors' float32 [1, 896, 16], output 1 "
                                    "'classificators' float32 [1, 896, 1]"),
            std::string::npos)
      << detector.message();
  EXPECT_NE(detector.message().find("not a vector"), std::string::npos);
  EXPECT_EQ(classification({output(DType::kInt32, {1, 10})}).code(), StatusCode::kShapeMismatch);
  EXPECT_EQ(classification({output(DType::kFloat32, {1, 1})}).code(), StatusCode::kShapeMismatch);
  EXPECT_EQ(classification({}).code(), StatusCode::kShapeMismatch);
}

TEST(TaskFit, SegmentationWantsAMaskTheInputsSizeOrAFractionOfIt) {
  const Shape selfie{1, 256, 256, 3};
  EXPECT_TRUE(segmentation(selfie, {output(DType::kFloat32, {1, 256, 256, 1})}).is_ok());
  EXPECT_TRUE(segmentation(selfie, {output(DType::kFloat32, {1, 256, 256})}).is_ok());
  EXPECT_TRUE(segmentation(selfie, {output(DType::kFloat32, {1, 64, 64, 21})}).is_ok());  // 1/4
  EXPECT_TRUE(segmentation({1, 257, 257, 3}, {output(DType::kFloat32, {1, 33, 33, 21})}).is_ok());
  EXPECT_TRUE(segmentation({1, 3, 224, 224}, {output(DType::kFloat32, {1, 224, 224, 2})}).is_ok());
  EXPECT_TRUE(segmentation({1, 144, 256, 3}, {output(DType::kFloat32, {1, 72, 128, 1})}).is_ok());
  // Another aspect ratio, a larger mask, a face detector's boxes, a classifier's scores.
  EXPECT_FALSE(segmentation(selfie, {output(DType::kFloat32, {1, 64, 32, 1})}).is_ok());
  EXPECT_FALSE(segmentation(selfie, {output(DType::kFloat32, {1, 512, 512, 1})}).is_ok());
  const Status detector = segmentation({1, 128, 128, 3}, {output(DType::kFloat32, {1, 896, 16})});
  EXPECT_EQ(detector.code(), StatusCode::kShapeMismatch);
  EXPECT_NE(detector.message().find("[1, 896, 16]"), std::string::npos);
  EXPECT_NE(detector.message().find("the input's 128x128"), std::string::npos)
      << detector.message();
  EXPECT_EQ(segmentation({1, 224, 224, 3}, {output(DType::kUInt8, {1, 1001})}).code(),
            StatusCode::kShapeMismatch);
  EXPECT_EQ(segmentation(selfie, {output(DType::kFloat32, {1, 256, 256, 300})}).code(),
            StatusCode::kShapeMismatch);  // more classes than a mask holds
}

}  // namespace
}  // namespace outpost
