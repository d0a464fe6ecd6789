// GridSample (reference kernel) on points worked by hand in each mode and padding mode, and
// hostile grid values (NaN, 1e30) that must read nothing outside the image (suite names with
// 'Corrupt' also run in the sanitizer build).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::OpOutput;
using testing::run_op;

// x [1, 1, h, w] sampled at the (gx, gy) pairs of `grid`.
Result<std::vector<float>> sample(const std::string& mode, const std::string& padding,
                                  int64_t align_corners, int64_t h, int64_t w,
                                  const std::vector<float>& x, const std::vector<float>& grid) {
  Attributes a;
  a.set("mode", mode);
  a.set("padding_mode", padding);
  a.set("align_corners", align_corners);
  const int64_t points = static_cast<int64_t>(grid.size() / 2);
  OUTPOST_ASSIGN_OR_RETURN(auto out, run_op(OpKind::kGridSample, a,
                                            {{make_tensor(Shape{1, 1, h, w}, x)},
                                             {make_tensor(Shape{1, 1, points, 2}, grid)}},
                                            {OpOutput{}}));
  return std::vector<float>(out[0].data_as<float>(), out[0].data_as<float>() + points);
}

TEST(OnnxGridSample, BilinearWithAlignedCorners) {
  // -1 and 1 are the centres of the corner pixels of 1 2 / 3 4; 0 is the image's centre.
  auto y = sample("bilinear", "zeros", 1, 2, 2, {1, 2, 3, 4}, {0, 0, -1, -1, 1, 1, 1, -1});
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_EQ(*y, (std::vector<float>{2.5f, 1, 4, 2}));
}

TEST(OnnxGridSample, PaddingModesOutsideTheImage) {
  // One row 10 20 (align_corners 0): gx -2 is pixel -1.5, half way between -2 and -1, both
  // outside. Zeros reads 0; border clamps to pixel 0; reflection mirrors -1.5 about the left edge
  // (-0.5) to 0.5, half way between the two pixels.
  const std::vector<float> x = {10, 20}, grid = {-2, 0};
  auto zeros = sample("bilinear", "zeros", 0, 1, 2, x, grid);
  auto border = sample("bilinear", "border", 0, 1, 2, x, grid);
  auto reflection = sample("bilinear", "reflection", 0, 1, 2, x, grid);
  ASSERT_TRUE(zeros.is_ok() && border.is_ok() && reflection.is_ok());
  EXPECT_EQ(*zeros, (std::vector<float>{0}));
  EXPECT_EQ(*border, (std::vector<float>{10}));
  EXPECT_EQ(*reflection, (std::vector<float>{15}));
}

TEST(OnnxGridSample, NearestRoundsHalfToEven) {
  // gx 0 is pixel 0.5, which rounds to 0; gx 0.5 is pixel 1.
  auto y = sample("nearest", "zeros", 0, 1, 2, {10, 20}, {0, 0, 0.5f, 0});
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_EQ(*y, (std::vector<float>{10, 20}));
}

TEST(OnnxGridSample, BicubicWeighsFourPixelsPerAxis) {
  // Pixel 0.5 between 10 and 20: Keys' weights (a = -0.75) at distances 1.5, 0.5, 0.5, 1.5 are
  // -0.09375, 0.59375, 0.59375, -0.09375. Zeros: the outer two read 0, so 0.59375 * 30; border:
  // they read the edge pixels, and the weights sum to 1: 15.
  auto zeros = sample("bicubic", "zeros", 0, 1, 2, {10, 20}, {0, 0});
  auto border = sample("bicubic", "border", 0, 1, 2, {10, 20}, {0, 0});
  ASSERT_TRUE(zeros.is_ok() && border.is_ok());
  EXPECT_FLOAT_EQ((*zeros)[0], 17.8125f);
  EXPECT_FLOAT_EQ((*border)[0], 15);
}

TEST(CorruptOnnxGridSample, HostileGridValuesReadNothingOutside) {
  const float nan = std::nanf("");
  for (const char* mode : {"bilinear", "nearest", "bicubic"}) {
    for (const char* padding : {"zeros", "border", "reflection"}) {
      auto y = sample(mode, padding, 0, 2, 2, {1, 2, 3, 4}, {nan, 0, 1e30f, -1e30f, 0, 3e38f});
      ASSERT_TRUE(y.is_ok()) << mode << " " << padding << ": " << y.status().message();
      // A huge finite point with border padding reads a corner pixel: (right, top) is 2.
      if (std::string(padding) == "border" && std::string(mode) != "bicubic") {
        EXPECT_EQ((*y)[1], 2) << mode;
      }
    }
  }
}

TEST(OnnxGridSample, AnUnknownModeIsUnsupported) {
  auto y = sample("area", "zeros", 0, 1, 2, {10, 20}, {0, 0});
  ASSERT_FALSE(y.is_ok());
  EXPECT_EQ(y.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(y.status().message().find("'area'"), std::string::npos) << y.status().message();
}

}  // namespace
}  // namespace outpost
