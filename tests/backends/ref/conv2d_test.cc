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

// TFLite's CONV_2D as imported: a channels-last Conv with OHWI weights.
Attributes conv_attrs(int64_t stride, int64_t dilation, const std::string& padding,
                      const std::string& activation = "none") {
  return testing::nhwc_conv_attrs(stride, dilation, padding, activation);
}

OpInput constant(Tensor t) {
  OpInput in{std::move(t)};
  in.constant = true;
  return in;
}

std::vector<float> run_conv(const Attributes& attrs, Tensor x, Tensor w, OpInput bias,
                            Shape* shape = nullptr) {
  auto r = run_op(OpKind::kConv, attrs, {{std::move(x)}, constant(std::move(w)), std::move(bias)},
                  {{}});
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  if (!r.is_ok()) return {};
  const Tensor& t = r.value()[0];
  if (shape) *shape = t.shape();
  return {t.data_as<float>(), t.data_as<float>() + t.num_elements()};
}

TEST(Conv2DFloat, Valid2x2WithBias) {
  // x = [[1,2,3],[4,5,6],[7,8,9]], w = [[1,0],[0,1]], bias 1:
  // out(i,j) = x(i,j) + x(i+1,j+1) + 1 -> [[1+5+1, 2+6+1], [4+8+1, 5+9+1]] = [[7,9],[13,15]]
  Shape s;
  auto y =
      run_conv(conv_attrs(1, 1, "valid"), make_tensor({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9}),
               make_tensor({1, 2, 2, 1}, {1, 0, 0, 1}), constant(make_tensor({1}, {1})), &s);
  EXPECT_EQ(s, Shape({1, 2, 2, 1}));
  EXPECT_EQ(y, (std::vector<float>{7, 9, 13, 15}));
}

TEST(Conv2DFloat, SameStride2PadsBeforeByOne) {
  // 3x3 input 1..9, 3x3 all-ones filter, stride 2, SAME: out 2x2, total pad (2-1)*2+3-3 = 2,
  // before 1. out(0,0) = 1+2+4+5 = 12; (0,1) = 2+3+5+6 = 16; (1,0) = 4+5+7+8 = 24;
  // (1,1) = 5+6+8+9 = 28
  Shape s;
  auto y =
      run_conv(conv_attrs(2, 1, "same"), make_tensor({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9}),
               make_tensor({1, 3, 3, 1}, std::vector<float>(9, 1.0f)), absent_input(), &s);
  EXPECT_EQ(s, Shape({1, 2, 2, 1}));
  EXPECT_EQ(y, (std::vector<float>{12, 16, 24, 28}));
}

TEST(Conv2DFloat, ChannelsBiasAndRelu) {
  // x = [1, 2] (one pixel, 2 channels); filters [1,1], [2,-1], [0,3]; bias [0, 0, -7]
  // -> [3, 0, 6-7 = -1]; relu -> [3, 0, 0]
  auto y = run_conv(conv_attrs(1, 1, "valid", "relu"), make_tensor({1, 1, 1, 2}, {1, 2}),
                    make_tensor({3, 1, 1, 2}, {1, 1, 2, -1, 0, 3}),
                    constant(make_tensor({3}, {0, 0, -7})));
  EXPECT_EQ(y, (std::vector<float>{3, 0, 0}));
}

TEST(Conv2DFloat, Dilation2Valid) {
  // 1x5 row [1,2,3,4,5], 1x2 filter [1,10] dilated by 2 reads x[j] and x[j+2]:
  // [1+30, 2+40, 3+50] = [31, 42, 53]
  Shape s;
  auto y = run_conv(conv_attrs(1, 2, "valid"), make_tensor({1, 1, 5, 1}, {1, 2, 3, 4, 5}),
                    make_tensor({1, 1, 2, 1}, {1, 10}), absent_input(), &s);
  EXPECT_EQ(s, Shape({1, 1, 3, 1}));
  EXPECT_EQ(y, (std::vector<float>{31, 42, 53}));
}

// Direct definition: y[b,i,j,o] = bias[o] + sum_{a,c,k} xpad[b, i*s + a*d, j*s + c*d, k] *
// w[o,a,c,k], with xpad the input placed at (pad_top, pad_left) inside zeros.
std::vector<float> naive_conv(const std::vector<float>& x, const std::vector<float>& w,
                              const std::vector<float>& bias, int64_t n, int64_t h, int64_t wd,
                              int64_t ci, int64_t co, int64_t kh, int64_t kw, int64_t s, int64_t d,
                              bool same, int64_t* oh_out, int64_t* ow_out) {
  const int64_t eh = d * (kh - 1) + 1, ew = d * (kw - 1) + 1;
  const int64_t oh = same ? (h + s - 1) / s : (h - eh + s) / s;
  const int64_t ow = same ? (wd + s - 1) / s : (wd - ew + s) / s;
  const int64_t pt = same ? std::max<int64_t>(0, (oh - 1) * s + eh - h) / 2 : 0;
  const int64_t pl = same ? std::max<int64_t>(0, (ow - 1) * s + ew - wd) / 2 : 0;
  const int64_t ph = h + 2 * eh, pw = wd + 2 * ew;  // generous zero border
  std::vector<double> xpad(static_cast<size_t>(n * ph * pw * ci), 0.0);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < wd; ++j)
        for (int64_t k = 0; k < ci; ++k)
          xpad[static_cast<size_t>(((b * ph + i + pt) * pw + j + pl) * ci + k)] =
              x[static_cast<size_t>(((b * h + i) * wd + j) * ci + k)];
  std::vector<float> y;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j)
        for (int64_t o = 0; o < co; ++o) {
          double acc = bias.empty() ? 0.0 : bias[static_cast<size_t>(o)];
          for (int64_t a = 0; a < kh; ++a)
            for (int64_t c = 0; c < kw; ++c)
              for (int64_t k = 0; k < ci; ++k)
                acc += xpad[static_cast<size_t>(
                           ((b * ph + i * s + a * d) * pw + j * s + c * d) * ci + k)] *
                       w[static_cast<size_t>(((o * kh + a) * kw + c) * ci + k)];
          y.push_back(static_cast<float>(acc));
        }
  *oh_out = oh;
  *ow_out = ow;
  return y;
}

TEST(Conv2DFloat, RandomShapesMatchNaive) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  auto fill = [&](size_t n) {
    std::vector<float> v(n);
    for (auto& e : v) e = dist(rng);
    return v;
  };
  struct Case {
    int64_t n, h, w, ci, co, kh, kw;
  };
  const Case cases[] = {
      {2, 7, 6, 3, 4, 3, 2}, {1, 9, 9, 2, 5, 3, 3}, {1, 5, 8, 1, 2, 1, 1}, {1, 8, 5, 4, 3, 2, 3}};
  int checked = 0;
  for (const Case& k : cases)
    for (int64_t stride : {1, 2})
      for (int64_t dilation : {1, 2})
        for (bool same : {true, false})
          for (bool with_bias : {true, false}) {
            if (!same && (k.h < dilation * (k.kh - 1) + 1 || k.w < dilation * (k.kw - 1) + 1))
              continue;
            auto x = fill(static_cast<size_t>(k.n * k.h * k.w * k.ci));
            auto w = fill(static_cast<size_t>(k.co * k.kh * k.kw * k.ci));
            auto bias = with_bias ? fill(static_cast<size_t>(k.co)) : std::vector<float>{};
            int64_t oh = 0, ow = 0;
            auto want = naive_conv(x, w, bias, k.n, k.h, k.w, k.ci, k.co, k.kh, k.kw, stride,
                                   dilation, same, &oh, &ow);
            Shape s;
            auto got = run_conv(
                conv_attrs(stride, dilation, same ? "same" : "valid"),
                make_tensor({k.n, k.h, k.w, k.ci}, x), make_tensor({k.co, k.kh, k.kw, k.ci}, w),
                with_bias ? constant(make_tensor({k.co}, bias)) : absent_input(), &s);
            ASSERT_EQ(s, Shape({k.n, oh, ow, k.co}));
            ASSERT_EQ(got.size(), want.size());
            for (size_t i = 0; i < got.size(); ++i)
              ASSERT_NEAR(got[i], want[i], 1e-4)
                  << "h=" << k.h << " w=" << k.w << " stride=" << stride << " dilation=" << dilation
                  << " same=" << same << " at " << i;
            ++checked;
          }
  EXPECT_GT(checked, 50);
}

TEST(Conv2DFloat, Int32IsUnsupported) {
  auto r = testing::factory_status(
      make_conv2d_float, OpKind::kConv, conv_attrs(1, 1, "valid"),
      {{make_typed<int32_t>({1, 1, 1, 1}, {1})}, constant(make_typed<int32_t>({1, 1, 1, 1}, {1}))},
      {{DType::kInt32}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kUnsupported);
}

// A Conv's bias has its input's dtype unless the input is quantized (then int32): shape
// inference refuses the rest as a type mismatch before any kernel is asked.
TEST(Conv2DFloat, FloatInputWithInt32BiasIsATypeMismatch) {
  auto r = testing::factory_status(make_conv2d_float, OpKind::kConv, conv_attrs(1, 1, "valid"),
                                   {{make_tensor({1, 1, 1, 1}, {1})},
                                    constant(make_tensor({1, 1, 1, 1}, {1})),
                                    constant(make_typed<int32_t>({1}, {1}))},
                                   {{}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kShapeMismatch) << r.message();
}

}  // namespace
}  // namespace outpost
