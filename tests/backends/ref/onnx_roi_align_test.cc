// RoiAlign (reference kernel) on regions worked by hand over the image 1 2 / 3 4, whose bilinear
// interpolation is the plane 1 + x + 2 y, and hostile regions and image indices (run-time data;
// suite names with 'Corrupt' also run in the sanitizer build).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::make_typed;
using testing::OpOutput;
using testing::run_op;

struct RoiCase {
  std::string mode = "avg", coordinates = "output_half_pixel";
  int64_t sampling_ratio = 1;
  std::vector<float> rois = {0, 0, 1, 1};
  std::vector<int64_t> batch = {0};
};

Result<std::vector<float>> roi_align(const RoiCase& c) {
  Attributes a;
  a.set("mode", c.mode);
  a.set("coordinate_transformation_mode", c.coordinates);
  a.set("sampling_ratio", c.sampling_ratio);
  const int64_t regions = static_cast<int64_t>(c.batch.size());
  OUTPOST_ASSIGN_OR_RETURN(
      auto out, run_op(OpKind::kRoiAlign, a,
                       {{make_tensor(Shape{1, 1, 2, 2}, {1, 2, 3, 4})},
                        {make_tensor(Shape{regions, 4}, c.rois)},
                        {make_typed<int64_t>(Shape{regions}, c.batch)}},
                       {OpOutput{}}));
  return std::vector<float>(out[0].data_as<float>(), out[0].data_as<float>() + regions);
}

TEST(OnnxRoiAlign, OneSampleAtTheBinCentre) {
  // output_half_pixel: the region 0..1 has its one sample at (0.5, 0.5): 1 + 0.5 + 1.
  auto avg = roi_align({});
  ASSERT_TRUE(avg.is_ok()) << avg.status().message();
  EXPECT_EQ(*avg, (std::vector<float>{2.5f}));
  // half_pixel shifts the region by -0.5: the sample falls on pixel (0, 0).
  RoiCase shifted;
  shifted.coordinates = "half_pixel";
  EXPECT_EQ(roi_align(shifted).value(), (std::vector<float>{1}));
}

TEST(OnnxRoiAlign, TwoByTwoSamplesAverage) {
  // Samples at 0.25 and 0.75 on each axis: their mean is the plane at (0.5, 0.5).
  RoiCase c;
  c.sampling_ratio = 2;
  EXPECT_EQ(roi_align(c).value(), (std::vector<float>{2.5f}));
}

TEST(OnnxRoiAlign, MaxTakesTheLargestWeightedTap) {
  // At (0.5, 0.5) each tap weighs 0.25: the largest is 0.25 * 4.
  RoiCase c;
  c.mode = "max";
  EXPECT_EQ(roi_align(c).value(), (std::vector<float>{1}));
}

TEST(CorruptOnnxRoiAlign, HostileRegionsAndImageIndicesPoolZeros) {
  RoiCase c;
  c.rois = {std::nanf(""), 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, -1e30f, -1e30f, 1e30f, 1e30f};
  c.batch = {0, 7, -1, 0};
  c.sampling_ratio = 0;  // adaptive: the huge region asks for a bounded grid
  auto y = roi_align(c);
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_EQ((*y)[0], 0);
  EXPECT_EQ((*y)[1], 0);
  EXPECT_EQ((*y)[2], 0);
  EXPECT_TRUE(std::isfinite((*y)[3]));
}

TEST(OnnxRoiAlign, RoisMustBeFourCoordinatesEach) {
  auto y = run_op(OpKind::kRoiAlign, Attributes{},
                  {{make_tensor(Shape{1, 1, 2, 2}, {1, 2, 3, 4})},
                   {make_tensor(Shape{1, 3}, {0, 0, 1})},
                   {make_typed<int64_t>(Shape{1}, {0})}},
                  {OpOutput{}});
  ASSERT_FALSE(y.is_ok());
  EXPECT_EQ(y.status().code(), StatusCode::kShapeMismatch);
  EXPECT_NE(y.status().message().find("rois"), std::string::npos) << y.status().message();
}

}  // namespace
}  // namespace outpost
