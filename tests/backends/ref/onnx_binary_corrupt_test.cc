// Hostile integer values in ONNX elementwise ops, found by fuzz/fuzz_onnx: the results are
// defined (wrapping or saturating), never undefined behaviour. The test command runs these under
// AddressSanitizer and UndefinedBehaviorSanitizer too (suite names contain 'Corrupt').
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_typed;
using testing::OpInput;
using testing::OpOutput;
using testing::run_op;

template <typename T>
std::vector<T> run_binary(OpKind op, const std::vector<T>& a, const std::vector<T>& b) {
  const Shape shape{static_cast<int64_t>(a.size())};
  std::vector<OpInput> inputs(2);
  inputs[0].tensor = make_typed<T>(shape, a);
  inputs[1].tensor = make_typed<T>(shape, b);
  auto out = run_op(op, Attributes{}, inputs, {OpOutput{dtype_of<T>()}});
  EXPECT_TRUE(out.is_ok()) << out.status().message();
  if (!out.is_ok()) return {};
  const T* p = (*out)[0].template data_as<T>();
  return std::vector<T>(p, p + a.size());
}

constexpr int32_t kMin32 = std::numeric_limits<int32_t>::min();
constexpr int32_t kMax32 = std::numeric_limits<int32_t>::max();

// pytorch-operator_test_operator_non_float_params (ONNX test data) with the fuzzer's inputs:
// int32 Add overflowed (signed overflow). Integer arithmetic wraps, as numpy's does.
TEST(CorruptOnnxBinary, IntegerOverflowWraps) {
  EXPECT_EQ(run_binary<int32_t>(OpKind::kAdd, {kMax32, 1}, {1, 2}),
            (std::vector<int32_t>{kMin32, 3}));
  EXPECT_EQ(run_binary<int32_t>(OpKind::kSub, {kMin32}, {1}), (std::vector<int32_t>{kMax32}));
  EXPECT_EQ(run_binary<int32_t>(OpKind::kMul, {1 << 16}, {1 << 16}), (std::vector<int32_t>{0}));
  EXPECT_EQ(run_binary<int64_t>(OpKind::kMul, {int64_t{1} << 62}, {4}), (std::vector<int64_t>{0}));
  // INT_MIN / -1 and INT_MIN % -1 are undefined in C++ (and trap on x86).
  EXPECT_EQ(run_binary<int32_t>(OpKind::kDiv, {kMin32, 7}, {-1, 0}),
            (std::vector<int32_t>{kMin32, 0}));
  EXPECT_EQ(run_binary<int32_t>(OpKind::kMod, {kMin32}, {-1}), (std::vector<int32_t>{0}));
}

// node_test_pow_types_int32_int32 with the fuzzer's inputs: the double result of pow, cast to
// int32, was out of range (undefined). It saturates now.
TEST(CorruptOnnxBinary, IntegerPowSaturates) {
  EXPECT_EQ(run_binary<int32_t>(OpKind::kPow, {100, -100, 2, 3}, {100, 101, 10, 2}),
            (std::vector<int32_t>{kMax32, kMin32, 1024, 9}));
  EXPECT_EQ(run_binary<int64_t>(OpKind::kPow, {10}, {30}),
            (std::vector<int64_t>{std::numeric_limits<int64_t>::max()}));
}

}  // namespace
}  // namespace outpost

namespace outpost {
namespace {

template <typename T>
std::vector<T> reduce_sum_all(const std::vector<T>& x) {
  std::vector<testing::OpInput> inputs(1);
  inputs[0].tensor = testing::make_typed<T>(Shape{static_cast<int64_t>(x.size())}, x);
  Attributes attrs;
  auto out = testing::run_op(OpKind::kReduceSum, attrs, inputs, {testing::OpOutput{dtype_of<T>()}});
  EXPECT_TRUE(out.is_ok()) << out.status().message();
  if (!out.is_ok()) return {};
  return std::vector<T>((*out)[0].template data_as<T>(), (*out)[0].template data_as<T>() + 1);
}

// fuzz_onnx crash f7fdf516: an int32 ReduceSum of 3.2e9 was cast from double to int (undefined).
// Integer reductions wrap like ONNX Runtime's integer sums; past 64 bits they saturate.
TEST(CorruptOnnxReduce, IntegerSumsWrapInsteadOfUndefinedCasts) {
  EXPECT_EQ(reduce_sum_all<int32_t>({1 << 30, 1 << 30, 1 << 30}),
            (std::vector<int32_t>{-(1 << 30)}));  // 3 * 2^30 - 2^32
  EXPECT_EQ(reduce_sum_all<int8_t>({100, 100}), (std::vector<int8_t>{-56}));
  constexpr int64_t kMax64 = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(reduce_sum_all<int64_t>({kMax64, kMax64, kMax64}), (std::vector<int64_t>{kMax64}));
  EXPECT_EQ(reduce_sum_all<int32_t>({5, -7}), (std::vector<int32_t>{-2}));
}

}  // namespace
}  // namespace outpost

namespace outpost {
namespace {

// fuzz_onnx crash eed90702: Clip before opset 11 on int8 with float bounds of -3.4e38 and 3.4e38
// cast them to int8 (undefined). The bounds saturate to the type's range; NaN means no bound.
TEST(CorruptOnnxClip, FloatBoundsSaturateToAnIntegerType) {
  auto clip = [](float lo, float hi) {
    std::vector<testing::OpInput> inputs(1);
    inputs[0].tensor = testing::make_typed<int8_t>(Shape{4}, {-128, -5, 7, 127});
    Attributes attrs;
    attrs.set("min", lo);
    attrs.set("max", hi);
    auto out = testing::run_op(OpKind::kClip, attrs, inputs, {testing::OpOutput{DType::kInt8}});
    EXPECT_TRUE(out.is_ok()) << out.status().message();
    if (!out.is_ok()) return std::vector<int8_t>{};
    return std::vector<int8_t>((*out)[0].data_as<int8_t>(), (*out)[0].data_as<int8_t>() + 4);
  };
  EXPECT_EQ(clip(-3.4e38f, 3.4e38f), (std::vector<int8_t>{-128, -5, 7, 127}));
  EXPECT_EQ(clip(-3.0f, 1e10f), (std::vector<int8_t>{-3, -3, 7, 127}));
  EXPECT_EQ(clip(std::nanf(""), 0.0f), (std::vector<int8_t>{-128, -5, 0, 0}));
}

}  // namespace
}  // namespace outpost

namespace outpost {
namespace {

// fuzz_tflite crash 64e7c665: an int32 segment sum (TFLite's UNSORTED_SEGMENT_SUM imports as
// ScatterND with reduction add) of two large values overflowed (signed overflow). Scatter's integer sums and products
// wrap as every other integer sum does.
TEST(CorruptOnnxScatter, IntegerReductionsWrap) {
  auto scatter = [](const std::string& reduction, std::vector<int32_t> updates) {
    std::vector<testing::OpInput> inputs(3);
    inputs[0].tensor = testing::make_typed<int32_t>(Shape{2}, {1, 3});
    inputs[1].tensor = testing::make_typed<int64_t>(Shape{3, 1}, {0, 0, 1});
    inputs[2].tensor = testing::make_typed<int32_t>(Shape{3}, updates);
    Attributes attrs;
    attrs.set("reduction", reduction);
    auto out =
        testing::run_op(OpKind::kScatterND, attrs, inputs, {testing::OpOutput{DType::kInt32}});
    EXPECT_TRUE(out.is_ok()) << out.status().message();
    if (!out.is_ok()) return std::vector<int32_t>{};
    return std::vector<int32_t>((*out)[0].data_as<int32_t>(), (*out)[0].data_as<int32_t>() + 2);
  };
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  EXPECT_EQ(scatter("add", {957633583, 1631328087, 5}),
            (std::vector<int32_t>{-1706005625, 8}));  // 2588961671 - 2^32
  EXPECT_EQ(scatter("add", {kMax, 1, 0}), (std::vector<int32_t>{kMin32 + 1, 3}));
  EXPECT_EQ(scatter("mul", {1 << 16, 1 << 16, kMax}), (std::vector<int32_t>{0, 2147483645}));
}

// fuzz_tflite crash-beed819c: an output declared another type than the kernel computes in
// (an int32 Add into bool) would be written past its end; the kernels refuse it when they are
// made, naming both types.
TEST(CorruptOnnxBinary, AnOutputOfAnotherTypeThanTheOpGivesIsRefused) {
  const Shape shape{4};
  std::vector<OpInput> two(2);
  two[0].tensor = make_typed<int32_t>(shape, {1, 2, 3, 4});
  two[1].tensor = make_typed<int32_t>(shape, {1, 2, 3, 4});
  auto add = run_op(OpKind::kAdd, Attributes{}, two, {OpOutput{DType::kBool}});
  ASSERT_FALSE(add.is_ok());
  EXPECT_NE(add.status().message().find("its output is bool, but the op gives int32"),
            std::string::npos)
      << add.status().message();

  // Ops of one input: refused, or given an output of their own type by shape inference; never
  // run into an output of another width.
  std::vector<OpInput> one(1);
  one[0].tensor = make_typed<float>(shape, {-1, 2, -3, 4});
  auto abs = run_op(OpKind::kAbs, Attributes{}, one, {OpOutput{DType::kInt8}});
  EXPECT_TRUE(!abs.is_ok() || (*abs)[0].dtype() == DType::kFloat32);
  Tensor bytes = make_typed<uint8_t>(shape, {1, 0, 1, 0});  // bools, as bytes
  one[0].tensor = Tensor::view(DType::kBool, shape, bytes.data());
  auto negation = run_op(OpKind::kNot, Attributes{}, one, {OpOutput{DType::kFloat32}});
  EXPECT_TRUE(!negation.is_ok() || (*negation)[0].dtype() == DType::kBool);
  auto fine = run_op(OpKind::kNot, Attributes{}, one, {OpOutput{DType::kBool}});
  ASSERT_TRUE(fine.is_ok()) << fine.status().message();
  EXPECT_FALSE((*fine)[0].data_as<bool>()[0]);
  EXPECT_TRUE((*fine)[0].data_as<bool>()[1]);
}

}  // namespace
}  // namespace outpost
