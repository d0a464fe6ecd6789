// Dropout (reference kernel): the identity with the mask all true in inference, and in training
// with ratio 0, whether training_mode and ratio are constants or fed in each run; a training
// Dropout with another ratio (random draws) refused at creation or, when fed, by the run; and
// operands of the wrong dtype or shape refused (suite names with 'Corrupt' also run in the
// sanitizer build).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::OpInput;
using testing::OpOutput;
using testing::run_op;

Tensor flag(bool on) {
  Tensor t = Tensor::allocate(DType::kBool, Shape{}).value();
  *static_cast<bool*>(t.data()) = on;
  return t;
}

// Runs Dropout on x = [1 -2 3 4] with outputs y and mask.
Result<std::vector<Tensor>> dropout(OpInput ratio, OpInput training) {
  return run_op(OpKind::kDropout, Attributes{},
                {{make_tensor(Shape{2, 2}, {1, -2, 3, 4})}, std::move(ratio), std::move(training)},
                {OpOutput{}, OpOutput{DType::kBool}});
}

void expect_identity(Result<std::vector<Tensor>> out) {
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  const float* y = (*out)[0].data_as<float>();
  EXPECT_EQ(std::vector<float>(y, y + 4), (std::vector<float>{1, -2, 3, 4}));
  const auto* mask = static_cast<const bool*>((*out)[1].data());
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(mask[i]) << i;
}

TEST(OnnxDropout, TrainingWithRatioZeroIsTheIdentity) {
  expect_identity(dropout({make_tensor(Shape{}, {0}), true}, {flag(true), true}));
}

TEST(OnnxDropout, TrainingWithRatioZeroFedInTheRunIsTheIdentity) {
  expect_identity(dropout({make_tensor(Shape{}, {0})}, {flag(true)}));
}

TEST(OnnxDropout, InferenceIgnoresTheRatio) {
  expect_identity(dropout({make_tensor(Shape{}, {0.5f})}, {flag(false)}));
  expect_identity(dropout({make_tensor(Shape{}, {0.5f}), true}, testing::absent_input()));
}

TEST(OnnxDropout, TrainingWithAConstantNonZeroRatioIsRefusedAtCreation) {
  auto out = dropout({make_tensor(Shape{}, {0.5f}), true}, {flag(true), true});
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(out.status().message().find("random"), std::string::npos) << out.status().message();
  // Without a ratio operand, ONNX's default ratio is 0.5.
  auto by_default = dropout(testing::absent_input(), {flag(true), true});
  ASSERT_FALSE(by_default.is_ok());
  EXPECT_EQ(by_default.status().code(), StatusCode::kUnsupported);
}

TEST(OnnxDropout, TrainingWithANonZeroRatioFedInTheRunFailsTheRun) {
  auto out = dropout({make_tensor(Shape{}, {0.25f})}, {flag(true)});
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(out.status().message().find("random"), std::string::npos) << out.status().message();
}

TEST(CorruptOnnxDropout, OperandsThatAreNotScalarsOfTheirDtypeAreRefused) {
  auto wide = dropout({make_tensor(Shape{2}, {0, 0})}, {flag(true)});
  ASSERT_FALSE(wide.is_ok());
  EXPECT_NE(wide.status().message().find("scalar"), std::string::npos) << wide.status().message();
  auto not_bool = dropout({make_tensor(Shape{}, {0})}, {make_tensor(Shape{}, {1})});
  ASSERT_FALSE(not_bool.is_ok());
  EXPECT_NE(not_bool.status().message().find("training_mode"), std::string::npos)
      << not_bool.status().message();
}

}  // namespace
}  // namespace outpost
