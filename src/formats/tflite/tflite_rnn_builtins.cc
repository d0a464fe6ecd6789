// TFLite's plain recurrent builtins, as rules (tflite_builtin_rule.h): RNN (one step),
// UNIDIRECTIONAL_SEQUENCE_RNN and BIDIRECTIONAL_SEQUENCE_RNN become the IR's RNN (ONNX's,
// ir/onnx_rnn.h), one node per direction, so that the two directions may differ in size as
// TFLite lets them. TFLite's cell is h = act(x·Wᵀ + h·Rᵀ + b), its fused activation the RNN's
// f. The hidden state TFLite keeps across invocations in a variable tensor is the RNN's
// initial_h, and its y_h is what the state holds after the run (Graph::state_updates).
#include <utility>

#include "formats/tflite/tflite_builtin_rule.h"
#include "formats/tflite/tflite_recurrent_lowering.h"

namespace outpost::tflite {
namespace {

enum : int32_t { kRnn = 24, kUnidirectionalSequenceRnn = 35, kBidirectionalSequenceRnn = 46 };

// One direction's operands: input weights [units, input], recurrent weights [units, units],
// bias [units], hidden state [batch, units] (a variable tensor).
struct CellInputs {
  size_t weights, recurrent, bias, state;
};
constexpr CellInputs kForward{1, 2, 3, 4}, kBackward{5, 6, 7, 8};
enum : size_t { kInput = 0, kAuxInput = 9, kFwAuxWeights = 10, kBwAuxWeights = 11 };

// TFLite's fused activation codes (ActivationFunctionType).
enum : int64_t { kActNone = 0, kActRelu = 1, kActReluN1To1 = 2, kActRelu6 = 3, kActTanh = 4 };

// RNNOptions: fused_activation_function, asymmetric_quantize_inputs.
Status rnn_options(const Options& o, Node& n, const std::string&) {
  n.attrs.set("fused_activation", int64_t{o.i8(0)});
  n.attrs.set("time_major", int64_t{1});
  return Status::ok();
}

// SequenceRNNOptions: time_major, fused_activation_function, asymmetric_quantize_inputs.
Status sequence_rnn_options(const Options& o, Node& n, const std::string&) {
  n.attrs.set("time_major", int64_t{o.flag(0)});
  n.attrs.set("fused_activation", int64_t{o.i8(1)});
  return Status::ok();
}

// BidirectionalSequenceRNNOptions: time_major, fused_activation_function, merge_outputs,
// asymmetric_quantize_inputs.
Status bidirectional_rnn_options(const Options& o, Node& n, const std::string&) {
  n.attrs.set("time_major", int64_t{o.flag(0)});
  n.attrs.set("fused_activation", int64_t{o.i8(1)});
  n.attrs.set("merge_outputs", int64_t{o.flag(2)});
  return Status::ok();
}

// TFLite applies its fused activation to the sum in place, so NONE is the identity (Affine
// 1, 0). RELU_N1_TO_1 and RELU6 are Affine and Relu of the input clipped to 1 and 6: the IR's
// `clip` bounds the activation's input.
Status set_activation(Node& rnn, int64_t code, const std::string& op) {
  switch (code) {
    case kActNone:
    case kActReluN1To1:
      rnn.attrs.set("activations", std::vector<std::string>{"Affine"});
      rnn.attrs.set("activation_alpha", std::vector<float>{1});
      rnn.attrs.set("activation_beta", std::vector<float>{0});
      if (code == kActReluN1To1) rnn.attrs.set("clip", 1.0f);
      return Status::ok();
    case kActRelu:
    case kActRelu6:
      rnn.attrs.set("activations", std::vector<std::string>{"Relu"});
      if (code == kActRelu6) rnn.attrs.set("clip", 6.0f);
      return Status::ok();
    case kActTanh:
      rnn.attrs.set("activations", std::vector<std::string>{"Tanh"});
      return Status::ok();
    default:
      return unsupported(op + " with fused activation " + std::to_string(code) +
                         " is not supported (NONE, RELU, RELU_N1_TO_1, RELU6 or TANH)");
  }
}

// Every tensor the cell reads must be float32: int8 weights with float input are TFLite's
// hybrid kernel, which quantizes the input on the fly.
Status check_float(const Lowering& l, const Node& n, const std::string& op) {
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (n.inputs[i] == kNoValue) continue;
    const DType t = l.value(n.inputs[i]).dtype;
    if (t != DType::kFloat32)
      return unsupported(op + ": input " + std::to_string(i) + " is " + dtype_name(t) +
                         "; only float32 (not hybrid or quantized) is supported");
  }
  for (int id : n.outputs)
    if (l.value(id).dtype != DType::kFloat32)
      return unsupported(op + ": its outputs must be float32, not " +
                         dtype_name(l.value(id).dtype));
  return Status::ok();
}

// One direction of the layer as an IR RNN over x (time-major or batch-major): its output
// sequence, [seq, batch, units] or [batch, seq, units], written to `out` (kNoValue: a new
// value); its state updated after the run.
Result<int> rnn_direction(Lowering& l, const Node& n, const CellInputs& c, int x, int aux_weights,
                          bool reverse, int out, const std::string& tag, const std::string& op) {
  for (size_t i : {c.weights, c.recurrent, c.bias, c.state})
    if (!present(n, i)) return invalid_model(op + ": input " + std::to_string(i) + " is missing");
  const bool time_major = n.attrs.get_int("time_major", 0) != 0;
  const Shape xs = l.value(x).shape, w = l.value(n.inputs[c.weights]).shape;
  const Shape r = l.value(n.inputs[c.recurrent]).shape, b = l.value(n.inputs[c.bias]).shape;
  const int64_t batch = xs[time_major ? 1 : 0], steps = xs[time_major ? 0 : 1];
  const int64_t units = w.rank() == 2 ? w[0] : 0;
  // x has the aux input's features after its own when the cell has aux weights.
  const int64_t aux_width = aux_weights == kNoValue ? 0 : l.value(aux_weights).shape[1];
  if (w.rank() != 2 || w[1] != xs[2] - aux_width || r != Shape{units, units} ||
      b != Shape{units} || (aux_weights != kNoValue && l.value(aux_weights).shape[0] != units))
    return invalid_model(op + ": weights " + w.to_string() + ", recurrent weights " +
                         r.to_string() + " and bias " + b.to_string() +
                         " do not make a cell over input " + xs.to_string());
  OUTPOST_RETURN_IF_ERROR(check_state(l, n, c.state, Shape{batch, units}, op));
  int weights = n.inputs[c.weights];
  if (aux_weights != kNoValue) weights = concat(l, tag + "_w_aux", {weights, aux_weights}, 1);
  std::vector<int> inputs = {x, unsqueeze(l, tag + "_w", weights, 0),
                             unsqueeze(l, tag + "_r", n.inputs[c.recurrent], 0)};
  // TFLite has one bias; the IR's B is [Wb, Rb].
  inputs.push_back(unsqueeze(
      l, tag + "_b", concat(l, tag + "_bias", {n.inputs[c.bias], zeros(l, tag + "_rb", units)}, 0),
      0));
  inputs.push_back(kNoValue);  // sequence_lens
  const int initial_h = directed_state(l, n.inputs[c.state], time_major, tag + "_h");
  inputs.push_back(initial_h);
  const int y = l.intermediate(
      tag + "_y", DType::kFloat32,
      time_major ? Shape{steps, 1, batch, units} : Shape{batch, steps, 1, units});
  const int y_h = l.intermediate(tag + "_y_h", DType::kFloat32, l.value(initial_h).shape);
  Node& rnn = l.add(OpKind::kRNN, tag + "_rnn", std::move(inputs), {y, y_h});
  rnn.attrs.set("hidden_size", units);
  rnn.attrs.set("layout", int64_t{time_major ? 0 : 1});
  if (reverse) rnn.attrs.set("direction", std::string("reverse"));
  OUTPOST_RETURN_IF_ERROR(set_activation(rnn, n.attrs.get_int("fused_activation", 0), op));
  update_state(l, n.inputs[c.state], y_h, time_major, tag + "_h");
  if (out == kNoValue) return squeeze(l, tag + "_out", y, time_major ? 1 : 2);
  l.add(OpKind::kSqueeze, tag + "_out_squeeze", {y}, {out})
      .attrs.set("axes", std::vector<int64_t>{time_major ? 1 : 2});
  return out;
}

Status check_sequence_input(const Lowering& l, const Node& n, size_t inputs, size_t outputs,
                            const std::string& op) {
  if (n.inputs.size() != inputs || n.outputs.size() != outputs)
    return invalid_model(op + " has " + std::to_string(n.inputs.size()) + " inputs and " +
                         std::to_string(n.outputs.size()) + " outputs, not " +
                         std::to_string(inputs) + " and " + std::to_string(outputs));
  OUTPOST_RETURN_IF_ERROR(check_float(l, n, op));
  if (!present(n, kInput) || l.value(n.inputs[kInput]).shape.rank() != 3)
    return invalid_model(op + " needs an input of rank 3");
  return Status::ok();
}

// RNN: one step over x [batch, input], the output [batch, units] also the new state.
Status lower_rnn(Lowering& l, Node n, const std::string& where) {
  const std::string op = where + ": RNN";
  if (n.inputs.size() != 5 || n.outputs.size() != 1)
    return invalid_model(op + " has " + std::to_string(n.inputs.size()) + " inputs and " +
                         std::to_string(n.outputs.size()) + " outputs, not 5 and 1");
  OUTPOST_RETURN_IF_ERROR(check_float(l, n, op));
  if (!present(n, kInput) || l.value(n.inputs[kInput]).shape.rank() != 2)
    return invalid_model(op + " needs an input of rank 2");
  const int x = unsqueeze(l, "steps", n.inputs[kInput], 0);
  OUTPOST_ASSIGN_OR_RETURN(int y,
                           rnn_direction(l, n, kForward, x, kNoValue, false, kNoValue, "fw", op));
  l.add(OpKind::kSqueeze, "squeeze", {y}, {n.outputs[0]})
      .attrs.set("axes", std::vector<int64_t>{0});
  return Status::ok();
}

Status lower_unidirectional_rnn(Lowering& l, Node n, const std::string& where) {
  const std::string op = where + ": UNIDIRECTIONAL_SEQUENCE_RNN";
  OUTPOST_RETURN_IF_ERROR(check_sequence_input(l, n, 5, 1, op));
  return rnn_direction(l, n, kForward, n.inputs[kInput], kNoValue, false, n.outputs[0], "fw", op)
      .status();
}

// The inputs of each direction. TFLite's aux input is a second input both directions read
// through their own aux weights (stacking with cross links): x and aux are concatenated, W and
// the aux weights too. Without aux weights TFLite defines it as the backward direction's input
// in place of x (stacking without cross links), but its kernel (ai-edge-litert 2.3) runs the
// backward direction over x all the same: that form is refused.
struct BidirectionalInputs {
  int fw_x, bw_x;
  int fw_aux_weights = kNoValue, bw_aux_weights = kNoValue;
};

Result<BidirectionalInputs> bidirectional_inputs(Lowering& l, const Node& n, bool time_major,
                                                 const std::string& op) {
  const int x = n.inputs[kInput];
  BidirectionalInputs in{x, x};
  const bool aux = present(n, kAuxInput);
  const bool fw_w = present(n, kFwAuxWeights), bw_w = present(n, kBwAuxWeights);
  if (fw_w != bw_w || (fw_w && !aux))
    return invalid_model(op + ": aux weights need an aux input (9) and both directions' (10, 11)");
  if (!aux) return in;
  const Shape xs = l.value(x).shape, as = l.value(n.inputs[kAuxInput]).shape;
  if (!fw_w)
    return unsupported(op +
                       ": an aux input without aux weights (the backward direction's input) is "
                       "not supported (TFLite's kernel ignores it, against its definition)");
  if (as.rank() != 3 || as[0] != xs[0] || as[1] != xs[1])
    return invalid_model(op + ": the aux input " + as.to_string() +
                         " must match the input's first two dimensions " + xs.to_string());
  for (size_t i : {size_t{kFwAuxWeights}, size_t{kBwAuxWeights}})
    if (l.value(n.inputs[i]).shape.rank() != 2 || l.value(n.inputs[i]).shape[1] != as[2])
      return invalid_model(op + ": aux weights " + l.value(n.inputs[i]).shape.to_string() +
                           " do not match the aux input " + as.to_string());
  // TFLite's time-major loop steps through the aux input by the input's width.
  if (time_major && as[2] != xs[2])
    return unsupported(op + ": time-major with an aux input narrower or wider than the input "
                            "is not supported (TFLite's kernel reads it at the input's width)");
  in.fw_x = in.bw_x = concat(l, "x_aux", {x, n.inputs[kAuxInput]}, 2);
  in.fw_aux_weights = n.inputs[kFwAuxWeights];
  in.bw_aux_weights = n.inputs[kBwAuxWeights];
  return in;
}

Status lower_bidirectional_rnn(Lowering& l, Node n, const std::string& where) {
  const std::string op = where + ": BIDIRECTIONAL_SEQUENCE_RNN";
  const bool merge = n.attrs.get_int("merge_outputs", 0) != 0;
  const bool time_major = n.attrs.get_int("time_major", 0) != 0;
  OUTPOST_RETURN_IF_ERROR(check_sequence_input(l, n, 12, merge ? 1 : 2, op));
  OUTPOST_ASSIGN_OR_RETURN(BidirectionalInputs in, bidirectional_inputs(l, n, time_major, op));
  OUTPOST_ASSIGN_OR_RETURN(int fw, rnn_direction(l, n, kForward, in.fw_x, in.fw_aux_weights,
                                                 false, merge ? kNoValue : n.outputs[0], "fw", op));
  OUTPOST_ASSIGN_OR_RETURN(int bw, rnn_direction(l, n, kBackward, in.bw_x, in.bw_aux_weights,
                                                 true, merge ? kNoValue : n.outputs[1], "bw", op));
  if (merge)
    l.add(OpKind::kConcat, "merge", {fw, bw}, {n.outputs[0]}).attrs.set("axis", int64_t{2});
  return Status::ok();
}

// clang-format off
const BuiltinRule kRules[] = {
    {kRnn, OpKind::kRNN, "11", rnn_options, lower_rnn, QuantizedForm::kRefused},
    {kUnidirectionalSequenceRnn, OpKind::kRNN, "111", sequence_rnn_options,
     lower_unidirectional_rnn, QuantizedForm::kRefused},
    {kBidirectionalSequenceRnn, OpKind::kRNN, "1111", bidirectional_rnn_options,
     lower_bidirectional_rnn, QuantizedForm::kRefused},
};
// clang-format on

}  // namespace

std::span<const BuiltinRule> rnn_builtin_rules() { return kRules; }

bool rnn_carries_state(int32_t code, size_t input) {
  switch (code) {
    case kRnn:
    case kUnidirectionalSequenceRnn: return input == kForward.state;
    case kBidirectionalSequenceRnn: return input == kForward.state || input == kBackward.state;
    default: return false;
  }
}

}  // namespace outpost::tflite
