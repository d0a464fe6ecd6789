// A reduction whose output a hostile model makes hundreds of millions of elements long is
// refused by name before the reference kernel allocates its accumulators (a double and a count
// per output element): fuzz_tflite oom-38543a28 (seed 6) asked for more than 2 GB of them.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "outpost/session.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::build_tflite;
using testing::bytes_of;
using testing::TfModelSpec;
using testing::TfOperatorSpec;

TEST(CorruptReduction, AnOutputPastTheAccumulatorBudgetIsRefusedByName) {
  constexpr int32_t kSum = 74;
  constexpr int8_t kF32 = 0, kI32 = 2;
  TfModelSpec spec;
  // [16384, 16384, 2] summed over its last axis: 268 million outputs, 4 GiB of accumulators.
  spec.tensors = {{{1 << 14, 1 << 14, 2}, kF32, 0, "x"},
                  {{1}, kI32, 1, "axes"},
                  {{1 << 14, 1 << 14}, kF32, 0, "y"}};
  spec.buffers = {bytes_of(std::vector<int32_t>{2})};
  TfOperatorSpec sum{kSum, "", {0, 1}, {2}};
  sum.options_type = 27;  // ReducerOptions: keep_dims false
  sum.options = {{0, 1, 0}};
  spec.operators = {sum};
  spec.inputs = {0};
  spec.outputs = {2};
  auto bytes = std::make_shared<std::vector<uint8_t>>(build_tflite(spec));
  SessionOptions o;
  o.backend = "ref";
  auto s = Session::open_buffer(bytes->data(), bytes->size(), bytes, "sum.tflite", o);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.status().message().find("1 GiB of accumulators"), std::string::npos)
      << s.status().message();
}

}  // namespace
}  // namespace outpost
