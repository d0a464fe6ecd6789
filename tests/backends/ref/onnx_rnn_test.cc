// ONNX RNN, GRU and LSTM (reference kernel) on small cases computed by hand from the ONNX
// equations: gate order, biases, peepholes, directions, layout, sequence_lens, activations and
// their alpha/beta, clip, and the errors of a malformed node.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::absent_input;
using testing::make_tensor;
using testing::make_typed;
using testing::OpInput;
using testing::OpOutput;
using testing::run_op;

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

std::vector<float> values(const Tensor& t) {
  const float* p = t.data_as<float>();
  return std::vector<float>(p, p + t.num_elements());
}

Attributes relu_rnn(const std::string& direction = "forward") {
  Attributes a;
  a.set("hidden_size", int64_t{1});
  a.set("direction", direction);
  a.set("activations", std::vector<std::string>{"Relu"});
  return a;
}

// x [seq 2, batch 1, input 1] = {1, 3}; w = 2, r = 0.5, Wb = 1, Rb = 0, Relu: forward
// h1 = 2·1 + 1 = 3, h2 = 2·3 + 0.5·3 + 1 = 8.5; reverse h(t=1) = 2·3 + 1 = 7,
// h(t=0) = 2·1 + 0.5·7 + 1 = 6.5.
std::vector<OpInput> two_step_inputs(int64_t directions) {
  const size_t d = static_cast<size_t>(directions);
  return {{make_tensor(Shape{2, 1, 1}, {1, 3})},
          {make_tensor(Shape{directions, 1, 1}, std::vector<float>(d, 2))},
          {make_tensor(Shape{directions, 1, 1}, std::vector<float>(d, 0.5f))},
          {make_tensor(Shape{directions, 2}, directions == 1 ? std::vector<float>{1, 0}
                                                             : std::vector<float>{1, 0, 1, 0})}};
}

TEST(OnnxRnn, ForwardStepsCarryTheHiddenState) {
  auto r = run_op(OpKind::kRNN, relu_rnn(), two_step_inputs(1), {OpOutput{}, OpOutput{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ((*r)[0].shape(), (Shape{2, 1, 1, 1}));
  EXPECT_EQ(values((*r)[0]), (std::vector<float>{3, 8.5f}));
  EXPECT_EQ(values((*r)[1]), (std::vector<float>{8.5f}));
}

TEST(OnnxRnn, ReverseRunsFromTheLastStep) {
  auto r = run_op(OpKind::kRNN, relu_rnn("reverse"), two_step_inputs(1), {OpOutput{}, OpOutput{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(values((*r)[0]), (std::vector<float>{6.5f, 7}));  // y at t = 0, 1
  EXPECT_EQ(values((*r)[1]), (std::vector<float>{6.5f}));
}

TEST(OnnxRnn, BidirectionalStacksBothDirections) {
  // One direction's activations serve both.
  auto r =
      run_op(OpKind::kRNN, relu_rnn("bidirectional"), two_step_inputs(2), {OpOutput{}, OpOutput{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ((*r)[0].shape(), (Shape{2, 2, 1, 1}));  // [seq, directions, batch, hidden]
  EXPECT_EQ(values((*r)[0]), (std::vector<float>{3, 6.5f, 8.5f, 7}));
  EXPECT_EQ(values((*r)[1]), (std::vector<float>{8.5f, 6.5f}));
}

TEST(OnnxRnn, BatchFirstLayout) {
  // x [batch 2, seq 2, input 1]; w = r = 1, no bias: entry 0 gives 1, 3; entry 1 gives 10, 30.
  Attributes a = relu_rnn();
  a.set("layout", int64_t{1});
  auto r = run_op(OpKind::kRNN, a,
                  {{make_tensor(Shape{2, 2, 1}, {1, 2, 10, 20})},
                   {make_tensor(Shape{1, 1, 1}, {1})},
                   {make_tensor(Shape{1, 1, 1}, {1})}},
                  {OpOutput{}, OpOutput{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ((*r)[0].shape(), (Shape{2, 2, 1, 1}));  // [batch, seq, directions, hidden]
  EXPECT_EQ(values((*r)[0]), (std::vector<float>{1, 3, 10, 30}));
  EXPECT_EQ((*r)[1].shape(), (Shape{2, 1, 1}));
  EXPECT_EQ(values((*r)[1]), (std::vector<float>{3, 30}));
}

// x [seq 3, batch 2, input 1]: entry 0 is {1, 2, 3}, entry 1 {10, 20, 30}; w = r = 1, Relu.
std::vector<OpInput> ragged_inputs(std::vector<int32_t> lengths) {
  return {{make_tensor(Shape{3, 2, 1}, {1, 10, 2, 20, 3, 30})},
          {make_tensor(Shape{1, 1, 1}, {1})},
          {make_tensor(Shape{1, 1, 1}, {1})},
          absent_input(),
          {make_typed<int32_t>(Shape{2}, lengths)},
          {make_tensor(Shape{1, 2, 1}, {100, 100})}};
}

TEST(OnnxRnn, StepsPastASequenceLengthAreZero) {
  // Entry 1 has length 1: h = 10 + 100; y at t = 1, 2 is zero and y_h is the step-0 state.
  auto r = run_op(OpKind::kRNN, relu_rnn(), ragged_inputs({3, 1}), {OpOutput{}, OpOutput{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(values((*r)[0]), (std::vector<float>{101, 110, 103, 0, 106, 0}));
  EXPECT_EQ(values((*r)[1]), (std::vector<float>{106, 110}));
}

TEST(OnnxRnn, ReverseStartsAtTheLastStepOfEachSequence) {
  // Entry 1 has length 2: t = 1 first (20 + 100), then t = 0 (10 + 120).
  auto r =
      run_op(OpKind::kRNN, relu_rnn("reverse"), ragged_inputs({3, 2}), {OpOutput{}, OpOutput{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(values((*r)[0]), (std::vector<float>{106, 130, 105, 120, 103, 0}));
  EXPECT_EQ(values((*r)[1]), (std::vector<float>{106, 130}));
}

TEST(OnnxRnn, AnEmptySequenceGivesZeros) {
  auto r = run_op(OpKind::kRNN, relu_rnn(), ragged_inputs({0, 1}), {OpOutput{}, OpOutput{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(values((*r)[0]), (std::vector<float>{0, 110, 0, 0, 0, 0}));
  EXPECT_EQ(values((*r)[1]), (std::vector<float>{0, 110}));
}

TEST(OnnxRnn, ASequenceLengthBeyondXFailsTheRun) {
  auto r = run_op(OpKind::kRNN, relu_rnn(), ragged_inputs({3, 4}), {OpOutput{}, OpOutput{}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("sequence_lens[1] is 4, outside [0, 3]"), std::string::npos)
      << r.status().message();
}

TEST(OnnxRnn, ActivationsTakeAlphaAndBetaInOrder) {
  // LeakyRelu (forward) takes the one alpha; HardSigmoid (reverse) is left with its defaults
  // 0.2 and 0.5. One step over the batch x = {-4, 1}, w = 1.
  Attributes a = relu_rnn("bidirectional");
  a.set("activations", std::vector<std::string>{"LeakyRelu", "hardsigmoid"});
  a.set("activation_alpha", std::vector<float>{0.5f});
  auto r = run_op(OpKind::kRNN, a,
                  {{make_tensor(Shape{1, 2, 1}, {-4, 1})},
                   {make_tensor(Shape{2, 1, 1}, {1, 1})},
                   {make_tensor(Shape{2, 1, 1}, {0, 0})}},
                  {OpOutput{}, OpOutput{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const std::vector<float> h = values((*r)[1]);  // [direction, batch]
  EXPECT_FLOAT_EQ(h[0], -2);
  EXPECT_FLOAT_EQ(h[1], 1);
  EXPECT_FLOAT_EQ(h[2], 0);     // 0.2 · -4 + 0.5, clamped to 0
  EXPECT_FLOAT_EQ(h[3], 0.7f);  // an alpha of 0.5 would give 1
}

TEST(OnnxRnn, ClipBoundsTheActivationInput) {
  Attributes a = relu_rnn();
  a.set("clip", 1.5f);
  auto r = run_op(OpKind::kRNN, a,
                  {{make_tensor(Shape{1, 1, 1}, {5})},
                   {make_tensor(Shape{1, 1, 1}, {1})},
                   {make_tensor(Shape{1, 1, 1}, {0})}},
                  {OpOutput{}, OpOutput{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(values((*r)[1]), (std::vector<float>{1.5f}));
}

// One GRU step, hidden 1: w = (z 1, r 2, h 3), r = (0.5, 0.25, 2), Wb = (0, 0, 0.5),
// Rb = (0, 0, 1), x = 1, h0 = 0.5.
Result<std::vector<Tensor>> gru_step(int64_t linear_before_reset) {
  Attributes a;
  a.set("hidden_size", int64_t{1});
  a.set("linear_before_reset", linear_before_reset);
  return run_op(OpKind::kGRU, a,
                {{make_tensor(Shape{1, 1, 1}, {1})},
                 {make_tensor(Shape{1, 3, 1}, {1, 2, 3})},
                 {make_tensor(Shape{1, 3, 1}, {0.5f, 0.25f, 2})},
                 {make_tensor(Shape{1, 6}, {0, 0, 0.5f, 0, 0, 1})},
                 absent_input(),
                 {make_tensor(Shape{1, 1, 1}, {0.5f})}},
                {OpOutput{}, OpOutput{}});
}

TEST(OnnxGru, OneStepGatesZrh) {
  const double z = sigmoid(1 + 0.5 * 0.5), r = sigmoid(2 + 0.25 * 0.5);
  for (int64_t lbr : {0, 1}) {
    auto out = gru_step(lbr);
    ASSERT_TRUE(out.is_ok()) << out.status().message();
    // The candidate applies Rh to rt ⊙ Ht-1, or rt to Ht-1·Rh + Rbh (linear_before_reset).
    const double candidate =
        lbr ? std::tanh(3 + 0.5 + r * (2 * 0.5 + 1)) : std::tanh(3 + 0.5 + 2 * (r * 0.5) + 1);
    const double h = (1 - z) * candidate + z * 0.5;
    EXPECT_NEAR(values((*out)[0])[0], h, 1e-6) << "linear_before_reset " << lbr;
    EXPECT_NEAR(values((*out)[1])[0], h, 1e-6) << "linear_before_reset " << lbr;
  }
}

// One LSTM step, hidden 1: w = (i 1, o 2, f 3, c 4), r = 0, no bias, x = 0.5, c0 = 1, and
// peepholes (i 0.1, o 0.2, f 0.3) when given.
Result<std::vector<Tensor>> lstm_step(const Attributes& a, bool peepholes) {
  std::vector<OpInput> in = {{make_tensor(Shape{1, 1, 1}, {0.5f})},
                             {make_tensor(Shape{1, 4, 1}, {1, 2, 3, 4})},
                             {make_tensor(Shape{1, 4, 1}, {0, 0, 0, 0})},
                             absent_input(),
                             absent_input(),
                             absent_input(),
                             {make_tensor(Shape{1, 1, 1}, {1})}};
  if (peepholes) in.push_back({make_tensor(Shape{1, 3}, {0.1f, 0.2f, 0.3f})});
  return run_op(OpKind::kLSTM, a, in, {OpOutput{}, OpOutput{}, OpOutput{}});
}

TEST(OnnxLstm, OneStepGatesIofc) {
  Attributes a;
  a.set("hidden_size", int64_t{1});
  auto r = lstm_step(a, false);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const double c = sigmoid(1.5) * 1 + sigmoid(0.5) * std::tanh(2.0);
  const double h = sigmoid(1.0) * std::tanh(c);
  EXPECT_NEAR(values((*r)[0])[0], h, 1e-6);
  EXPECT_NEAR(values((*r)[1])[0], h, 1e-6);
  EXPECT_NEAR(values((*r)[2])[0], c, 1e-6);
}

TEST(OnnxLstm, PeepholesSeeTheCellState) {
  Attributes a;
  a.set("hidden_size", int64_t{1});
  auto r = lstm_step(a, true);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  // i and f see Ct-1 = 1; o sees the new Ct.
  const double c = sigmoid(1.5 + 0.3) * 1 + sigmoid(0.5 + 0.1) * std::tanh(2.0);
  const double h = sigmoid(1.0 + 0.2 * c) * std::tanh(c);
  EXPECT_NEAR(values((*r)[1])[0], h, 1e-6);
  EXPECT_NEAR(values((*r)[2])[0], c, 1e-6);
}

TEST(OnnxLstm, InputForgetCouplesTheGates) {
  Attributes a;
  a.set("hidden_size", int64_t{1});
  a.set("input_forget", int64_t{1});
  auto r = lstm_step(a, false);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const double i = sigmoid(0.5);
  const double c = (1 - i) * 1 + i * std::tanh(2.0);
  EXPECT_NEAR(values((*r)[2])[0], c, 1e-6);
  EXPECT_NEAR(values((*r)[1])[0], sigmoid(1.0) * std::tanh(c), 1e-6);
}

TEST(OnnxLstm, CellClipClampsTheStoredCellState) {
  // TFLite's cell_clip: Ct = σ(1.5) + σ(0.5) · tanh(2) ≈ 1.42 is stored as 1, and h reads it.
  Attributes a;
  a.set("hidden_size", int64_t{1});
  a.set("cell_clip", 1.0f);
  auto r = lstm_step(a, false);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_GT(sigmoid(1.5) + sigmoid(0.5) * std::tanh(2.0), 1.4);
  EXPECT_FLOAT_EQ(values((*r)[2])[0], 1);
  EXPECT_NEAR(values((*r)[1])[0], sigmoid(1.0) * std::tanh(1.0), 1e-6);
}

TEST(OnnxRnn, AMalformedNodeIsAClearError) {
  struct Case {
    const char* attr;
    std::string value;
    const char* says;
  };
  for (const Case& c : {Case{"direction", "sideways", "direction 'sideways' is not forward"},
                        Case{"activations", "Swish", "activation 'Swish' is not one of"}}) {
    Attributes a = relu_rnn();
    if (std::string(c.attr) == "activations")
      a.set(c.attr, std::vector<std::string>{c.value});
    else
      a.set(c.attr, c.value);
    auto r = run_op(OpKind::kRNN, a, two_step_inputs(1), {OpOutput{}, OpOutput{}});
    ASSERT_FALSE(r.is_ok()) << c.attr;
    EXPECT_NE(r.status().message().find(c.says), std::string::npos) << r.status().message();
  }
  // hidden_size disagreeing with R, and a B of the wrong length.
  Attributes a = relu_rnn();
  a.set("hidden_size", int64_t{2});
  auto r = run_op(OpKind::kRNN, a, two_step_inputs(1), {OpOutput{}, OpOutput{}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("hidden_size 2"), std::string::npos) << r.status().message();
  std::vector<OpInput> in = two_step_inputs(1);
  in[3] = {make_tensor(Shape{1, 3}, {0, 0, 0})};
  r = run_op(OpKind::kRNN, relu_rnn(), in, {OpOutput{}, OpOutput{}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("B must have shape [1, 2]"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace outpost
