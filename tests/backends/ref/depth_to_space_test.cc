// DepthToSpace: TFLite's NHWC DCR kernel (depth_to_space.cc), which the registry offers the
// channels-last nodes, and the general NCHW kernel (onnx_transpose.cc) that runs the others.
#include <gtest/gtest.h>

#include <random>

#include "backends/ref/float_factory_status.h"
#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::make_typed;
using testing::run_op;

// DepthToSpace as TFLite's DEPTH_TO_SPACE imports (channels-last, DCR), or NCHW.
Attributes block(int64_t size, bool channels_last = true, const std::string& mode = "DCR") {
  Attributes a;
  a.set("blocksize", size);
  a.set("mode", mode);
  a.set("channels_last", int64_t{channels_last});
  return a;
}

TEST(DepthToSpace, OnePixelFourChannels) {
  // TFLite's example: [1,1,1,4] = [1,2,3,4], block 2 -> [1,2,2,1] = [[1,2],[3,4]]
  auto r =
      run_op(OpKind::kDepthToSpace, block(2), {{make_tensor({1, 1, 1, 4}, {1, 2, 3, 4})}}, {{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r.value()[0].shape(), Shape({1, 2, 2, 1}));
  const float* y = r.value()[0].data_as<float>();
  EXPECT_EQ(std::vector<float>(y, y + 4), (std::vector<float>{1, 2, 3, 4}));
}

TEST(DepthToSpace, TwoByTwoPixels) {
  // input[h][w][k] = 10*(h*2 + w) + k, block 2, C_out 1: output[h*2+i][w*2+j] =
  // input[h][w][i*2+j]. Row 0 (h0,i0): [0,1,10,11]; row 1 (h0,i1): [2,3,12,13];
  // row 2 (h1,i0): [20,21,30,31]; row 3: [22,23,32,33]
  std::vector<float> x;
  for (int p = 0; p < 4; ++p)
    for (int k = 0; k < 4; ++k) x.push_back(static_cast<float>(10 * p + k));
  auto r = run_op(OpKind::kDepthToSpace, block(2), {{make_tensor({1, 2, 2, 4}, x)}}, {{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const float* y = r.value()[0].data_as<float>();
  EXPECT_EQ(std::vector<float>(y, y + 16),
            (std::vector<float>{0, 1, 10, 11, 2, 3, 12, 13, 20, 21, 30, 31, 22, 23, 32, 33}));
}

TEST(DepthToSpace, Block3WithChannelsMatchesDefinition) {
  // Batch 2, 2x3 pixels, block 3, C_out 2 (18 input channels), unique values.
  const int64_t n = 2, h = 2, w = 3, bs = 3, co = 2, ci = bs * bs * co;
  std::vector<int32_t> x(static_cast<size_t>(n * h * w * ci));
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<int32_t>(i);
  auto r = run_op(OpKind::kDepthToSpace, block(bs), {{make_typed<int32_t>({n, h, w, ci}, x)}},
                  {{DType::kInt32}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  ASSERT_EQ(r.value()[0].shape(), Shape({n, h * bs, w * bs, co}));
  const int32_t* y = r.value()[0].data_as<int32_t>();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oy = 0; oy < h * bs; ++oy)
      for (int64_t ox = 0; ox < w * bs; ++ox)
        for (int64_t c = 0; c < co; ++c) {
          const int64_t src =
              ((b * h + oy / bs) * w + ox / bs) * ci + ((oy % bs) * bs + ox % bs) * co + c;
          ASSERT_EQ(y[((b * h * bs + oy) * w * bs + ox) * co + c], x[static_cast<size_t>(src)])
              << b << " " << oy << " " << ox << " " << c;
        }
}

TEST(DepthToSpace, Uint8WithEqualParameters) {
  QuantParams q{{0.1f}, {3}, 0};
  auto r = run_op(OpKind::kDepthToSpace, block(2),
                  {{make_typed<uint8_t>({1, 1, 1, 4}, {9, 8, 7, 6}, q)}}, {{DType::kUInt8, q}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const uint8_t* y = r.value()[0].data_as<uint8_t>();
  EXPECT_EQ(std::vector<uint8_t>(y, y + 4), (std::vector<uint8_t>{9, 8, 7, 6}));
}

TEST(DepthToSpace, DtypeChangeIsAnInvalidModel) {
  // A model that says int32 out of float32 in is refused by shape inference, never silently
  // read as float32 nor written past an int32 buffer.
  auto r = testing::factory_status(make_depth_to_space, OpKind::kDepthToSpace, block(2),
                                   {{make_tensor({1, 1, 1, 4}, {1, 2, 3, 4})}}, {{DType::kInt32}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kInvalidModel);
  EXPECT_NE(r.message().find("as int32, but DepthToSpace of float32 gives float32"),
            std::string::npos)
      << r.message();
}

TEST(DepthToSpace, QuantizationChangeIsUnsupported) {
  auto r = testing::factory_status(
      make_depth_to_space, OpKind::kDepthToSpace, block(2),
      {{make_typed<uint8_t>({1, 1, 1, 4}, {9, 8, 7, 6}, QuantParams{{0.1f}, {3}, 0})}},
      {{DType::kUInt8, QuantParams{{0.2f}, {3}, 0}}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kUnsupported);
}

TEST(DepthToSpace, NchwIsTheGeneralKernels) {
  auto declined =
      testing::factory_status(make_depth_to_space, OpKind::kDepthToSpace, block(2, false),
                              {{make_tensor({1, 4, 1, 1}, {1, 2, 3, 4})}}, {{}});
  EXPECT_EQ(declined.code(), StatusCode::kUnsupported) << declined.message();
  // ONNX's DCR example in small: channels [1, 2, 3, 4] of one pixel -> [[1, 2], [3, 4]].
  auto r = run_op(OpKind::kDepthToSpace, block(2, false),
                  {{make_tensor({1, 4, 1, 1}, {1, 2, 3, 4})}}, {{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r.value()[0].shape(), Shape({1, 1, 2, 2}));
  const float* y = r.value()[0].data_as<float>();
  EXPECT_EQ(std::vector<float>(y, y + 4), (std::vector<float>{1, 2, 3, 4}));
}

TEST(DepthToSpace, ChannelsLastIsNchwOnNhwcMemory) {
  // The same op on the same logical tensor: NHWC in and out with channels_last = 1 (TFLite's
  // kernel), NCHW otherwise (the general kernel).
  const int64_t n = 2, c = 8, h = 3, w = 4, bs = 2;
  std::mt19937 rng(7);
  std::vector<float> nchw(static_cast<size_t>(n * c * h * w)), nhwc(nchw.size());
  for (auto& v : nchw) v = static_cast<float>(rng() % 1000);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x)
          nhwc[static_cast<size_t>(((b * h + y) * w + x) * c + ch)] =
              nchw[static_cast<size_t>(((b * c + ch) * h + y) * w + x)];
  auto first =
      run_op(OpKind::kDepthToSpace, block(bs, false), {{make_tensor({n, c, h, w}, nchw)}}, {{}});
  auto last =
      run_op(OpKind::kDepthToSpace, block(bs, true), {{make_tensor({n, h, w, c}, nhwc)}}, {{}});
  ASSERT_TRUE(first.is_ok()) << first.status().message();
  ASSERT_TRUE(last.is_ok()) << last.status().message();
  const int64_t co = c / (bs * bs), ho = h * bs, wo = w * bs;
  ASSERT_EQ(first.value()[0].shape(), Shape({n, co, ho, wo}));
  ASSERT_EQ(last.value()[0].shape(), Shape({n, ho, wo, co}));
  const float* a = first.value()[0].data_as<float>();
  const float* b = last.value()[0].data_as<float>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < co; ++ch)
      for (int64_t y = 0; y < ho; ++y)
        for (int64_t x = 0; x < wo; ++x)
          ASSERT_EQ(a[((i * co + ch) * ho + y) * wo + x], b[((i * ho + y) * wo + x) * co + ch])
              << i << " " << ch << " " << y << " " << x;
}

TEST(DepthToSpace, ChannelsLastCrdHasNoKernel) {
  auto r = run_op(OpKind::kDepthToSpace, block(2, true, "CRD"),
                  {{make_tensor({1, 1, 1, 4}, {1, 2, 3, 4})}}, {{}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported) << r.status().message();
  EXPECT_NE(r.status().message().find("channels-last mode CRD"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace outpost
