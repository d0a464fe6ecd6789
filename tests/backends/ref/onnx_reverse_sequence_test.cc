// ReverseSequence (reference kernel): ONNX's two examples worked by hand, lengths outside
// [0, time steps] (run-time data) clamped, and a sequence_lens of the wrong shape refused (suite
// names with 'Corrupt' also run in the sanitizer build).
#include <gtest/gtest.h>

#include <vector>

#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::make_typed;
using testing::OpOutput;
using testing::run_op;

Result<std::vector<float>> reverse(int64_t batch_axis, const std::vector<int64_t>& lens) {
  Attributes a;
  a.set("batch_axis", batch_axis);
  a.set("time_axis", 1 - batch_axis);
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[static_cast<size_t>(i)] = static_cast<float>(i);
  OUTPOST_ASSIGN_OR_RETURN(
      auto out, run_op(OpKind::kReverseSequence, a,
                       {{make_tensor(Shape{4, 4}, x)},
                        {make_typed<int64_t>(Shape{static_cast<int64_t>(lens.size())}, lens)}},
                       {OpOutput{}}));
  return std::vector<float>(out[0].data_as<float>(), out[0].data_as<float>() + 16);
}

TEST(OnnxReverseSequence, BatchFirstReversesEachRowsFirstSteps) {
  // Row b keeps its steps from lens[b] on.
  auto y = reverse(0, {1, 2, 3, 4});
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_EQ(*y, (std::vector<float>{0, 1, 2, 3, 5, 4, 6, 7, 10, 9, 8, 11, 15, 14, 13, 12}));
}

TEST(OnnxReverseSequence, TimeFirstReversesEachColumnsFirstSteps) {
  auto y = reverse(1, {4, 3, 2, 1});
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_EQ(*y, (std::vector<float>{12, 9, 6, 3, 8, 5, 2, 7, 4, 1, 10, 11, 0, 13, 14, 15}));
}

TEST(CorruptOnnxReverseSequence, LengthsOutsideTheStepsAreClamped) {
  // -5 reverses nothing; 99 reverses all four steps.
  auto y = reverse(0, {-5, 99, 0, 1});
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_EQ(*y, (std::vector<float>{0, 1, 2, 3, 7, 6, 5, 4, 8, 9, 10, 11, 12, 13, 14, 15}));
}

TEST(OnnxReverseSequence, SequenceLensMustHaveOneEntryPerBatch) {
  auto y = reverse(0, {1, 2, 3});
  ASSERT_FALSE(y.is_ok());
  EXPECT_EQ(y.status().code(), StatusCode::kShapeMismatch);
  EXPECT_NE(y.status().message().find("sequence_lens"), std::string::npos) << y.status().message();
}

}  // namespace
}  // namespace outpost
