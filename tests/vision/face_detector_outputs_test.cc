#include "vision/face_detector_outputs.h"

#include <gtest/gtest.h>

#include <numeric>

namespace outpost {
namespace {

Tensor filled(Shape shape, float first, const std::string& name) {
  Tensor t = Tensor::allocate(DType::kFloat32, std::move(shape)).value();
  std::iota(t.data_as<float>(), t.data_as<float>() + t.num_elements(), first);
  t.name = name;
  return t;
}

TEST(FaceDetectorOutputs, TwoOutputsInEitherOrder) {
  const auto options = FaceDetectorOptions::short_range();
  Tensor boxes = filled({1, 896, 16}, 0, "regressors"),
         scores = filled({1, 896, 1}, 0, "classificators");
  for (const auto& order :
       {std::vector<const Tensor*>{&boxes, &scores}, std::vector<const Tensor*>{&scores, &boxes}}) {
    auto joined = join_face_detector_outputs(order, options);
    ASSERT_TRUE(joined.is_ok()) << joined.status().message();
    EXPECT_EQ(joined->regressors.shape(), (Shape{1, 896, 16}));
    EXPECT_EQ(joined->scores.shape(), (Shape{1, 896, 1}));
    EXPECT_EQ(joined->regressors.data_as<float>()[896 * 16 - 1], 896 * 16 - 1);
    EXPECT_EQ(joined->scores.data_as<float>()[895], 895);
  }
}

// The ONNX BlazeFace layout: both scores, then both box heads, one per anchor layer.
TEST(FaceDetectorOutputs, PerLayerPartsJoinInOutputOrder) {
  const auto options = FaceDetectorOptions::short_range();
  Tensor s0 = filled({1, 512, 1}, 0, "Identity:0"), s1 = filled({1, 384, 1}, 1000, "Identity_1:0");
  Tensor b0 = filled({1, 512, 16}, 0, "Identity_2:0"),
         b1 = filled({384, 16}, 100000, "Identity_3:0");
  auto joined = join_face_detector_outputs({&s0, &s1, &b0, &b1}, options);
  ASSERT_TRUE(joined.is_ok()) << joined.status().message();
  ASSERT_EQ(joined->scores.shape(), (Shape{1, 896, 1}));
  ASSERT_EQ(joined->regressors.shape(), (Shape{1, 896, 16}));
  EXPECT_EQ(joined->scores.data_as<float>()[511], 511);
  EXPECT_EQ(joined->scores.data_as<float>()[512], 1000);
  EXPECT_EQ(joined->regressors.data_as<float>()[512 * 16 - 1], 512 * 16 - 1);
  EXPECT_EQ(joined->regressors.data_as<float>()[512 * 16], 100000);
}

TEST(FaceDetectorOutputs, MismatchesNameTheOutput) {
  const auto options = FaceDetectorOptions::short_range();
  Tensor boxes = filled({1, 896, 16}, 0, "regressors"), odd = filled({1, 896, 3}, 0, "odd");
  auto r = join_face_detector_outputs({&boxes, &odd}, options);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kShapeMismatch);
  EXPECT_NE(r.status().message().find("'odd'"), std::string::npos) << r.status().message();

  r = join_face_detector_outputs({&boxes}, options);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("no score output"), std::string::npos)
      << r.status().message();

  Tensor s0 = filled({1, 512, 1}, 0, "s0"), s1 = filled({1, 384, 1}, 0, "s1");
  Tensor b0 = filled({1, 384, 16}, 0, "b0"), b1 = filled({1, 512, 16}, 0, "b1");
  r = join_face_detector_outputs({&s0, &s1, &b0, &b1}, options);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("cover 384, 512 anchors"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace outpost
