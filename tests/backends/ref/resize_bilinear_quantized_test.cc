// Quantized bilinear Resize (as TFLite's RESIZE_BILINEAR imports): interpolation of the raw
// values with TFLite's +0.5 rounding.
#include <gtest/gtest.h>

#include "backends/ref/quantized_test_util.h"
#include "support/bilinear_resize.h"

namespace outpost {
namespace {

using namespace qtest;  // NOLINT: test helpers
using testing::make_typed;

Attributes resize_attrs(bool align_corners, bool half_pixel) {
  return testing::bilinear_resize_attrs(align_corners, half_pixel);
}

TEST(ResizeBilinearQuantized, Uint8Upscale1x2To1x4) {
  // Row [10, 21], width 2 -> 4, no corner alignment: scale 0.5, sources 0, 0.5, 1, 1.5 (clamped
  // to 1): 10, 15.5 + 0.5 -> 16, 21, 21.
  auto y =
      run_quantized<uint8_t>(OpKind::kResize, resize_attrs(false, false),
                             testing::bilinear_resize_inputs(
                                 {make_typed<uint8_t>({1, 1, 2, 1}, {10, 21}, qp(0.1f, 0))}, 1, 4),
                             qp(0.1f, 0));
  EXPECT_EQ(y, (std::vector<uint8_t>{10, 16, 21, 21}));
}

TEST(ResizeBilinearQuantized, HalfPixelCentres) {
  // Width 2 -> 4 with half-pixel centres: sources -0.25 (lo 0, hi 0), 0.25, 0.75, 1.25 (lo 1,
  // hi 1): 10, 10 + 0.25 * 20 = 15 -> 15.5 -> 15, 10 + 0.75 * 20 = 25, 30.
  auto y =
      run_quantized<uint8_t>(OpKind::kResize, resize_attrs(false, true),
                             testing::bilinear_resize_inputs(
                                 {make_typed<uint8_t>({1, 1, 2, 1}, {10, 30}, qp(0.1f, 0))}, 1, 4),
                             qp(0.1f, 0));
  EXPECT_EQ(y, (std::vector<uint8_t>{10, 15, 25, 30}));
}

}  // namespace
}  // namespace outpost
