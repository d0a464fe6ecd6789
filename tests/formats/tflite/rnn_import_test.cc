// TFLite's RNN, UNIDIRECTIONAL_SEQUENCE_RNN and BIDIRECTIONAL_SEQUENCE_RNN imported as the IR's
// RNN (src/formats/tflite/tflite_rnn_builtins.cc): the hidden state carried from run to run,
// and the forms refused by name. The TFLite conformance suite checks the supported forms
// against TFLite itself (tests/conformance/tflite_cases_recurrent.cc).
#include <gtest/gtest.h>

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

constexpr int8_t kF32 = 0, kI8 = 9;
constexpr int32_t kRnn = 24, kBidirectionalSequenceRnn = 46;
constexpr uint8_t kRnnOptions = 7, kBidirectionalSequenceRnnOptions = 70;
constexpr int kActTanh = 4, kActSignBit = 5;

// Hidden size 1, input size 1: h = tanh(w·x + r·h + b).
constexpr float kW = 0.8f, kR = -0.6f, kB = 0.1f;

class ModelMaker {
 public:
  int tensor(std::vector<int32_t> shape, std::vector<float> data = {}, bool variable = false) {
    TfTensorSpec t{std::move(shape), kF32, 0, "t" + std::to_string(spec.tensors.size())};
    if (!data.empty()) {
      spec.buffers.push_back(bytes_of(data));
      t.buffer = static_cast<uint32_t>(spec.buffers.size());
    }
    t.is_variable = variable;
    spec.tensors.push_back(t);
    return static_cast<int>(spec.tensors.size()) - 1;
  }
  // An int8 weight quantized per tensor: TFLite's hybrid form when the input is float.
  int hybrid_weight(std::vector<int32_t> shape) {
    const int t = tensor(std::move(shape));
    spec.tensors[static_cast<size_t>(t)].type = kI8;
    spec.buffers.push_back(std::vector<uint8_t>(1, 100));
    spec.tensors[static_cast<size_t>(t)].buffer = static_cast<uint32_t>(spec.buffers.size());
    spec.tensors[static_cast<size_t>(t)].scale = {0.01f};
    spec.tensors[static_cast<size_t>(t)].zero_point = {0};
    return t;
  }
  TfModelSpec spec;
};

struct RnnForm {
  int activation = kActTanh;
  bool hybrid = false;
};

// RNN: x [1, 1] -> y [1, 1], its state a variable tensor.
TfModelSpec rnn_model(const RnnForm& form) {
  ModelMaker m;
  TfOperatorSpec op;
  op.builtin_code = kRnn;
  op.inputs = {m.tensor({1, 1}), form.hybrid ? m.hybrid_weight({1, 1}) : m.tensor({1, 1}, {kW}),
               m.tensor({1, 1}, {kR}), m.tensor({1}, {kB}), m.tensor({1, 1}, {}, true)};
  op.outputs = {m.tensor({1, 1})};
  op.options_type = kRnnOptions;
  op.options = {{0, 1, form.activation}};
  m.spec.operators = {op};
  m.spec.inputs = {op.inputs[0]};
  m.spec.outputs = op.outputs;
  return m.spec;
}

Result<std::unique_ptr<Session>> open(const TfModelSpec& spec) {
  auto owned = std::make_shared<std::vector<uint8_t>>(build_tflite(spec));
  return Session::open_buffer(owned->data(), owned->size(), owned, "rnn.tflite");
}

TEST(TfliteRnn, EachRunGoesOnFromTheStateTheOneBeforeLeft) {
  auto s = open(rnn_model({}));
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  const std::vector<float> xs = {1, -2, 0.5f};
  double h = 0;
  for (float x : xs) {
    std::memcpy((*s)->input(0).data(), &x, sizeof(float));
    ASSERT_TRUE((*s)->run().is_ok());
    h = std::tanh(kW * x + kR * h + kB);
    EXPECT_NEAR((*s)->output(0).data_as<float>()[0], h, 1e-6) << "x " << x;
  }
  (*s)->reset_state();
  const float x = 1;
  std::memcpy((*s)->input(0).data(), &x, sizeof(float));
  ASSERT_TRUE((*s)->run().is_ok());
  EXPECT_NEAR((*s)->output(0).data_as<float>()[0], std::tanh(kW + kB), 1e-6);
}

void expect_refused(const TfModelSpec& spec, const std::string& says) {
  auto s = open(spec);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported) << s.status().message();
  EXPECT_NE(s.status().message().find(says), std::string::npos) << s.status().message();
}

TEST(TfliteRnn, SignBitAndHybridWeightsAreRefusedByName) {
  expect_refused(rnn_model({.activation = kActSignBit}), "RNN with fused activation 5");
  expect_refused(rnn_model({.hybrid = true}), "quantized RNN");
}

// BIDIRECTIONAL_SEQUENCE_RNN over x [2 steps, 1, 1] (time-major, or [1, 2, 1]) with an aux
// input of `aux_width` features, with aux weights or without (by TFLite's definition then the
// backward direction's input, which its kernel ignores).
TfModelSpec bidirectional_rnn_model(bool time_major, int32_t aux_width, bool aux_weights,
                                    bool one_state = false) {
  ModelMaker m;
  TfOperatorSpec op;
  op.builtin_code = kBidirectionalSequenceRnn;
  const std::vector<int32_t> x =
      time_major ? std::vector<int32_t>{2, 1, 1} : std::vector<int32_t>{1, 2, 1};
  std::vector<int32_t> aux = x;
  aux.back() = aux_width;
  op.inputs = {m.tensor(x)};
  for (int direction = 0; direction < 2; ++direction)
    for (int t : {m.tensor({1, 1}, {kW}), m.tensor({1, 1}, {kR}), m.tensor({1}, {kB}),
                  m.tensor({1, 1}, {}, true)})
      op.inputs.push_back(t);
  if (one_state) op.inputs[8] = op.inputs[4];  // both directions' state in one tensor
  op.inputs.push_back(m.tensor(aux));
  const std::vector<float> aux_row(static_cast<size_t>(aux_width), kW);
  for (int direction = 0; direction < 2; ++direction)
    op.inputs.push_back(aux_weights ? m.tensor({1, aux_width}, aux_row) : -1);
  std::vector<int32_t> y = x;
  y.back() = 2;
  op.outputs = {m.tensor(y)};
  op.options_type = kBidirectionalSequenceRnnOptions;
  op.options = {{0, 1, time_major ? 1 : 0}, {1, 1, kActTanh}, {2, 1, 1}};
  m.spec.operators = {op};
  m.spec.inputs = {op.inputs[0], op.inputs[9]};
  m.spec.outputs = op.outputs;
  return m.spec;
}

TEST(TfliteRnn, AuxInputsTfliteGetsWrongAreRefusedByName) {
  EXPECT_TRUE(open(bidirectional_rnn_model(false, 2, true)).is_ok());
  EXPECT_TRUE(open(bidirectional_rnn_model(true, 1, true)).is_ok());
  expect_refused(bidirectional_rnn_model(false, 1, false),
                 "BIDIRECTIONAL_SEQUENCE_RNN: an aux input without aux weights");
  expect_refused(bidirectional_rnn_model(true, 2, true),
                 "time-major with an aux input narrower or wider than the input");
}

TEST(TfliteRnn, AStateTensorTwoStatesShareIsRefused) {
  expect_refused(bidirectional_rnn_model(false, 2, true, true),
                 "a variable tensor that more than one state reads and writes");
}

// BIDIRECTIONAL_SEQUENCE_LSTM over x [batch, 2 steps, 1] with hidden size 1, merged outputs
// (time_major as given); or LSTM (one step over x [batch, 1]) with its kernel type.
TfModelSpec lstm_model(bool bidirectional, bool time_major, int32_t batch, int kernel_type = 0,
                       bool layer_norm = false) {
  ModelMaker m;
  TfOperatorSpec op;
  op.builtin_code = bidirectional ? 52 : 16;
  const std::vector<int32_t> x =
      bidirectional ? (time_major ? std::vector<int32_t>{2, batch, 1}
                                  : std::vector<int32_t>{batch, 2, 1})
                    : std::vector<int32_t>{batch, 1};
  op.inputs.assign(bidirectional ? 48 : 20, -1);
  op.inputs[0] = m.tensor(x);
  for (size_t first : bidirectional ? std::vector<size_t>{1, 18} : std::vector<size_t>{1})
    for (size_t g = 0; g < 4; ++g) {
      op.inputs[first + g] = m.tensor({1, 1}, {kW});
      op.inputs[first + 4 + g] = m.tensor({1, 1}, {kR});
      op.inputs[first + 11 + g] = m.tensor({1}, {kB});
    }
  for (size_t k : bidirectional ? std::vector<size_t>{35, 36, 37, 38} : std::vector<size_t>{18, 19})
    op.inputs[k] = m.tensor({batch, 1}, {}, true);
  if (layer_norm) {
    op.inputs.resize(24, -1);
    for (size_t k = 20; k < 24; ++k) op.inputs[k] = m.tensor({1}, {1});
  }
  std::vector<int32_t> y = x;
  y.back() = bidirectional ? 2 : 1;
  op.outputs = {m.tensor(y)};
  op.options_type = bidirectional ? 69 : 14;
  if (bidirectional)
    op.options = {{0, 1, kActTanh}, {3, 1, 1}, {4, 1, time_major ? 1 : 0}};
  else
    op.options = {{0, 1, kActTanh}, {3, 1, kernel_type}};
  m.spec.operators = {op};
  m.spec.inputs = {op.inputs[0]};
  m.spec.outputs = op.outputs;
  return m.spec;
}

TEST(TfliteLstm, FormsTfliteGetsWrongOrTheIrLacksAreRefusedByName) {
  EXPECT_TRUE(open(lstm_model(true, true, 2)).is_ok());
  EXPECT_TRUE(open(lstm_model(true, false, 1)).is_ok());
  expect_refused(lstm_model(true, false, 2), "merged batch-major outputs with batch > 1");
  EXPECT_TRUE(open(lstm_model(false, true, 2)).is_ok());
  expect_refused(lstm_model(false, true, 2, 1), "LSTM with the BASIC kernel type");
  expect_refused(lstm_model(false, true, 2, 0, true), "LSTM with layer normalization");
}

}  // namespace
}  // namespace outpost
