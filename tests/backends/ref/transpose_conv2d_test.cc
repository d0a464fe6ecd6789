#include <gtest/gtest.h>

#include <random>

#include "backends/ref/float_factory_status.h"
#include "backends/ref/onnx_nn_kernel_factories.h"
#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::absent_input;
using testing::make_tensor;
using testing::make_typed;
using testing::OpInput;
using testing::run_op;

// TFLite's transpose convolution as its importer writes it: a channels-last ConvTranspose with
// OHWI weights, TFLite's SAME as SAME_UPPER.
Attributes tconv_attrs(int64_t stride_h, int64_t stride_w, const std::string& padding) {
  Attributes a;
  a.set("channels_last", int64_t{1});
  a.set("weights_layout", std::string("OHWI"));
  a.set("strides", std::vector<int64_t>{stride_h, stride_w});
  a.set("auto_pad", std::string(padding == "same" ? "SAME_UPPER" : "VALID"));
  return a;
}

OpInput constant(Tensor t) {
  OpInput in{std::move(t)};
  in.constant = true;
  return in;
}

std::vector<float> run_tconv(const Attributes& attrs, Tensor x, Tensor w, OpInput bias,
                             Shape* shape = nullptr) {
  auto r = run_op(OpKind::kConvTranspose, attrs,
                  {{std::move(x)}, constant(std::move(w)), std::move(bias)}, {{}});
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  if (!r.is_ok()) return {};
  const Tensor& t = r.value()[0];
  if (shape) *shape = t.shape();
  return {t.data_as<float>(), t.data_as<float>() + t.num_elements()};
}

TEST(TfliteConvTranspose, ValidStride2TilesTheFilter) {
  // x = [[1,2],[3,4]], w = [[1,2],[3,4]], stride 2, kernel 2: each input pixel v writes v*w into
  // its own 2x2 block of the 4x4 output (no overlap); bias 0.5.
  // rows: [1,2,2,4], [3,4,6,8], [3,6,4,8], [9,12,12,16], each + 0.5
  Shape s;
  auto y =
      run_tconv(tconv_attrs(2, 2, "valid"), make_tensor({1, 2, 2, 1}, {1, 2, 3, 4}),
                make_tensor({1, 2, 2, 1}, {1, 2, 3, 4}), constant(make_tensor({1}, {0.5f})), &s);
  EXPECT_EQ(s, Shape({1, 4, 4, 1}));
  const std::vector<float> want = {1, 2, 2, 4, 3, 4, 6, 8, 3, 6, 4, 8, 9, 12, 12, 16};
  ASSERT_EQ(y.size(), want.size());
  for (size_t i = 0; i < y.size(); ++i) EXPECT_FLOAT_EQ(y[i], want[i] + 0.5f) << i;
}

TEST(TfliteConvTranspose, ValidStride1Overlaps) {
  // Row x = [1, 2], filter [1, 10]: x0 writes [1, 10] at 0..1, x1 writes [2, 20] at 1..2
  // -> [1, 12, 20]
  Shape s;
  auto y = run_tconv(tconv_attrs(1, 1, "valid"), make_tensor({1, 1, 2, 1}, {1, 2}),
                     make_tensor({1, 1, 2, 1}, {1, 10}), absent_input(), &s);
  EXPECT_EQ(s, Shape({1, 1, 3, 1}));
  EXPECT_EQ(y, (std::vector<float>{1, 12, 20}));
}

TEST(TfliteConvTranspose, SameStride2Kernel3CropsTheEnd) {
  // in 2, stride 2 -> out 4; total = max(0, (2-1)*2 + 3 - 4) = 1, before = 0.
  // x0 = 1 writes [1,2,3] at 0..2; x1 = 2 writes [2,4,6] at 2..4 (4 is cropped)
  // -> [1, 2, 3+2, 4] = [1, 2, 5, 4]
  Shape s;
  auto y = run_tconv(tconv_attrs(1, 2, "same"), make_tensor({1, 1, 2, 1}, {1, 2}),
                     make_tensor({1, 1, 3, 1}, {1, 2, 3}), absent_input(), &s);
  EXPECT_EQ(s, Shape({1, 1, 4, 1}));
  EXPECT_EQ(y, (std::vector<float>{1, 2, 5, 4}));
}

TEST(TfliteConvTranspose, SameStride2Kernel4PadsBeforeByOne) {
  // total = max(0, 2 + 4 - 4) = 2, before = 1. x0 = 1 writes [1,2,3,4] at -1..2 -> out0..2 get
  // 2,3,4; x1 = 2 writes [2,4,6,8] at 1..4 -> out1..3 get 2,4,6.
  // -> [2, 3+2, 4+4, 6] = [2, 5, 8, 6]
  auto y = run_tconv(tconv_attrs(1, 2, "same"), make_tensor({1, 1, 2, 1}, {1, 2}),
                     make_tensor({1, 1, 4, 1}, {1, 2, 3, 4}), absent_input());
  EXPECT_EQ(y, (std::vector<float>{2, 5, 8, 6}));
}

TEST(TfliteConvTranspose, ChannelsMixLikeAConv) {
  // One pixel, Cin 2 = [1, 2]; Cout 2, 1x1 filters [3, 4] and [5, -6]; bias [1, 2]
  // -> [1 + 3 + 8, 2 + 5 - 12] = [12, -5]
  auto y = run_tconv(tconv_attrs(1, 1, "valid"), make_tensor({1, 1, 1, 2}, {1, 2}),
                     make_tensor({2, 1, 1, 2}, {3, 4, 5, -6}), constant(make_tensor({2}, {1, 2})));
  EXPECT_EQ(y, (std::vector<float>{12, -5}));
}

// Gather form, the converse of the kernel's scatter: output (i, j) collects every input (p, q)
// and tap (a, e) with p*s + a - pad == i and q*s + e - pad == j, found by solving for p and q.
std::vector<float> naive_tconv(const std::vector<float>& x, const std::vector<float>& w,
                               const std::vector<float>& bias, int64_t n, int64_t h, int64_t wd,
                               int64_t ci, int64_t co, int64_t kh, int64_t kw, int64_t sh,
                               int64_t sw, bool same, int64_t* oh_out, int64_t* ow_out) {
  const int64_t oh = same ? h * sh : (h - 1) * sh + kh;
  const int64_t ow = same ? wd * sw : (wd - 1) * sw + kw;
  const int64_t pt = std::max<int64_t>(0, (h - 1) * sh + kh - oh) / 2;
  const int64_t pl = std::max<int64_t>(0, (wd - 1) * sw + kw - ow) / 2;
  std::vector<float> y;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j)
        for (int64_t o = 0; o < co; ++o) {
          double acc = bias.empty() ? 0.0 : bias[static_cast<size_t>(o)];
          for (int64_t a = 0; a < kh; ++a) {
            const int64_t ty = i + pt - a;  // = p * sh
            if (ty < 0 || ty % sh != 0 || ty / sh >= h) continue;
            for (int64_t e = 0; e < kw; ++e) {
              const int64_t tx = j + pl - e;
              if (tx < 0 || tx % sw != 0 || tx / sw >= wd) continue;
              for (int64_t k = 0; k < ci; ++k)
                acc += static_cast<double>(
                           x[static_cast<size_t>(((b * h + ty / sh) * wd + tx / sw) * ci + k)]) *
                       w[static_cast<size_t>(((o * kh + a) * kw + e) * ci + k)];
            }
          }
          y.push_back(static_cast<float>(acc));
        }
  *oh_out = oh;
  *ow_out = ow;
  return y;
}

TEST(TfliteConvTranspose, RandomShapesMatchNaive) {
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  auto fill = [&](size_t n) {
    std::vector<float> v(n);
    for (auto& e : v) e = dist(rng);
    return v;
  };
  struct Case {
    int64_t n, h, w, ci, co, kh, kw;
  };
  const Case cases[] = {{2, 3, 4, 3, 2, 3, 2},
                        {1, 5, 5, 2, 4, 4, 4},
                        {1, 4, 3, 1, 1, 2, 2},
                        {1, 3, 3, 4, 3, 1, 1},
                        {1, 2, 5, 2, 2, 5, 3}};
  int checked = 0;
  for (const Case& k : cases)
    for (int64_t sh : {1, 2, 3})
      for (int64_t sw : {1, 2})
        for (bool same : {true, false}) {
          auto x = fill(static_cast<size_t>(k.n * k.h * k.w * k.ci));
          auto w = fill(static_cast<size_t>(k.co * k.kh * k.kw * k.ci));
          auto bias = sh == 2 ? std::vector<float>{} : fill(static_cast<size_t>(k.co));
          int64_t oh = 0, ow = 0;
          auto want = naive_tconv(x, w, bias, k.n, k.h, k.w, k.ci, k.co, k.kh, k.kw, sh, sw, same,
                                  &oh, &ow);
          Shape s;
          auto got = run_tconv(
              tconv_attrs(sh, sw, same ? "same" : "valid"), make_tensor({k.n, k.h, k.w, k.ci}, x),
              make_tensor({k.co, k.kh, k.kw, k.ci}, w),
              bias.empty() ? absent_input() : constant(make_tensor({k.co}, bias)), &s);
          ASSERT_EQ(s, Shape({k.n, oh, ow, k.co}));
          ASSERT_EQ(got.size(), want.size());
          for (size_t i = 0; i < got.size(); ++i)
            ASSERT_NEAR(got[i], want[i], 1e-4)
                << "h=" << k.h << " w=" << k.w << " k=" << k.kh << "x" << k.kw << " s=" << sh << ","
                << sw << " same=" << same << " at " << i;
          ++checked;
        }
  EXPECT_EQ(checked, 60);
}

TEST(TfliteConvTranspose, Int32IsUnsupported) {
  auto r = testing::factory_status(
      make_transpose_conv2d_float, OpKind::kConvTranspose, tconv_attrs(1, 1, "valid"),
      {{make_typed<int32_t>({1, 1, 1, 1}, {1})}, constant(make_typed<int32_t>({1, 1, 1, 1}, {1}))},
      {{DType::kInt32}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kUnsupported);
}

// The same convolution in ONNX's form: NCHW data, IOHW weights, the general kernel
// (onnx_conv_transpose.cc), which shares only the window (ir/onnx_window.h) with TFLite's. Strides,
// dilations, explicit pads and output_padding all reach the channels-last kernel through it.
TEST(TfliteConvTranspose, MatchesTheGeneralKernelOnOnnxsLayouts) {
  std::mt19937 rng(21);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  const int64_t n = 2, h = 3, w = 4, ci = 3, co = 5, kh = 3, kw = 2;
  std::vector<float> x(static_cast<size_t>(n * h * w * ci));
  std::vector<float> wt(static_cast<size_t>(co * kh * kw * ci));
  std::vector<float> bias(static_cast<size_t>(co));
  for (auto* v : {&x, &wt, &bias})
    for (float& e : *v) e = dist(rng);
  // x NHWC -> NCHW; weights OHWI [co, kh, kw, ci] -> IOHW [ci, co, kh, kw].
  std::vector<float> x_nchw(x.size()), w_iohw(wt.size());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < w; ++j)
        for (int64_t c = 0; c < ci; ++c)
          x_nchw[static_cast<size_t>(((b * ci + c) * h + i) * w + j)] =
              x[static_cast<size_t>(((b * h + i) * w + j) * ci + c)];
  for (int64_t o = 0; o < co; ++o)
    for (int64_t a = 0; a < kh; ++a)
      for (int64_t e = 0; e < kw; ++e)
        for (int64_t c = 0; c < ci; ++c)
          w_iohw[static_cast<size_t>(((c * co + o) * kh + a) * kw + e)] =
              wt[static_cast<size_t>(((o * kh + a) * kw + e) * ci + c)];
  struct Window {
    std::vector<int64_t> strides, dilations, pads, output_padding;
    std::string auto_pad;
  };
  const Window windows[] = {{{2, 1}, {1, 1}, {}, {}, "SAME_UPPER"},
                            {{1, 2}, {2, 1}, {}, {}, "VALID"},
                            {{2, 3}, {1, 2}, {1, 0, 2, 1}, {1, 2}, "NOTSET"}};
  for (const Window& win : windows) {
    Attributes onnx;
    onnx.set("strides", win.strides);
    onnx.set("dilations", win.dilations);
    onnx.set("auto_pad", win.auto_pad);
    if (!win.pads.empty()) onnx.set("pads", win.pads);
    if (!win.output_padding.empty()) onnx.set("output_padding", win.output_padding);
    Attributes tflite = onnx;
    tflite.set("channels_last", int64_t{1});
    tflite.set("weights_layout", std::string("OHWI"));
    auto want = run_op(OpKind::kConvTranspose, onnx,
                       {{make_tensor({n, ci, h, w}, x_nchw)},
                        constant(make_tensor({ci, co, kh, kw}, w_iohw)),
                        constant(make_tensor({co}, bias))},
                       {{}});
    auto got = run_op(OpKind::kConvTranspose, tflite,
                      {{make_tensor({n, h, w, ci}, x)}, constant(make_tensor({co, kh, kw, ci}, wt)),
                       constant(make_tensor({co}, bias))},
                      {{}});
    ASSERT_TRUE(want.is_ok()) << want.status().message();
    ASSERT_TRUE(got.is_ok()) << got.status().message();
    const Shape& ws = want.value()[0].shape();
    ASSERT_EQ(got.value()[0].shape(), Shape({ws[0], ws[2], ws[3], ws[1]})) << win.auto_pad;
    const float* a = want.value()[0].data_as<float>();
    const float* b = got.value()[0].data_as<float>();
    for (int64_t bi = 0; bi < ws[0]; ++bi)
      for (int64_t c = 0; c < ws[1]; ++c)
        for (int64_t i = 0; i < ws[2]; ++i)
          for (int64_t j = 0; j < ws[3]; ++j)
            ASSERT_NEAR(b[((bi * ws[2] + i) * ws[3] + j) * ws[1] + c],
                        a[((bi * ws[1] + c) * ws[2] + i) * ws[3] + j], 1e-5)
                << win.auto_pad << " at " << bi << "," << c << "," << i << "," << j;
  }
}

// Each kernel declines the other's form, so the registry never runs one on weights it would
// misread.
TEST(TfliteConvTranspose, EachKernelDeclinesTheOthersForm) {
  const std::vector<float> ones(12, 1.0f);
  const std::vector<OpInput> nhwc = {{make_tensor({1, 2, 2, 3}, ones)},
                                     constant(make_tensor({4, 1, 1, 3}, ones))};
  const std::vector<OpInput> nchw = {{make_tensor({1, 3, 2, 2}, ones)},
                                     constant(make_tensor({3, 4, 1, 1}, ones))};
  Status tflite_on_onnx = testing::factory_status(
      make_transpose_conv2d_float, OpKind::kConvTranspose, Attributes{}, nchw, {{}});
  EXPECT_EQ(tflite_on_onnx.code(), StatusCode::kUnsupported) << tflite_on_onnx.message();
  Status onnx_on_tflite = testing::factory_status(make_onnx_conv_transpose, OpKind::kConvTranspose,
                                                  tconv_attrs(1, 1, "valid"), nhwc, {{}});
  EXPECT_EQ(onnx_on_tflite.code(), StatusCode::kUnsupported) << onnx_on_tflite.message();
  EXPECT_NE(onnx_on_tflite.message().find("IOHW"), std::string::npos) << onnx_on_tflite.message();
  // Both accept their own.
  EXPECT_TRUE(testing::factory_status(make_transpose_conv2d_float, OpKind::kConvTranspose,
                                      tconv_attrs(1, 1, "valid"), nhwc, {{}})
                  .is_ok());
  EXPECT_TRUE(testing::factory_status(make_onnx_conv_transpose, OpKind::kConvTranspose,
                                      Attributes{}, nchw, {{}})
                  .is_ok());
}

// The importer's two attributes are checked where they are read: a layout the op does not have,
// and OHWI weights with groups.
TEST(TfliteConvTranspose, ALayoutOrGroupItCannotHaveIsInvalid) {
  Attributes bad_layout = tconv_attrs(1, 1, "valid");
  bad_layout.set("weights_layout", std::string("OIHW"));
  auto r = run_op(OpKind::kConvTranspose, bad_layout,
                  {{make_tensor({1, 2, 2, 3}, std::vector<float>(12, 1.0f))},
                   constant(make_tensor({4, 1, 1, 3}, std::vector<float>(12, 1.0f)))},
                  {{}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("neither IOHW nor OHWI"), std::string::npos)
      << r.status().message();
  Attributes grouped = tconv_attrs(1, 1, "valid");
  grouped.set("group", int64_t{3});
  r = run_op(OpKind::kConvTranspose, grouped,
             {{make_tensor({1, 2, 2, 3}, std::vector<float>(12, 1.0f))},
              constant(make_tensor({3, 1, 1, 3}, std::vector<float>(9, 1.0f)))},
             {{}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("one group"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace outpost
