// The recurrent layers RNN, GRU and LSTM (ONNX's semantics, docs/ops.md): their attributes and
// operand shapes read once into an RnnSpec. Shape inference builds it to check the node; the
// reference kernel builds it again (the same function, so the same answer) to index.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"

namespace outpost {

enum class RnnCell { kRnn, kGru, kLstm };

// ONNX's activation functions of the recurrent ops, with their alpha and beta.
enum class RnnActivationKind {
  kRelu,
  kTanh,
  kSigmoid,
  kAffine,           // alpha * x + beta
  kLeakyRelu,        // x >= 0 ? x : alpha * x
  kThresholdedRelu,  // x > alpha ? x : 0
  kScaledTanh,       // alpha * tanh(beta * x)
  kHardSigmoid,      // clamp(alpha * x + beta, 0, 1)
  kElu,              // x >= 0 ? x : alpha * (e^x - 1)
  kSoftsign,         // x / (1 + |x|)
  kSoftplus,         // log(1 + e^x)
};

struct RnnActivation {
  RnnActivationKind kind = RnnActivationKind::kTanh;
  float alpha = 0, beta = 0;
};

// Operand indices, as ONNX orders them.
enum RnnInput : size_t {
  kRnnX = 0,
  kRnnW = 1,
  kRnnR = 2,
  kRnnB = 3,
  kRnnSequenceLens = 4,
  kRnnInitialH = 5,
  kRnnInitialC = 6,  // LSTM only
  kRnnP = 7,         // LSTM only: peepholes
};
enum RnnOutput : size_t { kRnnY = 0, kRnnYH = 1, kRnnYC = 2 };

struct RnnSpec {
  RnnCell cell = RnnCell::kRnn;
  int64_t gates = 1;  // rows of W per hidden unit: 1 (RNN), 3 (GRU: z, r, h), 4 (LSTM: i, o, f, c)
  int64_t directions = 1;    // 2 when bidirectional
  bool reverse = false;      // a one-direction layer that runs from the last step back
  bool batch_first = false;  // layout 1: x [batch, seq, input], y [batch, seq, dirs, hidden]
  int64_t seq_length = 0, batch = 0, input_size = 0, hidden = 0;
  float clip = 0;                    // bound on every activation's input; 0: none
  bool linear_before_reset = false;  // GRU
  bool input_forget = false;         // LSTM: the forget gate is 1 - the input gate
  // LSTM, TFLite's cell_clip: the cell state itself is clamped to [-cell_clip, cell_clip] after
  // each update; 0: none.
  float cell_clip = 0;
  // functions() per direction, direction 0 first: RNN f; GRU f, g; LSTM f, g, h.
  std::vector<RnnActivation> activations;

  int64_t functions() const { return cell == RnnCell::kRnn ? 1 : cell == RnnCell::kGru ? 2 : 3; }
  // Whether direction d runs from the last step back.
  bool backward(int64_t d) const { return d == 1 || reverse; }
  // Shape of y, and of y_h, y_c, initial_h and initial_c.
  Shape y_shape() const;
  Shape state_shape() const;
};

// Reads and checks the node's attributes and operand shapes (every dimension the kernel indexes
// by), or fails naming the node: kShapeMismatch for a malformed node, kUnsupported for a dtype
// the op does not take.
Result<RnnSpec> onnx_rnn_spec(const Graph& g, const Node& n);

}  // namespace outpost
