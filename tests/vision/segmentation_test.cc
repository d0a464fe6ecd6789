#include "vision/segmentation.h"

#include <gtest/gtest.h>

namespace outpost {
namespace {

Tensor float_tensor(Shape shape, const std::vector<float>& values) {
  Tensor t = Tensor::allocate(DType::kFloat32, std::move(shape)).value();
  std::copy(values.begin(), values.end(), t.data_as<float>());
  return t;
}

TEST(Segmentation, OneChannelIsThresholdedAtTheImageSize) {
  // 2x2 probabilities, upscaled to 4x4: each output pixel samples its own quadrant's centre
  // region, so the corners keep their quadrant's label.
  const Tensor out = float_tensor({1, 2, 2, 1}, {0.9f, 0.1f, 0.2f, 0.8f});
  auto mask = decode_segmentation(out, 4, 4);
  ASSERT_TRUE(mask.is_ok()) << mask.status().message();
  EXPECT_EQ(mask->classes, 2);
  ASSERT_EQ(mask->labels.size(), 16u);
  EXPECT_EQ(mask->labels[0], 1);       // (0, 0): 0.9
  EXPECT_EQ(mask->labels[3], 0);       // (3, 0): 0.1
  EXPECT_EQ(mask->labels[12], 0);      // (0, 3): 0.2
  EXPECT_EQ(mask->labels[15], 1);      // (3, 3): 0.8
  const auto fractions = mask->class_fractions();
  ASSERT_EQ(fractions.size(), 2u);
  EXPECT_DOUBLE_EQ(fractions[0] + fractions[1], 1.0);
  // A higher threshold keeps less.
  SegmentationOptions strict;
  strict.threshold = 0.85f;
  auto fewer = decode_segmentation(out, 4, 4, strict);
  ASSERT_TRUE(fewer.is_ok());
  EXPECT_LT(fewer->class_fractions()[1], fractions[1]);
  EXPECT_EQ(fewer->labels[0], 1);
  EXPECT_EQ(fewer->labels[15], 0);
}

TEST(Segmentation, LogitsGoThroughASigmoid) {
  const Tensor out = float_tensor({1, 1, 2}, {2.0f, -2.0f});  // sigmoid: 0.88, 0.12
  SegmentationOptions options;
  options.logits = true;
  options.threshold = 0.8f;
  auto mask = decode_segmentation(out, 2, 1, options);
  ASSERT_TRUE(mask.is_ok()) << mask.status().message();
  EXPECT_EQ(mask->labels, (std::vector<uint8_t>{1, 0}));
  // Without the flag the raw 2.0 passes even a 0.99 threshold; with it, sigmoid(2) = 0.88 does
  // not.
  options.threshold = 0.99f;
  EXPECT_EQ(decode_segmentation(out, 2, 1, options)->labels, (std::vector<uint8_t>{0, 0}));
  options.logits = false;
  EXPECT_EQ(decode_segmentation(out, 2, 1, options)->labels, (std::vector<uint8_t>{1, 0}));
}

TEST(Segmentation, SeveralChannelsTakeTheArgmax) {
  // 1x3 pixels, 3 classes.
  const Tensor out = float_tensor({1, 1, 3, 3}, {5, 1, 0, 0, 1, 7, 0, 9, 2});
  auto mask = decode_segmentation(out, 3, 1);
  ASSERT_TRUE(mask.is_ok()) << mask.status().message();
  EXPECT_EQ(mask->classes, 3);
  EXPECT_EQ(mask->labels, (std::vector<uint8_t>{0, 2, 1}));
}

TEST(Segmentation, BadOutputsAreShapeMismatches) {
  EXPECT_TRUE(decode_segmentation(float_tensor({1, 4}, {1, 2, 3, 4}), 2, 2).is_ok());  // 1x4 map
  EXPECT_EQ(decode_segmentation(float_tensor({4}, {1, 2, 3, 4}), 2, 2).status().code(),
            StatusCode::kShapeMismatch);
  EXPECT_EQ(decode_segmentation(float_tensor({2, 1, 1, 1}, {1, 2}), 2, 2).status().code(),
            StatusCode::kShapeMismatch);
  EXPECT_EQ(decode_segmentation(float_tensor({1, 1, 1, 1}, {1}), 0, 2).status().code(),
            StatusCode::kShapeMismatch);
  Tensor ints = Tensor::allocate(DType::kInt32, Shape{1, 2, 2, 1}).value();
  EXPECT_EQ(decode_segmentation(ints, 2, 2).status().code(), StatusCode::kShapeMismatch);
}

TEST(Segmentation, OverlayBlendsOnlyTheLabelledPixels) {
  Image image = Image::blank(2, 1, 3);
  SegmentationMask mask;
  mask.width = 2, mask.height = 1, mask.classes = 2;
  mask.labels = {1, 0};
  overlay_mask(image, mask, 1, Color{200, 100, 50, 255}, 0.5f);
  EXPECT_EQ(image.pixels, (std::vector<uint8_t>{100, 50, 25, 0, 0, 0}));
}

}  // namespace
}  // namespace outpost
