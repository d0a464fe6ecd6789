// The TFLite builtins of src/formats/tflite/tflite_segment_builtins.cc: what they refuse, and
// results worked by hand (the TFLite conformance suite checks them against TFLite itself where
// its native interpreter is installed).
#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <limits>
#include <vector>

#include "outpost/session.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::build_tflite;
using testing::bytes_of;
using testing::TfModelSpec;
using testing::TfOperatorSpec;

constexpr int8_t kF32 = 0, kI32 = 2, kI8 = 9;

Result<std::unique_ptr<Session>> open(const TfModelSpec& spec) {
  auto owned = std::make_shared<std::vector<uint8_t>>(build_tflite(spec));
  return Session::open_buffer(owned->data(), owned->size(), owned, "segment.tflite");
}

TfOperatorSpec op(int32_t code, std::vector<int32_t> inputs, std::vector<int32_t> outputs) {
  TfOperatorSpec o;
  o.builtin_code = code;
  o.inputs = std::move(inputs);
  o.outputs = std::move(outputs);
  return o;
}

// SEGMENT_SUM sizes its output from the ids' values: ids that come at run time are refused.
TEST(TfliteSegmentBuiltins, SegmentSumWithIdsComputedAtRunTimeIsRefusedByName) {
  TfModelSpec spec;
  spec.tensors = {{{4, 2}, kF32, 0, "data"}, {{4}, kI32, 0, "ids"}, {{2, 2}, kF32, 0, "sums"}};
  spec.operators = {op(125 /* SEGMENT_SUM */, {0, 1}, {2})};
  spec.inputs = {0, 1};
  spec.outputs = {2};
  auto s = open(spec);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(s.status().message().find("segment_ids"), std::string::npos) << s.status().message();
}

TEST(TfliteSegmentBuiltins, FakeQuantWithNarrowRangeIsRefusedAsTfliteRefusesIt) {
  TfModelSpec spec;
  spec.tensors = {{{4}, kF32, 0, "x"}, {{4}, kF32, 0, "y"}};
  TfOperatorSpec fq = op(80 /* FAKE_QUANT */, {0}, {1});
  fq.options_type = 58;  // FakeQuantOptions: min, max, num_bits, narrow_range
  fq.options = {{0, 4, std::bit_cast<int32_t>(-1.0f)},
                {1, 4, std::bit_cast<int32_t>(1.0f)},
                {2, 4, 8},
                {3, 1, 1}};
  spec.operators = {fq};
  spec.inputs = {0};
  spec.outputs = {1};
  auto s = open(spec);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(s.status().message().find("narrow_range"), std::string::npos) << s.status().message();
}

// Rows into segments by max: a negative id drops its row, a segment no row reaches holds the
// lowest float.
TEST(TfliteSegmentBuiltins, UnsortedSegmentMaxDropsNegativeIdsAndFillsEmptySegments) {
  TfModelSpec spec;
  spec.tensors = {{{4}, kF32, 0, "data"},
                  {{4}, kI32, 1, "ids"},
                  {{}, kI32, 2, "count"},
                  {{3}, kF32, 0, "maxima"}};
  spec.buffers = {bytes_of(std::vector<int32_t>{1, 0, 1, -1}), bytes_of(std::vector<int32_t>{3})};
  spec.operators = {op(154 /* UNSORTED_SEGMENT_MAX */, {0, 1, 2}, {3})};
  spec.inputs = {0};
  spec.outputs = {3};
  auto s = open(spec);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  const float x[4] = {1.0f, 5.0f, -2.0f, 30.0f};
  std::memcpy((*s)->input(0).data(), x, sizeof x);
  ASSERT_TRUE((*s)->run().is_ok());
  const float* y = static_cast<const float*>((*s)->output(0).data());
  EXPECT_EQ(y[0], 5.0f);
  EXPECT_EQ(y[1], 1.0f);
  EXPECT_EQ(y[2], -std::numeric_limits<float>::max());
}

// fuzz_tflite oom-bfee39e8: the lowering's coordinate table grows with the update; a large one
// is refused by name instead of allocating gigabytes.
TEST(TfliteSegmentBuiltins, DynamicUpdateSliceOfAHugeUpdateIsRefusedBeforeAllocating) {
  TfModelSpec spec;
  spec.tensors = {{{4096, 4096}, kF32, 0, "x"},
                  {{4096, 4096}, kF32, 0, "update"},
                  {{2}, kI32, 0, "start"},
                  {{4096, 4096}, kF32, 0, "y"}};
  spec.operators = {op(151 /* DYNAMIC_UPDATE_SLICE */, {0, 1, 2}, {3})};
  spec.inputs = {0, 1, 2};
  spec.outputs = {3};
  auto s = open(spec);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported) << s.status().message();
  EXPECT_NE(s.status().message().find("coordinate table"), std::string::npos) << s.status().message();
}

// The start is clamped so that the update fits: 4 becomes 3 in a tensor of 5.
TEST(TfliteSegmentBuiltins, DynamicUpdateSliceClampsTheStart) {
  TfModelSpec spec;
  spec.tensors = {
      {{5}, kF32, 0, "x"}, {{2}, kF32, 0, "update"}, {{1}, kI32, 0, "start"}, {{5}, kF32, 0, "y"}};
  spec.operators = {op(151 /* DYNAMIC_UPDATE_SLICE */, {0, 1, 2}, {3})};
  spec.inputs = {0, 1, 2};
  spec.outputs = {3};
  auto s = open(spec);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  const float x[5] = {1, 2, 3, 4, 5}, u[2] = {7, 8};
  const int32_t start = 4;
  std::memcpy((*s)->input(0).data(), x, sizeof x);
  std::memcpy((*s)->input(1).data(), u, sizeof u);
  std::memcpy((*s)->input(2).data(), &start, sizeof start);
  ASSERT_TRUE((*s)->run().is_ok());
  const float want[5] = {1, 2, 3, 7, 8};
  EXPECT_EQ(std::memcmp((*s)->output(0).data(), want, sizeof want), 0);
}

// int8 [3, 3] cannot become int32: the last dimension must be 4, the ratio of the widths.
TEST(TfliteSegmentBuiltins, BitcastToAWiderDtypeNeedsTheRatioAsTheLastDimension) {
  TfModelSpec spec;
  spec.tensors = {{{3, 3}, kI8, 0, "x"}, {{3}, kI32, 0, "y"}};
  spec.operators = {op(159 /* BITCAST */, {0}, {1})};
  spec.inputs = {0};
  spec.outputs = {1};
  auto s = open(spec);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.status().message().find("must be 4"), std::string::npos) << s.status().message();
}

}  // namespace
}  // namespace outpost
