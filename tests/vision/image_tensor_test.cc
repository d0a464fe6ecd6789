#include "vision/image_tensor.h"

#include <gtest/gtest.h>

namespace outpost {
namespace {

// A 2x1 RGB image, same size as the inputs below so resizing leaves it as it is.
Image two_pixels() {
  Image image = Image::blank(2, 1, 3);
  const uint8_t px[] = {10, 20, 30, 40, 50, 60};
  std::copy(std::begin(px), std::end(px), image.pixels.begin());
  return image;
}

TEST(ImageTensor, NhwcFloatIsSymmetricByDefault) {
  Tensor input = Tensor::allocate(DType::kFloat32, Shape{1, 1, 2, 3}).value();
  ASSERT_TRUE(image_to_tensor(two_pixels(), input).is_ok());
  const float* x = input.data_as<float>();
  EXPECT_FLOAT_EQ(x[0], (10 - 127.5f) / 127.5f);
  EXPECT_FLOAT_EQ(x[5], (60 - 127.5f) / 127.5f);
}

TEST(ImageTensor, NchwIsPlanarWithPerChannelMeanAndStd) {
  Tensor input = Tensor::allocate(DType::kFloat32, Shape{1, 3, 1, 2}).value();
  ImageToTensorOptions o;
  o.mean = {123.675f, 116.28f, 103.53f};
  o.std = {58.395f, 57.12f, 57.375f};
  ASSERT_TRUE(image_to_tensor(two_pixels(), input, o).is_ok());  // auto: dimension 1 is channels
  const float* x = input.data_as<float>();
  EXPECT_FLOAT_EQ(x[0], (10 - 123.675f) / 58.395f);  // R of pixel 0
  EXPECT_FLOAT_EQ(x[1], (40 - 123.675f) / 58.395f);  // R of pixel 1
  EXPECT_FLOAT_EQ(x[2], (20 - 116.28f) / 57.12f);    // G of pixel 0
  EXPECT_FLOAT_EQ(x[5], (60 - 103.53f) / 57.375f);   // B of pixel 1
}

TEST(ImageTensor, ExplicitLayoutAndBadShapes) {
  // [1, 3, 2, 3] is NHWC under auto (last dimension 3); asked for NCHW it is 3 channels of 2x3.
  Tensor input = Tensor::allocate(DType::kUInt8, Shape{1, 3, 2, 3}).value();
  ImageToTensorOptions o;
  o.layout = ImageLayout::kNchw;
  ASSERT_TRUE(image_to_tensor(two_pixels(), input, o).is_ok());
  EXPECT_EQ(input.data_as<uint8_t>()[0], 10);
  EXPECT_EQ(input.data_as<uint8_t>()[6], 20);  // G plane starts after 2x3 R values

  Tensor flat = Tensor::allocate(DType::kFloat32, Shape{1, 6}).value();
  const Status s = image_to_tensor(two_pixels(), flat);
  EXPECT_EQ(s.code(), StatusCode::kShapeMismatch);
  EXPECT_NE(s.message().find("NCHW"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace outpost
