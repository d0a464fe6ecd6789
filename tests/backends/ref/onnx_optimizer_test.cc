// Adagrad, Momentum and Adam (reference kernel) on hand-computed steps, and the operand and
// attribute errors that name the node.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::make_typed;
using testing::OpInput;
using testing::OpOutput;
using testing::run_op;

std::vector<float> values(const Tensor& t) {
  return std::vector<float>(t.data_as<float>(), t.data_as<float>() + t.num_elements());
}

OpInput operand(Tensor t) {
  OpInput in;
  in.tensor = std::move(t);
  return in;
}

// R, T, then the given tensors.
std::vector<OpInput> operands(float r, int64_t t, const std::vector<Tensor>& rest) {
  std::vector<OpInput> in = {operand(make_tensor(Shape{}, {r})),
                             operand(make_typed<int64_t>(Shape{}, {t}))};
  for (const Tensor& x : rest) in.push_back(operand(x));
  return in;
}

TEST(OnnxOptimizer, AdagradDecaysTheRateAndAccumulatesSquaredGradients) {
  Attributes a;
  a.set("decay_factor", 1.0f);
  a.set("epsilon", 0.0f);
  // r = 1 / (1 + 1) = 0.5; H' = [9, 25]; X' = [1 - 0.5 * 3 / 3, 2 - 0.5 * 4 / 5].
  auto out = run_op(OpKind::kAdagrad, a,
                    operands(1, 1, {make_tensor(Shape{2}, {1, 2}), make_tensor(Shape{2}, {3, 4}),
                                    make_tensor(Shape{2}, {0, 9})}),
                    {OpOutput{}, OpOutput{}});
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_EQ(values((*out)[0]), (std::vector<float>{0.5f, 1.6f}));
  EXPECT_EQ(values((*out)[1]), (std::vector<float>{9, 25}));
}

TEST(OnnxOptimizer, AdagradUpdatesEachOfSeveralVariables) {
  Attributes a;
  a.set("epsilon", 0.0f);
  a.set("norm_coefficient", 1.0f);
  // G' = X + G: [2], [4]; H' = [4], [16]; X' = X - G' / sqrt(H') = [0], [2].
  auto out = run_op(OpKind::kAdagrad, a,
                    operands(1, 0, {make_tensor(Shape{1}, {1}), make_tensor(Shape{1}, {3}),
                                    make_tensor(Shape{1}, {1}), make_tensor(Shape{1}, {1}),
                                    make_tensor(Shape{1}, {0}), make_tensor(Shape{1}, {0})}),
                    {OpOutput{}, OpOutput{}, OpOutput{}, OpOutput{}});
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_EQ(values((*out)[0]), (std::vector<float>{0}));
  EXPECT_EQ(values((*out)[1]), (std::vector<float>{2}));
  EXPECT_EQ(values((*out)[2]), (std::vector<float>{4}));
  EXPECT_EQ(values((*out)[3]), (std::vector<float>{16}));
}

Attributes momentum(const std::string& mode) {
  Attributes a;
  a.set("alpha", 0.5f);
  a.set("beta", 2.0f);
  a.set("norm_coefficient", 0.0f);
  a.set("mode", mode);
  return a;
}

Result<std::vector<Tensor>> momentum_step(const Attributes& a, int64_t t) {
  return run_op(OpKind::kMomentum, a,
                operands(1, t, {make_tensor(Shape{1}, {1}), make_tensor(Shape{1}, {1}),
                                make_tensor(Shape{1}, {2})}),
                {OpOutput{}, OpOutput{}});
}

TEST(OnnxOptimizer, MomentumStandardAndNesterov) {
  // V' = 0.5 * 2 + 2 * 1 = 3; standard X' = 1 - 3; nesterov X' = 1 - (1 + 0.5 * 3).
  auto standard = momentum_step(momentum("standard"), 1);
  ASSERT_TRUE(standard.is_ok()) << standard.status().message();
  EXPECT_EQ(values((*standard)[0]), (std::vector<float>{-2}));
  EXPECT_EQ(values((*standard)[1]), (std::vector<float>{3}));
  auto nesterov = momentum_step(momentum("nesterov"), 1);
  ASSERT_TRUE(nesterov.is_ok()) << nesterov.status().message();
  EXPECT_EQ(values((*nesterov)[0]), (std::vector<float>{-1.5f}));
  // The first update (T = 0) takes the gradient at weight 1, not beta: V' = 1 + 1.
  auto first = momentum_step(momentum("standard"), 0);
  ASSERT_TRUE(first.is_ok()) << first.status().message();
  EXPECT_EQ(values((*first)[1]), (std::vector<float>{2}));
}

TEST(OnnxOptimizer, AdamCorrectsTheBiasOfBothMoments) {
  Attributes a;
  a.set("alpha", 0.5f);
  a.set("beta", 0.5f);
  a.set("epsilon", 0.0f);
  a.set("norm_coefficient_post", 0.5f);
  // V' = 1, H' = 2; rate = sqrt(0.5) / 0.5; X' = 0.5 * (3 - rate * 1 / sqrt(2)) = 0.5 * 2.
  auto out = run_op(OpKind::kAdam, a,
                    operands(1, 1, {make_tensor(Shape{1}, {3}), make_tensor(Shape{1}, {2}),
                                    make_tensor(Shape{1}, {0}), make_tensor(Shape{1}, {0})}),
                    {OpOutput{}, OpOutput{}, OpOutput{}});
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_NEAR(values((*out)[0])[0], 1.0f, 1e-6);
  EXPECT_EQ(values((*out)[1]), (std::vector<float>{1}));
  EXPECT_EQ(values((*out)[2]), (std::vector<float>{2}));
}

void expect_refused(const Result<std::vector<Tensor>>& out, const std::string& words) {
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().code(), StatusCode::kShapeMismatch);
  EXPECT_NE(out.status().message().find("Momentum"), std::string::npos) << out.status().message();
  EXPECT_NE(out.status().message().find(words), std::string::npos) << out.status().message();
}

TEST(OnnxOptimizer, MomentumWithoutAModeOrWithAnUnknownOneIsRefused) {
  Attributes no_mode = momentum("standard");
  no_mode.erase("mode");
  expect_refused(momentum_step(no_mode, 1), "attribute 'mode' is required");
  expect_refused(momentum_step(momentum("sideways"), 1), "mode 'sideways'");
}

TEST(OnnxOptimizer, OperandsThatDoNotFitTheLayoutAreRefused) {
  // Two variables' X and G but one V.
  auto uneven = run_op(OpKind::kMomentum, momentum("standard"),
                       operands(1, 1, {make_tensor(Shape{1}, {1}), make_tensor(Shape{1}, {1}),
                                       make_tensor(Shape{1}, {1}), make_tensor(Shape{1}, {1}),
                                       make_tensor(Shape{1}, {1})}),
                       {OpOutput{}, OpOutput{}});
  expect_refused(uneven, "expected 2 + 3 n inputs");
  // A gradient of another shape than its variable.
  auto shapes = run_op(OpKind::kMomentum, momentum("standard"),
                       operands(1, 1, {make_tensor(Shape{2}, {1, 1}), make_tensor(Shape{1}, {1}),
                                       make_tensor(Shape{2}, {1, 1})}),
                       {OpOutput{}, OpOutput{}});
  expect_refused(shapes, "its variable X1");
  // An integer variable.
  auto ints = run_op(OpKind::kMomentum, momentum("standard"),
                     operands(1, 1, {make_typed<int32_t>(Shape{1}, {1}), make_typed<int32_t>(Shape{1}, {1}),
                                     make_typed<int32_t>(Shape{1}, {1})}),
                     {OpOutput{}, OpOutput{}});
  expect_refused(ints, "must be float32 or float64");
}

}  // namespace
}  // namespace outpost
