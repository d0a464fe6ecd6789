#include <gtest/gtest.h>

#include "backends/ref/float_factory_status.h"
#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::make_typed;
using testing::run_op;

Attributes block(int64_t size) {
  Attributes a;
  a.set("block_size", size);
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

TEST(DepthToSpace, DtypeChangeIsUnsupported) {
  auto r = testing::factory_status(make_depth_to_space, OpKind::kDepthToSpace, block(2),
                                   {{make_tensor({1, 1, 1, 4}, {1, 2, 3, 4})}}, {{DType::kInt32}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace outpost
