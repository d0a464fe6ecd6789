// TFLite's recurrent builtins, as rules (tflite_builtin_rule.h): UNIDIRECTIONAL_SEQUENCE_LSTM
// becomes the IR's LSTM (ONNX's, ir/onnx_rnn.h). TFLite gives each gate its own weight matrix,
// recurrent matrix, bias and peephole in gate order i, f, c, o; the IR stacks them in ONNX's
// order i, o, f, c, so the lowering concatenates them with Concat nodes, which constant folding
// runs once at load. The state TFLite keeps across invocations (its output_state and cell_state
// variable tensors) is the LSTM's initial_h and initial_c, and its y_h and y_c are what the
// state holds after the run (Graph::state_updates): each run goes on from the one before, as
// TFLite's invoke() does.
#include <cstring>
#include <utility>

#include "formats/tflite/tflite_builtin_rule.h"
#include "formats/tflite/tflite_recurrent_lowering.h"

namespace outpost::tflite {
namespace {

enum : int32_t { kUnidirectionalSequenceLstm = 44 };

// The operator's inputs (TFLite's lstm_shared.h order).
enum LstmInput : size_t {
  kInput = 0,
  kInputWeights = 1,      // i, f, c, o: [n_cell, n_input]
  kRecurrentWeights = 5,  // i, f, c, o: [n_cell, n_output]
  kPeepholes = 9,         // i, f, o: [n_cell]
  kBiases = 12,           // i, f, c, o: [n_cell]
  kProjectionWeights = 16,
  kProjectionBias = 17,
  kOutputState = 18,
  kCellState = 19,
  kLayerNorms = 20,  // i, f, c, o: the layer-norm LSTM's coefficients
  kInputCount = 24,
};

// TFLite's fused activation codes (ActivationFunctionType).
enum : int64_t { kActRelu = 1, kActTanh = 4 };

// UnidirectionalSequenceLSTMOptions: fused_activation_function, cell_clip, proj_clip,
// time_major, asymmetric_quantize_inputs, diagonal_recurrent_tensors.
Status lstm_options(const Options& o, Node& n, const std::string& where) {
  if (o.flag(5))
    return unsupported(where +
                       ": UNIDIRECTIONAL_SEQUENCE_LSTM with diagonal recurrent weights "
                       "is not supported");
  const float cell_clip = o.f32(1, 0);
  if (!(cell_clip >= 0))
    return invalid_model(where + ": cell_clip " + std::to_string(cell_clip) + " is negative");
  n.attrs.set("fused_activation", int64_t{o.i8(0)});
  n.attrs.set("cell_clip", cell_clip);
  n.attrs.set("time_major", int64_t{o.flag(3)});
  return Status::ok();
}

// The ONNX activation of TFLite's cell candidate and cell output (TFLite's gates are sigmoids).
// With none, TFLite's kernel writes no activation into its scratch buffer and multiplies
// whatever it held: no answer to reproduce.
Result<std::string> cell_activation(int64_t code, const std::string& where) {
  if (code == kActTanh) return std::string("Tanh");
  if (code == kActRelu) return std::string("Relu");
  return unsupported(where + ": UNIDIRECTIONAL_SEQUENCE_LSTM with fused activation " +
                     std::to_string(code) + " is not supported (RELU or TANH)");
}

// What the IR's LSTM cannot express is refused, naming it.
Status check_form(const Lowering& l, const Node& n, const std::string& where) {
  const std::string op = where + ": UNIDIRECTIONAL_SEQUENCE_LSTM";
  if (n.inputs.size() != kLayerNorms && n.inputs.size() != kInputCount)
    return invalid_model(op + " has " + std::to_string(n.inputs.size()) + " inputs, not 20 or 24");
  if (!present(n, kInputWeights))
    return unsupported(op + " without input gate weights (CIFG) is not supported");
  if (present(n, kProjectionWeights) || present(n, kProjectionBias))
    return unsupported(op + " with a projection layer is not supported");
  for (size_t i = kLayerNorms; i < n.inputs.size(); ++i)
    if (present(n, i)) return unsupported(op + " with layer normalization is not supported");
  const int peepholes =
      present(n, kPeepholes) + present(n, kPeepholes + 1) + present(n, kPeepholes + 2);
  if (peepholes != 0 && peepholes != 3)
    return unsupported(op + " with only some of its peepholes is not supported");
  if (!present(n, kOutputState) || !present(n, kCellState))
    return invalid_model(op +
                         ": its output_state and cell_state (inputs 18, 19) must be variable "
                         "tensors, as TFLite requires");
  for (size_t i : {size_t{kOutputState}, size_t{kCellState}})
    if (l.value(n.inputs[i]).dtype != DType::kFloat32 || l.value(n.inputs[i]).shape.rank() != 2)
      return invalid_model(op + ": input " + std::to_string(i) + " must be a float32 [batch, units] state");
  for (size_t i = 0; i < kProjectionWeights; ++i) {
    if (i >= kPeepholes && i < kBiases && !peepholes) continue;
    if (!present(n, i)) return invalid_model(op + ": input " + std::to_string(i) + " is missing");
    if (l.value(n.inputs[i]).dtype != DType::kFloat32)
      return unsupported(op + ": input " + std::to_string(i) + " is " +
                         dtype_name(l.value(n.inputs[i]).dtype) +
                         "; only float32 (not hybrid or quantized) is supported");
  }
  return Status::ok();
}

// The gates' tensors starting at `first` (TFLite's order i, f, c, o, or i, f, o for
// peepholes), in ONNX's order i, o, f(, c).
std::vector<int> onnx_order(const Node& n, size_t first, bool peepholes) {
  if (peepholes) return {n.inputs[first], n.inputs[first + 2], n.inputs[first + 1]};
  return {n.inputs[first], n.inputs[first + 3], n.inputs[first + 1], n.inputs[first + 2]};
}

// `parts` concatenated along axis 0, with a leading dimension of 1 (one direction).
int stack(Lowering& l, const std::string& suffix, std::vector<int> parts) {
  std::vector<int64_t> dims = l.value(parts[0]).shape.dims();
  dims[0] = 0;
  for (int p : parts) dims[0] += l.value(p).shape[0];
  const int joined = l.intermediate(suffix + "_rows", DType::kFloat32, Shape(dims));
  l.add(OpKind::kConcat, suffix + "_concat", std::move(parts), {joined})
      .attrs.set("axis", int64_t{0});
  dims.insert(dims.begin(), 1);
  const int stacked = l.intermediate(suffix, DType::kFloat32, Shape(dims));
  l.add(OpKind::kUnsqueeze, suffix + "_unsqueeze", {joined}, {stacked})
      .attrs.set("axes", std::vector<int64_t>{0});
  return stacked;
}

// The IR LSTM: x and y time-major or batch-major as the option says (`layout`); y, which the
// IR gives a directions axis of 1, squeezed to TFLite's output.
Status lower_unidirectional_lstm(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(check_form(l, n, where));
  OUTPOST_ASSIGN_OR_RETURN(std::string act,
                           cell_activation(n.attrs.get_int("fused_activation", 0), where));
  const Shape x = l.value(n.inputs[kInput]).shape;  // a copy: values are added below
  const Shape w = l.value(n.inputs[kInputWeights]).shape;
  if (x.rank() != 3 || w.rank() != 2 || n.outputs.size() != 1 ||
      l.value(n.outputs[0]).dtype != DType::kFloat32)
    return invalid_model(where +
                         ": UNIDIRECTIONAL_SEQUENCE_LSTM needs an input of rank 3, "
                         "weights of rank 2 and one float32 output");
  const int64_t hidden = w[0];
  // Concatenated, gates of unequal sizes could still add up to 4 · hidden rows.
  for (size_t i = kInputWeights; i < kProjectionWeights; ++i)
    if (present(n, i) &&
        (l.value(n.inputs[i]).shape.rank() == 0 || l.value(n.inputs[i]).shape[0] != hidden))
      return invalid_model(where + ": UNIDIRECTIONAL_SEQUENCE_LSTM input " + std::to_string(i) +
                           " has shape " + l.value(n.inputs[i]).shape.to_string() +
                           "; every gate's tensor has " + std::to_string(hidden) + " rows");
  const bool time_major = n.attrs.get_int("time_major", 0) != 0;
  const bool peepholes = present(n, kPeepholes);
  std::vector<int> biases = onnx_order(n, kBiases, false);
  biases.push_back(zeros(l, "recurrent_bias", 4 * hidden));  // TFLite has one bias per gate
  std::vector<int> inputs = {n.inputs[kInput], stack(l, "w", onnx_order(n, kInputWeights, false)),
                             stack(l, "r", onnx_order(n, kRecurrentWeights, false)),
                             stack(l, "b", biases)};
  const int64_t batch = x[time_major ? 1 : 0], steps = x[time_major ? 0 : 1];
  // The IR's states have a directions axis of 1: first, or after the batch when batch-first.
  const int64_t directions_axis = time_major ? 0 : 1;
  const Shape state{batch, hidden};
  const Shape directed_state = time_major ? Shape{1, batch, hidden} : Shape{batch, 1, hidden};
  for (size_t i : {size_t{kOutputState}, size_t{kCellState}})
    if (l.value(n.inputs[i]).shape != state)
      return invalid_model(where + ": UNIDIRECTIONAL_SEQUENCE_LSTM state " + std::to_string(i) + " has shape " +
                           l.value(n.inputs[i]).shape.to_string() + ", not " + state.to_string());
  inputs.push_back(kNoValue);  // sequence_lens
  for (size_t i : {size_t{kOutputState}, size_t{kCellState}}) {
    const int directed = l.intermediate(i == kOutputState ? "initial_h" : "initial_c", DType::kFloat32, directed_state);
    l.add(OpKind::kUnsqueeze, i == kOutputState ? "h_unsqueeze" : "c_unsqueeze", {n.inputs[i]}, {directed})
        .attrs.set("axes", std::vector<int64_t>{directions_axis});
    inputs.push_back(directed);
  }
  if (peepholes) inputs.push_back(stack(l, "p", onnx_order(n, kPeepholes, true)));
  const int y =
      l.intermediate("y", DType::kFloat32,
                     time_major ? Shape{steps, 1, batch, hidden} : Shape{batch, steps, 1, hidden});
  const int y_h = l.intermediate("y_h", DType::kFloat32, directed_state);
  const int y_c = l.intermediate("y_c", DType::kFloat32, directed_state);
  Node& lstm = l.add(OpKind::kLSTM, "lstm", std::move(inputs), {y, y_h, y_c});
  lstm.attrs.set("hidden_size", hidden);
  lstm.attrs.set("layout", int64_t{time_major ? 0 : 1});
  lstm.attrs.set("activations", std::vector<std::string>{"Sigmoid", act, act});
  const float cell_clip = n.attrs.get_float("cell_clip", 0);
  if (cell_clip > 0) lstm.attrs.set("cell_clip", cell_clip);
  l.add(OpKind::kSqueeze, "squeeze", {y}, {n.outputs[0]})
      .attrs.set("axes", std::vector<int64_t>{time_major ? 1 : 2});
  // What the state holds after the run: y_h and y_c without their directions axis.
  const std::pair<size_t, int> finals[] = {{kOutputState, y_h}, {kCellState, y_c}};
  for (const auto& [i, final_state] : finals) {
    const int next = l.intermediate(i == kOutputState ? "next_h" : "next_c", DType::kFloat32, state);
    l.add(OpKind::kSqueeze, i == kOutputState ? "h_squeeze" : "c_squeeze", {final_state}, {next})
        .attrs.set("axes", std::vector<int64_t>{directions_axis});
    l.graph().state_updates.push_back({n.inputs[i], next});
  }
  return Status::ok();
}

// clang-format off
const BuiltinRule kRules[] = {
    {kUnidirectionalSequenceLstm, OpKind::kLSTM, "144111", lstm_options, lower_unidirectional_lstm,
     QuantizedForm::kRefused},
};
// clang-format on

}  // namespace

std::span<const BuiltinRule> recurrent_builtin_rules() { return kRules; }

bool carries_state(int32_t code, size_t input) {
  if (code == kUnidirectionalSequenceLstm) return input == kOutputState || input == kCellState;
  return rnn_carries_state(code, input);
}

}  // namespace outpost::tflite
