// Graph-building helpers shared by the lowerings of TFLite's recurrent builtins
// (tflite_recurrent_builtins.cc: the LSTMs; tflite_rnn_builtins.cc: the RNNs): the IR's
// recurrent ops take stacked weights and states with a directions axis, which TFLite's
// per-direction tensors get through Concat, Unsqueeze and Squeeze nodes (constant folding runs
// those over weights once, at load), and the variable tensors TFLite keeps state in become
// Graph::state_updates.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "formats/tflite/tflite_builtin_rule.h"
#include "formats/tflite/tflite_lowering.h"

namespace outpost::tflite {

bool present(const Node& n, size_t i);

// Values made from the operator's, named `suffix`.
int unsqueeze(Lowering& l, const std::string& suffix, int x, int64_t axis);
int squeeze(Lowering& l, const std::string& suffix, int x, int64_t axis);
int concat(Lowering& l, const std::string& suffix, std::vector<int> parts, int64_t axis);
int zeros(Lowering& l, const std::string& suffix, int64_t count);

// Input `i`, a variable tensor the layer keeps its state in, must be a float32 `shape` that
// TFLite can write: present, and neither a constant nor a graph input; and no state before it
// (Graph::state_updates) may be the same tensor.
Status check_state(const Lowering& l, const Node& n, size_t i, const Shape& shape,
                   const std::string& op);

// The state with the IR's directions axis of 1 (first when time-major, after the batch when
// batch-major): the recurrent op's initial state.
int directed_state(Lowering& l, int state, bool time_major, const std::string& suffix);
// After each run the state takes `final_state` (the op's y_h or y_c) less its directions axis.
void update_state(Lowering& l, int state, int final_state, bool time_major,
                  const std::string& suffix);

// The rules of tflite_rnn_builtins.cc, and whether input `input` of `code` is one of their
// states (carries_state, tflite_builtin_rule.h).
std::span<const BuiltinRule> rnn_builtin_rules();
bool rnn_carries_state(int32_t code, size_t input);
// The same for SVDF (tflite_svdf_builtin.cc).
std::span<const BuiltinRule> svdf_builtin_rules();
bool svdf_carries_state(int32_t code, size_t input);

}  // namespace outpost::tflite
