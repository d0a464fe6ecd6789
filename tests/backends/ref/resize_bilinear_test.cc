#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "backends/ref/float_factory_status.h"
#include "support/bilinear_resize.h"
#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::make_typed;
using testing::OpInput;
using testing::run_op;

enum class Mode { kDefault, kAlignCorners, kHalfPixel };

Attributes mode_attrs(Mode m) {
  return testing::bilinear_resize_attrs(m == Mode::kAlignCorners, m == Mode::kHalfPixel);
}

std::vector<float> run_resize(Mode m, Tensor x, int32_t out_h, int32_t out_w) {
  auto r = run_op(OpKind::kResize, mode_attrs(m),
                  testing::bilinear_resize_inputs({std::move(x)}, out_h, out_w), {{}});
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  if (!r.is_ok()) return {};
  const Tensor& t = r.value()[0];
  EXPECT_EQ(t.shape()[1], out_h);
  EXPECT_EQ(t.shape()[2], out_w);
  return {t.data_as<float>(), t.data_as<float>() + t.num_elements()};
}

void expect_near(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5) << i;
}

TEST(ResizeBilinearFloat, DefaultUpscaleRow) {
  // [0, 10] to width 4, scale 2/4 = 0.5: sources 0, 0.5, 1, 1.5 (clamped to 1)
  // -> [0, 5, 10, 10]
  expect_near(run_resize(Mode::kDefault, make_tensor({1, 1, 2, 1}, {0, 10}), 1, 4), {0, 5, 10, 10});
}

TEST(ResizeBilinearFloat, HalfPixelUpscaleRow) {
  // sources (o + 0.5) * 0.5 - 0.5 = -0.25, 0.25, 0.75, 1.25; the ends clamp to the edge values
  // -> [0, 2.5, 7.5, 10]
  expect_near(run_resize(Mode::kHalfPixel, make_tensor({1, 1, 2, 1}, {0, 10}), 1, 4),
              {0, 2.5f, 7.5f, 10});
}

TEST(ResizeBilinearFloat, AlignCornersUpscaleRow) {
  // scale (2-1)/(4-1) = 1/3: sources 0, 1/3, 2/3, 1 -> [0, 10/3, 20/3, 10]
  expect_near(run_resize(Mode::kAlignCorners, make_tensor({1, 1, 2, 1}, {0, 10}), 1, 4),
              {0, 10.0f / 3, 20.0f / 3, 10});
}

TEST(ResizeBilinearFloat, AlignCorners2DWithChannels) {
  // [[0,10],[20,30]] to 3x3 with align_corners: scale 1/2, the centre averages all four
  // -> [[0,5,10],[10,15,20],[20,25,30]]; channel 1 is channel 0 negated.
  auto y = run_resize(Mode::kAlignCorners,
                      make_tensor({1, 2, 2, 2}, {0, -0, 10, -10, 20, -20, 30, -30}), 3, 3);
  std::vector<float> want;
  for (float v : {0, 5, 10, 10, 15, 20, 20, 25, 30}) {
    want.push_back(v);
    want.push_back(-v);
  }
  expect_near(y, want);
}

// Reference written from the definition: src = (o + 0.5) * in / out - 0.5 (half pixel),
// o * (in - 1) / (out - 1) (align corners) or o * in / out; the lower neighbour is
// floor(src) clamped to >= 0, the upper ceil(src) clamped to <= in - 1, the weight is
// src - lower. Computed in double.
std::vector<float> naive_resize(const std::vector<float>& x, int64_t n, int64_t h, int64_t w,
                                int64_t c, int64_t oh, int64_t ow, Mode m) {
  auto source = [m](int64_t o, int64_t in, int64_t out) {
    if (m == Mode::kAlignCorners && out > 1) return o * double(in - 1) / double(out - 1);
    if (m == Mode::kHalfPixel) return (o + 0.5) * double(in) / double(out) - 0.5;
    return o * double(in) / double(out);
  };
  std::vector<float> y;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j)
        for (int64_t k = 0; k < c; ++k) {
          const double sy = source(i, h, oh), sx = source(j, w, ow);
          const int64_t y0 = std::max<int64_t>(0, static_cast<int64_t>(std::floor(sy)));
          const int64_t y1 = std::min<int64_t>(h - 1, static_cast<int64_t>(std::ceil(sy)));
          const int64_t x0 = std::max<int64_t>(0, static_cast<int64_t>(std::floor(sx)));
          const int64_t x1 = std::min<int64_t>(w - 1, static_cast<int64_t>(std::ceil(sx)));
          const double fy = sy - y0, fx = sx - x0;
          auto at = [&](int64_t yy, int64_t xx) {
            return double(x[static_cast<size_t>(((b * h + yy) * w + xx) * c + k)]);
          };
          const double top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * fx;
          const double bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * fx;
          y.push_back(static_cast<float>(top + (bottom - top) * fy));
        }
  return y;
}

TEST(ResizeBilinearFloat, RandomShapesMatchNaive) {
  std::mt19937 rng(17);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  struct Case {
    int64_t n, h, w, c, oh, ow;
  };
  const Case cases[] = {{1, 3, 5, 2, 7, 9}, {2, 8, 6, 3, 5, 3}, {1, 4, 4, 1, 4, 4},
                        {1, 1, 3, 2, 2, 6}, {1, 7, 7, 4, 1, 1}, {1, 5, 2, 1, 11, 8}};
  for (const Case& k : cases) {
    std::vector<float> x(static_cast<size_t>(k.n * k.h * k.w * k.c));
    for (auto& v : x) v = dist(rng);
    for (Mode m : {Mode::kDefault, Mode::kAlignCorners, Mode::kHalfPixel}) {
      auto got = run_resize(m, make_tensor({k.n, k.h, k.w, k.c}, x), static_cast<int32_t>(k.oh),
                            static_cast<int32_t>(k.ow));
      auto want = naive_resize(x, k.n, k.h, k.w, k.c, k.oh, k.ow, m);
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < got.size(); ++i)
        ASSERT_NEAR(got[i], want[i], 1e-5) << "mode " << static_cast<int>(m) << " " << k.h << "x"
                                           << k.w << " -> " << k.oh << "x" << k.ow << " at " << i;
    }
  }
}

// TFLite's kernel (the output size given) and the general kernel (the same resize given as
// scales, which TFLite's kernel leaves to it) compute one function in all three modes.
TEST(ResizeBilinearFloat, TheGeneralKernelAgrees) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> x(2 * 3 * 4 * 4);
  for (auto& v : x) v = dist(rng);
  for (Mode m : {Mode::kDefault, Mode::kAlignCorners, Mode::kHalfPixel}) {
    const auto nhwc = run_resize(m, make_tensor({2, 3, 4, 4}, x), 6, 2);
    OpInput scales{make_tensor({4}, {1.0f, 2.0f, 0.5f, 1.0f}), true};
    auto r = run_op(OpKind::kResize, mode_attrs(m),
                    {{make_tensor({2, 3, 4, 4}, x)}, testing::absent_input(), scales}, {{}});
    ASSERT_TRUE(r.is_ok()) << r.status().message();
    ASSERT_EQ(r.value()[0].shape(), Shape({2, 6, 2, 4}));
    const float* general = r.value()[0].data_as<float>();
    ASSERT_EQ(nhwc.size(), 2u * 6 * 2 * 4);
    for (size_t i = 0; i < nhwc.size(); ++i) EXPECT_NEAR(nhwc[i], general[i], 1e-5) << i;
  }
}

TEST(ResizeBilinearFloat, Int32IsUnsupported) {
  auto r = testing::factory_status(
      make_resize_bilinear_float, OpKind::kResize, mode_attrs(Mode::kDefault),
      testing::bilinear_resize_inputs({make_typed<int32_t>({1, 1, 1, 1}, {1})}, 2, 2),
      {{DType::kInt32}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace outpost
