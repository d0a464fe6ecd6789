// Float AveragePool and MaxPool over NHWC (as TFLite imports): windows, padding, activation.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>

#include "backends/ref/float_factory_status.h"
#include "support/op_runner.h"
#include "support/pool_attrs.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::make_typed;
using testing::run_op;

Attributes pool_attrs(int64_t fh, int64_t fw, int64_t sh, int64_t sw, const std::string& padding,
                      const std::string& activation = "none") {
  return testing::nhwc_pool_attrs(fh, fw, sh, sw, padding, activation);
}

std::vector<float> run_pool(OpKind op, const Attributes& attrs, Tensor x, Shape* shape = nullptr) {
  auto r = run_op(op, attrs, {{std::move(x)}}, {{}});
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  if (!r.is_ok()) return {};
  const Tensor& t = r.value()[0];
  if (shape) *shape = t.shape();
  return {t.data_as<float>(), t.data_as<float>() + t.num_elements()};
}

TEST(Pool2DFloat, AverageValid2x2Stride2) {
  // 4x4 input 1..16; 2x2 windows: (1+2+5+6)/4 = 3.5, (3+4+7+8)/4 = 5.5,
  // (9+10+13+14)/4 = 11.5, (11+12+15+16)/4 = 13.5
  std::vector<float> v(16);
  for (int i = 0; i < 16; ++i) v[static_cast<size_t>(i)] = static_cast<float>(i + 1);
  Shape s;
  auto y = run_pool(OpKind::kAveragePool, pool_attrs(2, 2, 2, 2, "valid"),
                    make_tensor({1, 4, 4, 1}, v), &s);
  EXPECT_EQ(s, Shape({1, 2, 2, 1}));
  EXPECT_EQ(y, (std::vector<float>{3.5f, 5.5f, 11.5f, 13.5f}));
}

TEST(Pool2DFloat, AverageSameCountsOnlyInBoundsElements) {
  // 3x3 input 1..9, 3x3 window, stride 1, SAME (pad 1 each side).
  // corner (0,0): (1+2+4+5)/4 = 3; edge (0,1): (1+2+3+4+5+6)/6 = 3.5; centre: 45/9 = 5;
  // (1,0): (1+2+4+5+7+8)/6 = 4.5; (2,2): (5+6+8+9)/4 = 7
  auto y = run_pool(OpKind::kAveragePool, pool_attrs(3, 3, 1, 1, "same"),
                    make_tensor({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9}));
  ASSERT_EQ(y.size(), 9u);
  EXPECT_FLOAT_EQ(y[0], 3.0f);
  EXPECT_FLOAT_EQ(y[1], 3.5f);
  EXPECT_FLOAT_EQ(y[3], 4.5f);
  EXPECT_FLOAT_EQ(y[4], 5.0f);
  EXPECT_FLOAT_EQ(y[8], 7.0f);
}

TEST(Pool2DFloat, MaxSameIgnoresPadding) {
  // All-negative input: padding must not contribute a 0. 2x2 window stride 2 SAME on 3x3:
  // out 2x2, total padding 1 -> pad_before 0, so windows are rows/cols {0,1} and {2}.
  // (0,0): max(-1,-2,-4,-5) = -1; (0,1): max(-3,-6) = -3; (1,0): max(-7,-8) = -7; (1,1): -9
  Shape s;
  auto y = run_pool(OpKind::kMaxPool, pool_attrs(2, 2, 2, 2, "same"),
                    make_tensor({1, 3, 3, 1}, {-1, -2, -3, -4, -5, -6, -7, -8, -9}), &s);
  EXPECT_EQ(s, Shape({1, 2, 2, 1}));
  EXPECT_EQ(y, (std::vector<float>{-1, -3, -7, -9}));
}

TEST(Pool2DFloat, MaxWithChannelsAndRelu6) {
  // 1x2x2x2, one 2x2 window: channel 0 max(1,9,3,4) = 9 -> relu6 6; channel 1 max(-1,-2,-3,-4)
  // = -1 -> relu6 0
  auto y = run_pool(OpKind::kMaxPool, pool_attrs(2, 2, 1, 1, "valid", "relu6"),
                    make_tensor({1, 2, 2, 2}, {1, -1, 9, -2, 3, -3, 4, -4}));
  EXPECT_EQ(y, (std::vector<float>{6, 0}));
}

// A naive pool over an explicitly padded view: the window origin is computed from TFLite's
// formulas written out here, and out-of-range taps are skipped by index checks.
std::vector<float> naive_pool(bool is_max, const std::vector<float>& x, int64_t n, int64_t h,
                              int64_t w, int64_t c, int64_t fh, int64_t fw, int64_t sh, int64_t sw,
                              bool same, int64_t* out_h, int64_t* out_w) {
  const int64_t oh = same ? (h + sh - 1) / sh : (h - fh) / sh + 1;
  const int64_t ow = same ? (w + sw - 1) / sw : (w - fw) / sw + 1;
  const int64_t pt = same ? std::max<int64_t>(0, (oh - 1) * sh + fh - h) / 2 : 0;
  const int64_t pl = same ? std::max<int64_t>(0, (ow - 1) * sw + fw - w) / 2 : 0;
  std::vector<float> y;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j)
        for (int64_t ch = 0; ch < c; ++ch) {
          double acc = is_max ? -1e30 : 0.0;
          int count = 0;
          for (int64_t a = 0; a < fh; ++a)
            for (int64_t bb = 0; bb < fw; ++bb) {
              const int64_t yy = i * sh + a - pt, xx = j * sw + bb - pl;
              if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
              const double v = x[static_cast<size_t>(((b * h + yy) * w + xx) * c + ch)];
              acc = is_max ? std::max(acc, v) : acc + v;
              ++count;
            }
          y.push_back(static_cast<float>(is_max ? acc : acc / count));
        }
  *out_h = oh;
  *out_w = ow;
  return y;
}

TEST(Pool2DFloat, RandomShapesMatchNaive) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  struct Case {
    int64_t n, h, w, c, fh, fw, sh, sw;
    bool same;
  };
  const Case cases[] = {
      {2, 7, 5, 3, 3, 3, 2, 2, true},  {2, 7, 5, 3, 3, 3, 2, 2, false},
      {1, 6, 6, 2, 2, 2, 2, 2, true},  {1, 9, 8, 1, 3, 2, 1, 2, true},
      {1, 5, 7, 4, 5, 5, 1, 1, true},  {1, 5, 7, 4, 2, 3, 3, 1, false},
      {3, 4, 4, 5, 4, 4, 1, 1, false},
  };
  for (const Case& k : cases) {
    std::vector<float> x(static_cast<size_t>(k.n * k.h * k.w * k.c));
    for (auto& v : x) v = dist(rng);
    for (bool is_max : {false, true}) {
      int64_t oh = 0, ow = 0;
      auto want =
          naive_pool(is_max, x, k.n, k.h, k.w, k.c, k.fh, k.fw, k.sh, k.sw, k.same, &oh, &ow);
      Shape s;
      auto got = run_pool(is_max ? OpKind::kMaxPool : OpKind::kAveragePool,
                          pool_attrs(k.fh, k.fw, k.sh, k.sw, k.same ? "same" : "valid"),
                          make_tensor({k.n, k.h, k.w, k.c}, x), &s);
      EXPECT_EQ(s, Shape({k.n, oh, ow, k.c}));
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < got.size(); ++i)
        ASSERT_NEAR(got[i], want[i], 1e-5)
            << (is_max ? "max" : "avg") << " case h=" << k.h << " w=" << k.w << " f=" << k.fh << "x"
            << k.fw << " at " << i;
    }
  }
}

// [N, C, H, W] <-> [N, H, W, C] of row-major data.
std::vector<float> to_nhwc(const std::vector<float>& x, int64_t n, int64_t c, int64_t h,
                           int64_t w) {
  std::vector<float> y(x.size());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t k = 0; k < c; ++k)
      for (int64_t i = 0; i < h * w; ++i)
        y[static_cast<size_t>((b * h * w + i) * c + k)] =
            x[static_cast<size_t>((b * c + k) * h * w + i)];
  return y;
}

// An ONNX pool the layout pass makes channels-last runs on these NHWC kernels: explicit
// (asymmetric) pads and ceil_mode give the general NCHW kernel's answer.
TEST(Pool2DFloat, ChannelsLastMatchesTheGeneralKernel) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (int trial = 0; trial < 40; ++trial) {
    const int64_t n = 1 + trial % 2, c = 1 + trial % 5, h = 3 + trial % 6, w = 3 + trial % 7;
    const int64_t kh = 1 + trial % 3, kw = 1 + (trial / 3) % 3;
    Attributes a;
    a.set("kernel_shape", std::vector<int64_t>{kh, kw});
    a.set("strides", std::vector<int64_t>{1 + trial % 2, 1 + (trial / 2) % 3});
    a.set("pads", std::vector<int64_t>{trial % kh, (trial / 2) % kw, (trial / 3) % kh, 0});
    a.set("ceil_mode", int64_t{trial % 4 == 0});
    std::vector<float> x(static_cast<size_t>(n * c * h * w));
    for (auto& v : x) v = dist(rng);
    for (OpKind op : {OpKind::kMaxPool, OpKind::kAveragePool}) {
      SCOPED_TRACE(std::string(op_name(op)) + " trial " + std::to_string(trial));
      Shape nchw_shape, nhwc_shape;
      const auto want = run_pool(op, a, make_tensor({n, c, h, w}, x), &nchw_shape);
      Attributes nhwc = a;
      nhwc.set("channels_last", int64_t{1});
      const auto got =
          run_pool(op, nhwc, make_tensor({n, h, w, c}, to_nhwc(x, n, c, h, w)), &nhwc_shape);
      ASSERT_EQ(nchw_shape.rank(), 4u);
      ASSERT_EQ(nhwc_shape, Shape({n, nchw_shape[2], nchw_shape[3], c}));
      const auto want_nhwc = to_nhwc(want, n, c, nchw_shape[2], nchw_shape[3]);
      ASSERT_EQ(got.size(), want_nhwc.size());
      for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want_nhwc[i], 1e-6) << "at " << i;
    }
  }
}

TEST(Pool2DFloat, Int32IsUnsupported) {
  auto r = testing::factory_status(
      make_pool2d_float, OpKind::kMaxPool, pool_attrs(2, 2, 1, 1, "valid"),
      {{make_typed<int32_t>({1, 2, 2, 1}, {1, 2, 3, 4})}}, {{DType::kInt32}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace outpost
