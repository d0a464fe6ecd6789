#include <gtest/gtest.h>

#include <random>

#include "backends/ref/float_factory_status.h"
#include "support/conv_attrs.h"
#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::absent_input;
using testing::make_tensor;
using testing::make_typed;
using testing::OpInput;
using testing::run_op;

// TFLite's DEPTHWISE_CONV_2D as imported: a channels-last Conv with 1HWO weights and a group
// per input channel (run_dw sets it from x); the depth multiplier follows from the shapes.
Attributes dw_attrs(int64_t stride, int64_t dilation, const std::string& padding,
                    const std::string& activation = "none") {
  return testing::nhwc_depthwise_attrs(1, stride, dilation, padding, activation);
}

OpInput constant(Tensor t) {
  OpInput in{std::move(t)};
  in.constant = true;
  return in;
}

std::vector<float> run_dw(const Attributes& attrs, Tensor x, Tensor w, OpInput bias,
                          Shape* shape = nullptr) {
  Attributes grouped = attrs;
  grouped.set("group", x.shape()[3]);
  auto r = run_op(OpKind::kConv, grouped,
                  {{std::move(x)}, constant(std::move(w)), std::move(bias)}, {{}});
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  if (!r.is_ok()) return {};
  const Tensor& t = r.value()[0];
  if (shape) *shape = t.shape();
  return {t.data_as<float>(), t.data_as<float>() + t.num_elements()};
}

TEST(DepthwiseConv2DFloat, MultiplierTwoHandWorked) {
  // Input 1x1x2x2: pixel0 = [1, 2], pixel1 = [3, 4]. Filter 1x2, C*M = 4:
  // tap0 = [1, 2, 3, 4], tap1 = [10, 20, 30, 40]. Output channel c*2+m reads input channel c:
  // o0 = 1*1 + 3*10 = 31, o1 = 1*2 + 3*20 = 62, o2 = 2*3 + 4*30 = 126, o3 = 2*4 + 4*40 = 168;
  // bias 1 each -> [32, 63, 127, 169]
  Shape s;
  auto y = run_dw(dw_attrs(1, 1, "valid"), make_tensor({1, 1, 2, 2}, {1, 2, 3, 4}),
                  make_tensor({1, 1, 2, 4}, {1, 2, 3, 4, 10, 20, 30, 40}),
                  constant(make_tensor({4}, {1, 1, 1, 1})), &s);
  EXPECT_EQ(s, Shape({1, 1, 1, 4}));
  EXPECT_EQ(y, (std::vector<float>{32, 63, 127, 169}));
}

TEST(DepthwiseConv2DFloat, SameKeepsChannelsApartAndRelu6) {
  // 1x1x3x2 input: ch0 = [1, 2, 3], ch1 = [-1, -2, -3]; 1x3 filter, ch0 taps [1, 1, 1],
  // ch1 taps [1, 0, 0]; SAME stride 1 pads one column each side.
  // ch0: [0+1+2, 1+2+3, 2+3+0] = [3, 6, 5] -> relu6 [3, 6, 5]
  // ch1: tap0 reads the left neighbour: [0, -1, -2] -> relu6 [0, 0, 0]
  auto y =
      run_dw(dw_attrs(1, 1, "same", "relu6"), make_tensor({1, 1, 3, 2}, {1, -1, 2, -2, 3, -3}),
             make_tensor({1, 1, 3, 2}, {1, 1, 1, 0, 1, 0}), absent_input());
  EXPECT_EQ(y, (std::vector<float>{3, 0, 6, 0, 5, 0}));
}

// Direct definition: y[b,i,j,c*M+m] = bias + sum_{a,e} x[b, i*s - pt + a*d, j*s - pl + e*d, c]
// * w[0, a, e, c*M+m], out-of-range positions reading zero.
std::vector<float> naive_dw(const std::vector<float>& x, const std::vector<float>& w,
                            const std::vector<float>& bias, int64_t n, int64_t h, int64_t wd,
                            int64_t ch, int64_t m, int64_t kh, int64_t kw, int64_t s, int64_t d,
                            bool same, int64_t* oh_out, int64_t* ow_out) {
  const int64_t eh = d * (kh - 1) + 1, ew = d * (kw - 1) + 1;
  const int64_t oh = same ? (h + s - 1) / s : (h - eh + s) / s;
  const int64_t ow = same ? (wd + s - 1) / s : (wd - ew + s) / s;
  const int64_t pt = same ? std::max<int64_t>(0, (oh - 1) * s + eh - h) / 2 : 0;
  const int64_t pl = same ? std::max<int64_t>(0, (ow - 1) * s + ew - wd) / 2 : 0;
  auto at = [&](int64_t b, int64_t i, int64_t j, int64_t c) -> double {
    if (i < 0 || i >= h || j < 0 || j >= wd) return 0.0;
    return x[static_cast<size_t>(((b * h + i) * wd + j) * ch + c)];
  };
  std::vector<float> y;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j)
        for (int64_t c = 0; c < ch; ++c)
          for (int64_t q = 0; q < m; ++q) {
            const int64_t o = c * m + q;
            double acc = bias.empty() ? 0.0 : bias[static_cast<size_t>(o)];
            for (int64_t a = 0; a < kh; ++a)
              for (int64_t e = 0; e < kw; ++e)
                acc += at(b, i * s - pt + a * d, j * s - pl + e * d, c) *
                       w[static_cast<size_t>((a * kw + e) * ch * m + o)];
            y.push_back(static_cast<float>(acc));
          }
  *oh_out = oh;
  *ow_out = ow;
  return y;
}

TEST(DepthwiseConv2DFloat, RandomShapesMatchNaive) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  auto fill = [&](size_t n) {
    std::vector<float> v(n);
    for (auto& e : v) e = dist(rng);
    return v;
  };
  struct Case {
    int64_t n, h, w, c, kh, kw;
  };
  const Case cases[] = {
      {2, 7, 6, 3, 3, 3}, {1, 9, 8, 5, 3, 2}, {1, 6, 7, 2, 5, 5}, {1, 4, 4, 8, 1, 1}};
  int checked = 0;
  for (const Case& k : cases)
    for (int64_t m : {1, 2, 3})
      for (int64_t stride : {1, 2})
        for (int64_t dilation : {1, 2})
          for (bool same : {true, false}) {
            if (!same && (k.h < dilation * (k.kh - 1) + 1 || k.w < dilation * (k.kw - 1) + 1))
              continue;
            auto x = fill(static_cast<size_t>(k.n * k.h * k.w * k.c));
            auto w = fill(static_cast<size_t>(k.kh * k.kw * k.c * m));
            auto bias =
                (stride + dilation) % 2 ? fill(static_cast<size_t>(k.c * m)) : std::vector<float>{};
            int64_t oh = 0, ow = 0;
            auto want = naive_dw(x, w, bias, k.n, k.h, k.w, k.c, m, k.kh, k.kw, stride, dilation,
                                 same, &oh, &ow);
            Shape s;
            auto got = run_dw(
                dw_attrs(stride, dilation, same ? "same" : "valid"),
                make_tensor({k.n, k.h, k.w, k.c}, x), make_tensor({1, k.kh, k.kw, k.c * m}, w),
                bias.empty() ? absent_input() : constant(make_tensor({k.c * m}, bias)), &s);
            ASSERT_EQ(s, Shape({k.n, oh, ow, k.c * m}));
            ASSERT_EQ(got.size(), want.size());
            for (size_t i = 0; i < got.size(); ++i)
              ASSERT_NEAR(got[i], want[i], 1e-4)
                  << "h=" << k.h << " w=" << k.w << " m=" << m << " stride=" << stride
                  << " dilation=" << dilation << " same=" << same << " at " << i;
            ++checked;
          }
  EXPECT_GT(checked, 60);
}

TEST(DepthwiseConv2DFloat, Int32IsUnsupported) {
  auto r = testing::factory_status(
      make_depthwise_conv2d_float, OpKind::kConv, dw_attrs(1, 1, "valid"),
      {{make_typed<int32_t>({1, 1, 1, 1}, {1})}, constant(make_typed<int32_t>({1, 1, 1, 1}, {1}))},
      {{DType::kInt32}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace outpost
