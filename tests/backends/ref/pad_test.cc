#include <gtest/gtest.h>

#include <random>

#include "backends/ref/float_factory_status.h"
#include "backends/ref/onnx_kernel_factories.h"
#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::make_typed;
using testing::OpInput;
using testing::run_op;

// Pad's pads operand (int64 [2 * rank]: every begin, then every end) from (begin, end) pairs
// per dimension, as TFLite writes them.
OpInput paddings(std::vector<int32_t> pairs) {
  const size_t rank = pairs.size() / 2;
  std::vector<int64_t> pads(pairs.size());
  for (size_t k = 0; k < rank; ++k) {
    pads[k] = pairs[2 * k];
    pads[rank + k] = pairs[2 * k + 1];
  }
  OpInput in{make_typed<int64_t>({static_cast<int64_t>(pads.size())}, pads)};
  in.constant = true;
  return in;
}

Attributes mode(const std::string& m) {
  Attributes a;
  a.set("mode", m);
  return a;
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

// The zero-padding kernels decline what TFLite's PAD never asks; the general kernel
// (onnx_slice.cc), registered after them, runs it.
TEST(PadFloat, DeclinesWhatTfliteNeverAsks) {
  const auto x = [] { return OpInput{make_tensor({3}, {1, 2, 3})}; };
  OpInput value{make_tensor({}, {7})};
  value.constant = true;
  const std::vector<std::pair<Attributes, std::vector<OpInput>>> cases = {
      {mode("reflect"), {x(), paddings({1, 1})}},
      {mode("edge"), {x(), paddings({1, 1})}},
      {{}, {x(), paddings({-1, 1})}},
      {{}, {x(), paddings({1, 1}), value}},
  };
  for (const auto& [attrs, inputs] : cases) {
    auto r = testing::factory_status(make_pad_float, OpKind::kPad, attrs, inputs, {{}});
    EXPECT_EQ(r.code(), StatusCode::kUnsupported) << r.message();
  }
}

TEST(PadFloat, GeneralKernelRunsTheOtherModes) {
  // [1, 2, 3] with pads (2, 1): reflect [3, 2, 1, 2, 3, 2], edge [1, 1, 1, 2, 3, 3], cropping
  // (-1, 1) [2, 3, 0], explicit value 7 [7, 7, 1, 2, 3, 7].
  const auto run = [](const Attributes& a, std::vector<int32_t> pairs, bool value = false) {
    std::vector<OpInput> in = {{make_tensor({3}, {1, 2, 3})}, paddings(std::move(pairs))};
    if (value) {
      in.push_back({make_tensor({}, {7})});
      in.back().constant = true;
    }
    auto r = run_op(OpKind::kPad, a, in, {{}});
    EXPECT_TRUE(r.is_ok()) << r.status().message();
    if (!r.is_ok()) return std::vector<float>{};
    const Tensor& t = r.value()[0];
    return std::vector<float>(t.data_as<float>(), t.data_as<float>() + t.num_elements());
  };
  EXPECT_EQ(run(mode("reflect"), {2, 1}), (std::vector<float>{3, 2, 1, 2, 3, 2}));
  EXPECT_EQ(run(mode("edge"), {2, 1}), (std::vector<float>{1, 1, 1, 2, 3, 3}));
  EXPECT_EQ(run({}, {-1, 1}), (std::vector<float>{2, 3, 0}));
  EXPECT_EQ(run({}, {2, 1}, true), (std::vector<float>{7, 7, 1, 2, 3, 7}));
}

TEST(PadQuantized, GeneralKernelDoesNotPadQuantizedDataWithZeroBytes) {
  // Real 0 is the zero point (128), which only the zero-point kernel writes.
  auto r = testing::factory_status(
      make_onnx_slice, OpKind::kPad, {},
      {{make_typed<uint8_t>({2}, {1, 2}, QuantParams{{0.5f}, {128}, 0})}, paddings({1, 1})},
      {{DType::kUInt8, QuantParams{{0.5f}, {128}, 0}}});
  EXPECT_EQ(r.code(), StatusCode::kUnsupported) << r.message();
}

}  // namespace
}  // namespace outpost
