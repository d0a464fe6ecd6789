// Quantized DepthwiseConv2D: a hand-worked depth-multiplier case and agreement with a float
// depthwise convolution of the dequantized tensors on random shapes.
#include <gtest/gtest.h>

#include "backends/ref/quantized_test_util.h"

namespace outpost {
namespace {

using namespace qtest;  // NOLINT: test helpers
using testing::make_typed;

// TFLite's DEPTHWISE_CONV_2D over `channels` input channels as imported.
Attributes dw_attrs(int64_t channels, int64_t stride, int64_t dilation, const std::string& padding,
                    const std::string& activation = "none") {
  return testing::nhwc_depthwise_attrs(channels, stride, dilation, padding, activation);
}

TEST(DepthwiseConv2DQuantized, Uint8DepthMultiplierTwo) {
  // x = [130, 120] (scale 1, zp 128) -> steps [2, -8]; w = [129, 127, 130, 128] (zp 128) ->
  // steps [1, -1, 2, 0]; output channel c*2+m reads input channel c:
  // [2*1, 2*-1, -8*2, -8*0] = [2, -2, -16, 0], + bias [0, 0, 0, 6] -> [2, -2, -16, 6].
  // Multiplier 1 * 0.5 / 0.5 = 1; + zp 100 -> [102, 98, 84, 106].
  auto y = run_quantized<uint8_t>(
      OpKind::kConv, dw_attrs(2, 1, 1, "valid"),
      {{make_typed<uint8_t>({1, 1, 1, 2}, {130, 120}, qp(1.0f, 128))},
       constant(make_typed<uint8_t>({1, 1, 1, 4}, {129, 127, 130, 128}, qp(0.5f, 128))),
       constant(make_typed<int32_t>({4}, {0, 0, 0, 6}))},
      qp(0.5f, 100));
  EXPECT_EQ(y, (std::vector<uint8_t>{102, 98, 84, 106}));
}

TEST(DepthwiseConv2DQuantized, Int8PerChannelSamePadding) {
  // 2x2 input, one channel, steps from zp 0: [1,2,3,4]; 3x3 filter all ones except centre 2,
  // SAME stride 1 pads one on each side. out(0,0) = 2*1 + 2 + 3 + 4 = 11 (centre weight on x00);
  // out(1,1) = 1 + 2 + 3 + 2*4 = 14. Channel scale 0.5, input 1, output 1: multiplier 0.5:
  // 11 * 0.5 = 5.5 -> 6 (tie up), 14 * 0.5 = 7.
  auto y =
      run_quantized<int8_t>(OpKind::kConv, dw_attrs(1, 1, 1, "same"),
                            {{make_typed<int8_t>({1, 2, 2, 1}, {1, 2, 3, 4}, qp(1.0f, 0))},
                             constant(make_typed<int8_t>({1, 3, 3, 1}, {1, 1, 1, 1, 2, 1, 1, 1, 1},
                                                         per_channel({0.5f}, 3))),
                             testing::absent_input()},
                            qp(1.0f, 0));
  // out(0,1) = 1 + 2*2 + 3 + 4 = 12 -> 6; out(1,0) = 1 + 2 + 2*3 + 4 = 13 -> 6.5 -> 7.
  EXPECT_EQ(y, (std::vector<int8_t>{6, 6, 7, 7}));
}

struct DwCase {
  int64_t h, w, cin, mult, k, stride, dilation;
  const char* padding;
  const char* activation;
};

template <typename T>
void check_against_float(const DwCase& c, uint32_t seed) {
  std::mt19937 rng(seed);
  const bool is_u8 = std::is_same_v<T, uint8_t>;
  const int64_t cout = c.cin * c.mult;
  const QuantParams xq = is_u8 ? qp(0.05f, 128) : qp(0.05f, -128);
  std::vector<float> w_scales(static_cast<size_t>(cout));
  std::uniform_real_distribution<float> scale_dist(0.005f, 0.03f);
  for (auto& s : w_scales) s = scale_dist(rng);
  const QuantParams wq = is_u8 ? qp(0.02f, 120) : per_channel(w_scales, 3);
  const QuantParams yq = is_u8 ? qp(0.05f, 90) : qp(0.05f, -10);
  const auto x = random_values<T>(static_cast<size_t>(c.h * c.w * c.cin), rng);
  const auto w = random_values<T>(static_cast<size_t>(c.k * c.k * cout), rng);
  std::vector<int32_t> bias(static_cast<size_t>(cout));
  std::uniform_int_distribution<int32_t> bias_dist(-2000, 2000);
  for (auto& b : bias) b = bias_dist(rng);

  Shape shape;
  auto y = run_quantized<T>(OpKind::kConv,
                            dw_attrs(c.cin, c.stride, c.dilation, c.padding, c.activation),
                            {{make_typed<T>({1, c.h, c.w, c.cin}, x, xq)},
                             constant(make_typed<T>({1, c.k, c.k, cout}, w, wq)),
                             constant(make_typed<int32_t>({cout}, bias))},
                            yq, &shape);
  ASSERT_EQ(shape.rank(), 4u);
  const int64_t oh = shape[1], ow = shape[2];
  const int64_t eff = (c.k - 1) * c.dilation + 1;
  const bool same = std::string(c.padding) == "same";
  const int64_t pad_top = same ? std::max<int64_t>((oh - 1) * c.stride + eff - c.h, 0) / 2 : 0;
  const int64_t pad_left = same ? std::max<int64_t>((ow - 1) * c.stride + eff - c.w, 0) / 2 : 0;
  std::vector<int> want;
  for (int64_t oy = 0; oy < oh; ++oy)
    for (int64_t ox = 0; ox < ow; ++ox)
      for (int64_t oc = 0; oc < cout; ++oc) {
        const int64_t ic = oc / c.mult;
        const double w_scale = wq.scale[wq.scale.size() > 1 ? static_cast<size_t>(oc) : 0];
        double acc = bias[static_cast<size_t>(oc)] * static_cast<double>(xq.scale[0]) * w_scale;
        for (int64_t ky = 0; ky < c.k; ++ky)
          for (int64_t kx = 0; kx < c.k; ++kx) {
            const int64_t iy = oy * c.stride - pad_top + ky * c.dilation;
            const int64_t ix = ox * c.stride - pad_left + kx * c.dilation;
            if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
            const size_t xi = static_cast<size_t>((iy * c.w + ix) * c.cin + ic);
            const size_t wi = static_cast<size_t>((ky * c.k + kx) * cout + oc);
            acc += dequantize(x, xi, xq) * dequantize(w, wi, wq, cout, 1);
          }
        want.push_back(expected_q<T>(acc, yq, c.activation));
      }
  expect_within(y, want);
}

const DwCase kCases[] = {
    {7, 7, 3, 1, 3, 2, 1, "same", "relu6"}, {8, 6, 4, 2, 3, 1, 1, "valid", "none"},
    {9, 9, 2, 1, 3, 1, 2, "same", "relu"},  {5, 6, 8, 1, 3, 2, 1, "valid", "none"},
    {6, 6, 1, 3, 2, 2, 1, "same", "none"},
};

TEST(DepthwiseConv2DQuantized, Uint8MatchesFloatWithinOneStep) {
  uint32_t seed = 7;
  for (const auto& c : kCases) check_against_float<uint8_t>(c, seed++);
}

TEST(DepthwiseConv2DQuantized, Int8PerChannelMatchesFloatWithinOneStep) {
  uint32_t seed = 70;
  for (const auto& c : kCases) check_against_float<int8_t>(c, seed++);
}

}  // namespace
}  // namespace outpost
