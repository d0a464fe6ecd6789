#include <gtest/gtest.h>

#include <random>

#include "backends/ref/float_factory_status.h"
#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::make_typed;
using testing::OpInput;
using testing::run_op;

OpInput paddings(std::vector<int32_t> p) {
  OpInput in{make_typed<int32_t>({static_cast<int64_t>(p.size() / 2), 2}, p)};
  in.constant = true;
  return in;
}

TEST(PadFloat, TwoDimensionsHandWorked) {
  // [[1,2],[3,4]] padded rows (1, 0), cols (0, 2) -> [[0,0,0,0],[1,2,0,0],[3,4,0,0]]
  auto r =
      run_op(OpKind::kPad, {}, {{make_tensor({2, 2}, {1, 2, 3, 4})}, paddings({1, 0, 0, 2})}, {{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r.value()[0].shape(), Shape({3, 4}));
  const float* y = r.value()[0].data_as<float>();
  EXPECT_EQ(std::vector<float>(y, y + 12),
            (std::vector<float>{0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0}));
}

// Checks every output element against the definition: inside the copied box it is the input
// element at (index - before), elsewhere the pad value.
template <typename T>
void check_pad(Shape in_shape, std::vector<int32_t> pads, DType dtype, QuantParams q, T pad_value) {
  std::mt19937 rng(23);
  std::vector<T> x(static_cast<size_t>(*in_shape.num_elements()));
  for (auto& v : x) v = static_cast<T>(rng() % 100 + 1);  // never equal to the pad value
  auto r =
      run_op(OpKind::kPad, {}, {{make_typed<T>(in_shape, x, q)}, paddings(pads)}, {{dtype, q}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const Tensor& t = r.value()[0];
  const size_t rank = in_shape.rank();
  for (size_t k = 0; k < rank; ++k)
    ASSERT_EQ(t.shape()[k], in_shape[k] + pads[2 * k] + pads[2 * k + 1]);
  const T* y = t.data_as<T>();
  for (int64_t flat = 0; flat < t.num_elements(); ++flat) {
    int64_t rem = flat, src = 0;
    bool inside = true;
    std::vector<int64_t> idx(rank);
    for (size_t k = rank; k-- > 0;) {
      idx[k] = rem % t.shape()[k];
      rem /= t.shape()[k];
    }
    for (size_t k = 0; k < rank; ++k) {
      const int64_t i = idx[k] - pads[2 * k];
      inside = inside && i >= 0 && i < in_shape[k];
      src = src * in_shape[k] + i;
    }
    ASSERT_EQ(y[flat], inside ? x[static_cast<size_t>(src)] : pad_value) << "at " << flat;
  }
}

TEST(PadFloat, Rank4SpatialMatchesDefinition) {
  check_pad<float>({2, 3, 5, 3}, {0, 0, 1, 2, 3, 0, 0, 0}, DType::kFloat32, {}, 0.0f);
}

TEST(PadFloat, Rank6MatchesDefinition) {
  check_pad<float>({2, 1, 3, 2, 1, 3}, {1, 0, 0, 2, 1, 1, 0, 0, 2, 1, 1, 1}, DType::kFloat32, {},
                   0.0f);
}

TEST(PadFloat, Int32PadsWithZero) {
  check_pad<int32_t>({3, 2}, {1, 1, 2, 0}, DType::kInt32, {}, 0);
}

TEST(PadQuantized, Uint8PadsWithZeroPoint) {
  check_pad<uint8_t>({1, 2, 3, 2}, {0, 0, 1, 1, 2, 1, 0, 0}, DType::kUInt8,
                     QuantParams{{0.5f}, {128}, 0}, uint8_t{128});
}

TEST(PadQuantized, Int8PadsWithNegativeZeroPoint) {
  check_pad<int8_t>({4, 3}, {2, 1, 0, 3}, DType::kInt8, QuantParams{{0.1f}, {-5}, 0}, int8_t{-5});
}

TEST(PadQuantized, DifferentParametersAreUnsupported) {
  auto r = testing::factory_status(
      make_pad_quantized_bytes, OpKind::kPad, {},
      {{make_typed<uint8_t>({2}, {1, 2}, QuantParams{{0.5f}, {128}, 0})}, paddings({1, 1})},
      {{DType::kUInt8, QuantParams{{0.5f}, {0}, 0}}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kUnsupported);
}

TEST(PadFloat, BoolIsUnsupported) {
  Tensor t = Tensor::allocate(DType::kBool, Shape{2}).value();
  auto r = testing::factory_status(make_pad_float, OpKind::kPad, {},
                                   {{std::move(t)}, paddings({1, 1})}, {{DType::kBool}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace outpost
