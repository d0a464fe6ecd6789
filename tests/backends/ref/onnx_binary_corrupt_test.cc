// Hostile integer values in ONNX elementwise ops, found by fuzz/fuzz_onnx: the results are
// defined (wrapping or saturating), never undefined behaviour. The test command runs these under
// AddressSanitizer and UndefinedBehaviorSanitizer too (suite names contain 'Corrupt').
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
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
