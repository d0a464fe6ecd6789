// TFLite's UNIDIRECTIONAL_SEQUENCE_LSTM imported as the IR's LSTM
// (src/formats/tflite/tflite_recurrent_builtins.cc): the gates' tensors restacked in ONNX's
// order, time-major and batch-major input, cell_clip, the variable state tensors carried from
// run to run (and reset), and the forms the IR cannot express refused by name. The TFLite
// conformance suite checks the same against TFLite itself where it is installed.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "outpost/session.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::build_tflite;
using testing::bytes_of;
using testing::TfModelSpec;
using testing::TfOperatorSpec;
using testing::TfTensorSpec;

constexpr int8_t kF32 = 0;
constexpr int32_t kUnidirectionalSequenceLstm = 44;
constexpr uint8_t kOptions = 71;  // UnidirectionalSequenceLSTMOptions
constexpr int kActTanh = 4;

// Each gate's scalars, hidden size and input size 1: input weight, recurrent weight, bias,
// peephole.
struct Gate {
  float w, r, b, p;
};
// TFLite's gate order.
constexpr Gate kI{0.5f, 0.25f, 0.1f, 0.3f}, kF{-1, 0.5f, 0.2f, -0.2f}, kC{2, -0.75f, -0.1f, 0},
    kO{1.5f, 1, 0.05f, 0.4f};

struct LstmForm {
  bool time_major = false;
  float cell_clip = 0;
  bool peepholes = false;
  bool cifg = false;        // no input gate weights: i = 1 - f
  bool projection = false;  // a projection weights tensor
};

// x [batch 1, steps 3, input 1] (or [3, 1, 1] time-major) -> y of the same layout, hidden 1.
TfModelSpec lstm_model(const LstmForm& form) {
  TfModelSpec spec;
  auto tensor = [&](std::vector<int32_t> shape, std::vector<float> data = {}, bool var = false) {
    TfTensorSpec t{std::move(shape), kF32, 0, "t" + std::to_string(spec.tensors.size())};
    if (!data.empty()) {
      spec.buffers.push_back(bytes_of(data));
      t.buffer = static_cast<uint32_t>(spec.buffers.size());
    }
    t.is_variable = var;
    spec.tensors.push_back(t);
    return static_cast<int32_t>(spec.tensors.size()) - 1;
  };
  const std::vector<int32_t> seq =
      form.time_major ? std::vector<int32_t>{3, 1, 1} : std::vector<int32_t>{1, 3, 1};
  TfOperatorSpec op;
  op.builtin_code = kUnidirectionalSequenceLstm;
  op.inputs.assign(24, -1);
  op.inputs[0] = tensor(seq);
  const Gate gates[4] = {kI, kF, kC, kO};
  for (int g = 0; g < 4; ++g) {
    if (g == 0 && form.cifg) continue;
    op.inputs[1 + g] = tensor({1, 1}, {gates[g].w});
    op.inputs[5 + g] = tensor({1, 1}, {gates[g].r});
    op.inputs[12 + g] = tensor({1}, {gates[g].b});
  }
  if (form.peepholes) {
    if (!form.cifg) op.inputs[9] = tensor({1}, {kI.p});
    op.inputs[10] = tensor({1}, {kF.p});
    op.inputs[11] = tensor({1}, {kO.p});
  }
  if (form.projection) op.inputs[16] = tensor({1, 1}, {1});
  op.inputs[18] = tensor({1, 1}, {}, true);
  op.inputs[19] = tensor({1, 1}, {}, true);
  op.inputs.resize(20);
  op.outputs = {tensor(seq)};
  op.options_type = kOptions;
  op.options = {{0, 1, kActTanh},
                {1, 4, std::bit_cast<int32_t>(form.cell_clip)},
                {3, 1, form.time_major ? 1 : 0}};
  spec.operators = {op};
  spec.inputs = {op.inputs[0]};
  spec.outputs = op.outputs;
  return spec;
}

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

// TFLite's equations, step by step from a zero state, over `runs` invocations on x: the last
// one's outputs (the state carries over from one invocation to the next).
std::vector<float> expected(const std::vector<float>& x, const LstmForm& form, int runs = 1) {
  double h = 0, c = 0;
  std::vector<float> y;
  const double p = form.peepholes ? 1 : 0;
  for (int run = 0; run < runs; ++run) {
  y.clear();
  for (float xt : x) {
    const auto pre = [&](const Gate& g) { return g.w * xt + g.r * h + g.b; };
    const double f = sigmoid(pre(kF) + p * kF.p * c);
    const double i = form.cifg ? 1 - f : sigmoid(pre(kI) + p * kI.p * c);
    c = f * c + i * std::tanh(pre(kC));
    if (form.cell_clip > 0) c = std::clamp<double>(c, -form.cell_clip, form.cell_clip);
    const double o = sigmoid(pre(kO) + p * kO.p * c);
    h = o * std::tanh(c);
    y.push_back(static_cast<float>(h));
  }
  }
  return y;
}

Result<std::unique_ptr<Session>> open(const TfModelSpec& spec) {
  auto owned = std::make_shared<std::vector<uint8_t>>(build_tflite(spec));
  return Session::open_buffer(owned->data(), owned->size(), owned, "lstm.tflite");
}

void expect_steps(const LstmForm& form) {
  auto s = open(lstm_model(form));
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  const std::vector<float> x = {1, -2, 0.5f};
  // Three runs go on from each other's state, as TFLite's invocations do; after reset_state()
  // the next starts from zeros again.
  auto check = [&](int run, int runs_since_reset) {
    std::memcpy((*s)->input(0).data(), x.data(), x.size() * sizeof(float));
    ASSERT_TRUE((*s)->run().is_ok());
    const std::vector<float> want = expected(x, form, runs_since_reset);
    const Tensor& y = (*s)->output(0);
    ASSERT_EQ(y.num_elements(), 3);
    for (int t = 0; t < 3; ++t)
      EXPECT_NEAR(y.data_as<float>()[t], want[static_cast<size_t>(t)], 1e-6)
          << "step " << t << ", run " << run;
  };
  for (int run = 0; run < 3; ++run) check(run, run + 1);
  EXPECT_NE(expected(x, form, 1), expected(x, form, 2));  // the state matters here
  (*s)->reset_state();
  check(3, 1);
}

TEST(TfliteSequenceLstm, BatchMajorStepsFollowTflitesEquations) { expect_steps({}); }

TEST(TfliteSequenceLstm, TimeMajor) { expect_steps({.time_major = true}); }

TEST(TfliteSequenceLstm, PeepholesAndCellClip) {
  expect_steps({.cell_clip = 0.3f, .peepholes = true});
  // The clip matters here: without it the cell state passes 0.3.
  EXPECT_NE(expected({1, -2, 0.5f}, {.cell_clip = 0.3f}), expected({1, -2, 0.5f}, {}));
}

void expect_refused(const TfModelSpec& spec, const std::string& says) {
  auto s = open(spec);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported) << s.status().message();
  EXPECT_NE(s.status().message().find(says), std::string::npos) << s.status().message();
}

// CIFG couples the input gate to the forget gate, i = 1 - f: the IR's input_forget LSTM over
// the forget gate's tensors negated.
TEST(TfliteSequenceLstm, CifgPeepholesAndCellClip) {
  expect_steps({.cell_clip = 0.3f, .peepholes = true, .cifg = true});
  EXPECT_NE(expected({1, -2, 0.5f}, {.cifg = true}), expected({1, -2, 0.5f}, {}));
}

TEST(TfliteSequenceLstm, FormsTheIrCannotExpressAreRefusedByName) {
  expect_refused(lstm_model({.projection = true}), "with a projection layer");
}

TEST(TfliteSequenceLstm, AVariableTensorElsewhereIsRefused) {
  // y = x + v, v a variable tensor: state Outpost would not keep.
  TfModelSpec spec;
  spec.tensors = {{{2}, kF32, 0, "x"}, {{2}, kF32, 0, "v"}, {{2}, kF32, 0, "y"}};
  spec.tensors[1].is_variable = true;
  TfOperatorSpec add;
  add.builtin_code = 0;  // ADD
  add.inputs = {0, 1};
  add.outputs = {2};
  spec.operators = {add};
  spec.inputs = {0};
  spec.outputs = {2};
  expect_refused(spec, "tensor 'v' is a variable (stateful) tensor");
}

}  // namespace
}  // namespace outpost
