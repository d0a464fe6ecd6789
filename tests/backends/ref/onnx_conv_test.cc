// ONNX Conv and ConvTranspose (reference kernels) against plain loops written here from the
// ONNX definitions: grouped, dilated, strided, asymmetrically padded, 1-D, 2-D and 3-D.
#include <gtest/gtest.h>

#include <random>
#include <cmath>
#include <vector>

#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::absent_input;
using testing::make_tensor;
using testing::OpInput;
using testing::run_op;

std::vector<float> random_values(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

struct Conv2dCase {
  int64_t n = 1, c = 1, h = 1, w = 1, m = 1, kh = 1, kw = 1, group = 1;
  int64_t sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0, pb = 0, pr = 0;
};

// y[n, m, oh, ow] = b[m] + sum over the group's channels and the kernel of x * w, where the input
// position is oh * s + k * d - pad_begin (outside the input: zero).
std::vector<float> naive_conv2d(const Conv2dCase& p, const std::vector<float>& x,
                                const std::vector<float>& w, const std::vector<float>& b,
                                int64_t* oh_out, int64_t* ow_out) {
  const int64_t oh = (p.h + p.pt + p.pb - ((p.kh - 1) * p.dh + 1)) / p.sh + 1;
  const int64_t ow = (p.w + p.pl + p.pr - ((p.kw - 1) * p.dw + 1)) / p.sw + 1;
  *oh_out = oh;
  *ow_out = ow;
  const int64_t cg = p.c / p.group, mg = p.m / p.group;
  std::vector<float> y(static_cast<size_t>(p.n * p.m * oh * ow));
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t m = 0; m < p.m; ++m)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double acc = b.empty() ? 0.0 : b[static_cast<size_t>(m)];
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t ki = 0; ki < p.kh; ++ki)
              for (int64_t kj = 0; kj < p.kw; ++kj) {
                const int64_t ih = i * p.sh + ki * p.dh - p.pt, iw = j * p.sw + kj * p.dw - p.pl;
                if (ih < 0 || ih >= p.h || iw < 0 || iw >= p.w) continue;
                const int64_t ic = (m / mg) * cg + c;
                acc += static_cast<double>(
                           x[static_cast<size_t>(((n * p.c + ic) * p.h + ih) * p.w + iw)]) *
                       w[static_cast<size_t>(((m * cg + c) * p.kh + ki) * p.kw + kj)];
              }
          y[static_cast<size_t>(((n * p.m + m) * oh + i) * ow + j)] = static_cast<float>(acc);
        }
  return y;
}

void expect_near_all(const std::vector<float>& got, const float* want, size_t n) {
  ASSERT_EQ(got.size(), n);
  for (size_t i = 0; i < n; ++i) EXPECT_NEAR(got[i], want[i], 1e-4f) << "element " << i;
}

Result<std::vector<Tensor>> run_conv(OpKind op, const Attributes& a, Tensor x, Tensor w,
                                     const std::vector<float>& b) {
  OpInput bias = absent_input();
  if (!b.empty()) bias = OpInput{make_tensor(Shape{static_cast<int64_t>(b.size())}, b)};
  return run_op(op, a, {{std::move(x)}, {std::move(w), true}, bias}, {{}});
}

TEST(OnnxConv, GroupedDilatedStridedPadded2D) {
  Conv2dCase p;
  p.n = 2, p.c = 4, p.h = 7, p.w = 6, p.m = 6, p.kh = 3, p.kw = 2, p.group = 2;
  p.sh = 1, p.sw = 2, p.dh = 2, p.dw = 1, p.pt = 1, p.pl = 0, p.pb = 2, p.pr = 1;
  const auto x = random_values(static_cast<size_t>(p.n * p.c * p.h * p.w), 1);
  const auto w = random_values(static_cast<size_t>(p.m * (p.c / p.group) * p.kh * p.kw), 2);
  const auto b = random_values(static_cast<size_t>(p.m), 3);
  Attributes a;
  a.set("group", p.group);
  a.set("strides", std::vector<int64_t>{p.sh, p.sw});
  a.set("dilations", std::vector<int64_t>{p.dh, p.dw});
  a.set("pads", std::vector<int64_t>{p.pt, p.pl, p.pb, p.pr});
  auto r = run_conv(OpKind::kConv, a, make_tensor(Shape{p.n, p.c, p.h, p.w}, x),
                    make_tensor(Shape{p.m, p.c / p.group, p.kh, p.kw}, w), b);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  int64_t oh = 0, ow = 0;
  const auto want = naive_conv2d(p, x, w, b, &oh, &ow);
  EXPECT_EQ((*r)[0].shape(), (Shape{p.n, p.m, oh, ow}));
  std::vector<float> got((*r)[0].data_as<float>(), (*r)[0].data_as<float>() + want.size());
  expect_near_all(got, want.data(), want.size());
}

TEST(OnnxConv, AFusedSwishIsAppliedAfterTheBias) {
  // ir/passes/activation_fusion folds x * sigmoid(x) into a Conv as `swish` = 1.
  Conv2dCase p;
  p.n = 1, p.c = 2, p.h = 4, p.w = 3, p.m = 3, p.kh = 3, p.kw = 3, p.group = 1;
  p.pt = p.pl = p.pb = p.pr = 1;
  const auto x = random_values(24, 6);
  const auto w = random_values(54, 7);
  const auto b = random_values(3, 8);
  Attributes a;
  a.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  a.set("swish", int64_t{1});
  auto r = run_conv(OpKind::kConv, a, make_tensor(Shape{1, 2, 4, 3}, x),
                    make_tensor(Shape{3, 2, 3, 3}, w), b);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  int64_t oh = 0, ow = 0;
  auto want = naive_conv2d(p, x, w, b, &oh, &ow);
  for (float& v : want) v = v / (1.0f + std::exp(-v));
  std::vector<float> got((*r)[0].data_as<float>(), (*r)[0].data_as<float>() + want.size());
  expect_near_all(got, want.data(), want.size());
}

TEST(OnnxConv, DepthwiseSameLowerMatchesExplicitPads) {
  // SAME_LOWER with stride 2 on 5 columns, kernel 4: output 3, total pad 3, 2 before, 1 after.
  Conv2dCase p;
  p.n = 1, p.c = 3, p.h = 5, p.w = 5, p.m = 3, p.kh = 4, p.kw = 4, p.group = 3;
  p.sh = 2, p.sw = 2, p.pt = 2, p.pl = 2, p.pb = 1, p.pr = 1;
  const auto x = random_values(75, 4);
  const auto w = random_values(48, 5);
  Attributes a;
  a.set("group", int64_t{3});
  a.set("strides", std::vector<int64_t>{2, 2});
  a.set("auto_pad", std::string("SAME_LOWER"));
  auto r = run_conv(OpKind::kConv, a, make_tensor(Shape{1, 3, 5, 5}, x),
                    make_tensor(Shape{3, 1, 4, 4}, w), {});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  int64_t oh = 0, ow = 0;
  const auto want = naive_conv2d(p, x, w, {}, &oh, &ow);
  EXPECT_EQ((*r)[0].shape(), (Shape{1, 3, 3, 3}));
  std::vector<float> got((*r)[0].data_as<float>(), (*r)[0].data_as<float>() + want.size());
  expect_near_all(got, want.data(), want.size());
}

TEST(OnnxConv, OneDimensionalIsTwoDimensionalWithHeightOne) {
  Conv2dCase p;
  p.c = 2, p.w = 9, p.m = 3, p.kw = 3, p.sw = 2, p.dw = 2, p.pl = 2, p.pr = 1;
  const auto x = random_values(18, 6);
  const auto w = random_values(18, 7);
  Attributes a;
  a.set("strides", std::vector<int64_t>{2});
  a.set("dilations", std::vector<int64_t>{2});
  a.set("pads", std::vector<int64_t>{2, 1});
  auto r = run_conv(OpKind::kConv, a, make_tensor(Shape{1, 2, 9}, x),
                    make_tensor(Shape{3, 2, 3}, w), {});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  int64_t oh = 0, ow = 0;
  const auto want = naive_conv2d(p, x, w, {}, &oh, &ow);
  EXPECT_EQ((*r)[0].shape(), (Shape{1, 3, ow}));
  std::vector<float> got((*r)[0].data_as<float>(), (*r)[0].data_as<float>() + want.size());
  expect_near_all(got, want.data(), want.size());
}

TEST(OnnxConv, ThreeDimensionalSumsTheWholeVolume) {
  // A 2x2x2 kernel of ones over a 2x2x2 input with no padding: one output, the sum.
  std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8};
  auto r = run_conv(OpKind::kConv, Attributes{}, make_tensor(Shape{1, 1, 2, 2, 2}, x),
                    make_tensor(Shape{1, 1, 2, 2, 2}, std::vector<float>(8, 1.0f)), {0.5f});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ((*r)[0].shape(), (Shape{1, 1, 1, 1, 1}));
  EXPECT_FLOAT_EQ((*r)[0].data_as<float>()[0], 36.5f);
}

TEST(OnnxConv, WeightChannelsMustMatchTheGroup) {
  Attributes a;
  a.set("group", int64_t{2});
  auto r = run_conv(OpKind::kConv, a, make_tensor(Shape{1, 4, 3, 3}, std::vector<float>(36)),
                    make_tensor(Shape{2, 4, 1, 1}, std::vector<float>(8)), {});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kShapeMismatch) << r.status().message();
}

// y[n, m, o] = b[m] + sum of x[n, c, i] * w[c, m, k] over i * s + k * d - pad_begin == o.
TEST(OnnxConvTranspose, OutputPaddingStridesPadsGroups) {
  const int64_t n = 1, c = 4, h = 3, w = 4, mg = 2, group = 2, kh = 3, kw = 2;
  const int64_t sh = 2, sw = 3, dh = 1, dw = 2, pt = 1, pl = 0, pb = 0, pr = 2, oph = 1, opw = 2;
  const int64_t oh = sh * (h - 1) + oph + (kh - 1) * dh + 1 - pt - pb;
  const int64_t ow = sw * (w - 1) + opw + (kw - 1) * dw + 1 - pl - pr;
  const auto x = random_values(static_cast<size_t>(n * c * h * w), 8);
  const auto wt = random_values(static_cast<size_t>(c * mg * kh * kw), 9);
  const auto b = random_values(static_cast<size_t>(mg * group), 10);
  const int64_t m = mg * group, cg = c / group;
  std::vector<float> want(static_cast<size_t>(n * m * oh * ow));
  for (int64_t oc = 0; oc < m; ++oc)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        double acc = b[static_cast<size_t>(oc)];
        for (int64_t cc = 0; cc < cg; ++cc) {
          const int64_t ic = (oc / mg) * cg + cc;
          for (int64_t ki = 0; ki < kh; ++ki)
            for (int64_t kj = 0; kj < kw; ++kj) {
              const int64_t ti = i + pt - ki * dh, tj = j + pl - kj * dw;
              if (ti < 0 || tj < 0 || ti % sh != 0 || tj % sw != 0) continue;
              if (ti / sh >= h || tj / sw >= w) continue;
              acc += static_cast<double>(x[static_cast<size_t>((ic * h + ti / sh) * w + tj / sw)]) *
                     wt[static_cast<size_t>(((ic * mg + oc % mg) * kh + ki) * kw + kj)];
            }
        }
        want[static_cast<size_t>((oc * oh + i) * ow + j)] = static_cast<float>(acc);
      }
  Attributes a;
  a.set("group", group);
  a.set("strides", std::vector<int64_t>{sh, sw});
  a.set("dilations", std::vector<int64_t>{dh, dw});
  a.set("pads", std::vector<int64_t>{pt, pl, pb, pr});
  a.set("output_padding", std::vector<int64_t>{oph, opw});
  auto r = run_conv(OpKind::kConvTranspose, a, make_tensor(Shape{n, c, h, w}, x),
                    make_tensor(Shape{c, mg, kh, kw}, wt), b);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ((*r)[0].shape(), (Shape{n, m, oh, ow}));
  std::vector<float> got((*r)[0].data_as<float>(), (*r)[0].data_as<float>() + want.size());
  expect_near_all(got, want.data(), want.size());
}

TEST(OnnxConvTranspose, OutputShapeLargerThanNaturalIsBiasPastTheEnd) {
  // 1-D, stride 2, kernel 2: natural output 4; output_shape 6 leaves two positions of bias.
  Attributes a;
  a.set("strides", std::vector<int64_t>{2});
  a.set("output_shape", std::vector<int64_t>{6});
  auto r = run_conv(OpKind::kConvTranspose, a, make_tensor(Shape{1, 1, 2}, {1, 2}),
                    make_tensor(Shape{1, 1, 2}, {10, 100}), {0.5f});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  ASSERT_EQ((*r)[0].shape(), (Shape{1, 1, 6}));
  const float want[] = {10.5f, 100.5f, 20.5f, 200.5f, 0.5f, 0.5f};
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ((*r)[0].data_as<float>()[i], want[i]);
}

}  // namespace
}  // namespace outpost
