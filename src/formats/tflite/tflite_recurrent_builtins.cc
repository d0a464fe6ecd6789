// TFLite's LSTM builtins, as rules (tflite_builtin_rule.h): UNIDIRECTIONAL_SEQUENCE_LSTM,
// LSTM (one step) and BIDIRECTIONAL_SEQUENCE_LSTM become the IR's LSTM (ONNX's,
// ir/onnx_rnn.h), one node per direction. TFLite gives each gate its own weight matrix,
// recurrent matrix, bias and peephole in gate order i, f, c, o; the IR stacks them in ONNX's
// order i, o, f, c, so the lowering concatenates them with Concat nodes, which constant folding
// runs once at load. The state TFLite keeps across invocations (its output_state and cell_state
// variable tensors) is the LSTM's initial_h and initial_c, and its y_h and y_c are what the
// state holds after the run (Graph::state_updates): each run goes on from the one before, as
// TFLite's invoke() does.
#include <utility>

#include "formats/tflite/tflite_builtin_rule.h"
#include "formats/tflite/tflite_recurrent_lowering.h"

namespace outpost::tflite {
namespace {

enum : int32_t {
  kLstm = 16,
  kUnidirectionalSequenceLstm = 44,
  kBidirectionalSequenceLstm = 52,
};

enum : size_t {
  kInput = 0,
  kLayerNorms = 20,  // UNIDIRECTIONAL_SEQUENCE_LSTM and LSTM: the layer-norm coefficients
  kLstmInputs = 24,
  kAuxInput = 39,  // BIDIRECTIONAL_SEQUENCE_LSTM
  kBidirectionalInputs = 48,
};

// One direction's operands (TFLite's lstm_shared.h order), from its input-to-input weights at
// `first`: input weights i, f, c, o [n_cell, n_input], recurrent weights i, f, c, o
// [n_cell, n_output], peepholes i, f, o [n_cell], biases i, f, c, o [n_cell], projection
// weights and bias; its output and cell states; and its aux-input weights i, f, c, o (0: none).
struct LstmCell {
  size_t first, output_state, cell_state, aux_weights;
  size_t weights(size_t g) const { return first + g; }
  size_t recurrent(size_t g) const { return first + 4 + g; }
  size_t peephole(size_t k) const { return first + 8 + k; }
  size_t bias(size_t g) const { return first + 11 + g; }
  size_t projection() const { return first + 15; }
  size_t projection_bias() const { return first + 16; }
};
constexpr LstmCell kOneCell{1, 18, 19, 0}, kForward{1, 35, 36, 40}, kBackward{18, 37, 38, 44};

// TFLite's fused activation codes (ActivationFunctionType).
enum : int64_t { kActRelu = 1, kActTanh = 4 };

Status read_cell_clip(const Options& o, Node& n, const std::string& where) {
  const float cell_clip = o.f32(1, 0);
  if (!(cell_clip >= 0))
    return invalid_model(where + ": cell_clip " + std::to_string(cell_clip) + " is negative");
  n.attrs.set("fused_activation", int64_t{o.i8(0)});
  n.attrs.set("cell_clip", cell_clip);
  return Status::ok();
}

// UnidirectionalSequenceLSTMOptions: fused_activation_function, cell_clip, proj_clip,
// time_major, asymmetric_quantize_inputs, diagonal_recurrent_tensors.
Status lstm_sequence_options(const Options& o, Node& n, const std::string& where) {
  if (o.flag(5))
    return unsupported(where +
                       ": UNIDIRECTIONAL_SEQUENCE_LSTM with diagonal recurrent weights "
                       "is not supported");
  n.attrs.set("time_major", int64_t{o.flag(3)});
  return read_cell_clip(o, n, where);
}

// LSTMOptions: fused_activation_function, cell_clip, proj_clip, kernel_type,
// asymmetric_quantize_inputs.
Status lstm_options(const Options& o, Node& n, const std::string& where) {
  if (o.i8(3) != 0)
    return unsupported(where + ": LSTM with the BASIC kernel type is not supported (FULL)");
  n.attrs.set("time_major", int64_t{1});
  return read_cell_clip(o, n, where);
}

// BidirectionalSequenceLSTMOptions: fused_activation_function, cell_clip, proj_clip,
// merge_outputs, time_major (true when absent), asymmetric_quantize_inputs.
Status bidirectional_lstm_options(const Options& o, Node& n, const std::string& where) {
  n.attrs.set("merge_outputs", int64_t{o.flag(3)});
  n.attrs.set("time_major", int64_t{o.i8(4, 1) != 0});
  return read_cell_clip(o, n, where);
}

// The ONNX activation of TFLite's cell candidate and cell output (TFLite's gates are sigmoids).
// With none, TFLite's kernel writes no activation into its scratch buffer and multiplies
// whatever it held: no answer to reproduce.
Result<std::string> cell_activation(int64_t code, const std::string& op) {
  if (code == kActTanh) return std::string("Tanh");
  if (code == kActRelu) return std::string("Relu");
  return unsupported(op + " with fused activation " + std::to_string(code) +
                     " is not supported (RELU or TANH)");
}

Status check_float(const Lowering& l, const Node& n, size_t i, const std::string& op) {
  if (l.value(n.inputs[i]).dtype == DType::kFloat32) return Status::ok();
  return unsupported(op + ": input " + std::to_string(i) + " is " +
                     dtype_name(l.value(n.inputs[i]).dtype) +
                     "; only float32 (not hybrid or quantized) is supported");
}

// Whether the cell couples its input gate to its forget gate (TFLite's CIFG: i = 1 - f, with
// no input-gate weights, recurrent weights, bias or peephole).
bool cifg(const Node& n, const LstmCell& c) { return !present(n, c.weights(0)); }

// What the IR's LSTM cannot express in one direction is refused, naming it.
Status check_cell(const Lowering& l, const Node& n, const LstmCell& c, const std::string& op) {
  if (present(n, c.projection()) || present(n, c.projection_bias()))
    return unsupported(op + " with a projection layer is not supported");
  const bool coupled = cifg(n, c);
  if (coupled && (present(n, c.recurrent(0)) || present(n, c.bias(0)) || present(n, c.peephole(0))))
    return invalid_model(op + ": without input gate weights (CIFG) it has no input gate "
                              "recurrent weights, bias or peephole either");
  const int peepholes =
      present(n, c.peephole(0)) + present(n, c.peephole(1)) + present(n, c.peephole(2));
  if (peepholes != 0 && peepholes != (coupled ? 2 : 3))
    return unsupported(op + " with only some of its peepholes is not supported");
  for (size_t i = c.first; i < c.projection(); ++i) {
    if (i >= c.peephole(0) && i < c.bias(0) && !peepholes) continue;
    if (coupled && (i == c.weights(0) || i == c.recurrent(0) || i == c.bias(0) ||
                    i == c.peephole(0)))
      continue;
    if (!present(n, i)) return invalid_model(op + ": input " + std::to_string(i) + " is missing");
    OUTPOST_RETURN_IF_ERROR(check_float(l, n, i, op));
  }
  const Shape& w = l.value(n.inputs[c.weights(1)]).shape;
  if (w.rank() != 2)
    return invalid_model(op + ": input " + std::to_string(c.weights(1)) + " has shape " +
                         w.to_string() + ", not [cells, input]");
  // Concatenated, gates of unequal sizes could still add up to 4 · hidden rows.
  const int64_t hidden = w[0];
  for (size_t i = c.first; i < c.projection(); ++i)
    if (present(n, i) &&
        (l.value(n.inputs[i]).shape.rank() == 0 || l.value(n.inputs[i]).shape[0] != hidden))
      return invalid_model(op + ": input " + std::to_string(i) + " has shape " +
                           l.value(n.inputs[i]).shape.to_string() + "; every gate's tensor has " +
                           std::to_string(hidden) + " rows");
  return Status::ok();
}

int negated(Lowering& l, const std::string& suffix, int x) {
  const int y = l.intermediate(suffix, l.value(x).dtype, l.value(x).shape);
  l.add(OpKind::kNeg, suffix + "_neg", {x}, {y});
  return y;
}

// The gates' tensors starting at `first` (TFLite's order i, f, c, o, or i, f, o for
// peepholes), in ONNX's order i, o, f(, c). A CIFG cell becomes the IR's `input_forget` LSTM,
// whose f is 1 - i: its i takes the forget gate's tensors negated, sigmoid(-a) being
// 1 - sigmoid(a), TFLite's input gate; its f (the forget gate's tensors) is not read.
std::vector<int> gates(Lowering& l, const Node& n, size_t first, bool peepholes, bool coupled,
                       const std::string& suffix) {
  std::vector<int> g;
  if (peepholes)
    g = {n.inputs[first], n.inputs[first + 2], n.inputs[first + 1]};
  else
    g = {n.inputs[first], n.inputs[first + 3], n.inputs[first + 1], n.inputs[first + 2]};
  if (coupled) g[0] = negated(l, suffix + "_input_gate", g[2]);
  return g;
}

// `parts` stacked along axis 0, with a leading directions axis of 1.
int stack(Lowering& l, const std::string& suffix, std::vector<int> parts) {
  return unsqueeze(l, suffix, concat(l, suffix + "_rows", std::move(parts), 0), 0);
}

// The input weights of each gate, with its aux weights beside them (x and aux are
// concatenated along the features) when the cell has them.
int input_weights(Lowering& l, const Node& n, const LstmCell& c, const std::string& tag) {
  const bool coupled = cifg(n, c);
  std::vector<int> w = gates(l, n, c.weights(0), false, coupled, tag + "_w");
  if (c.aux_weights != 0 && present(n, c.aux_weights)) {
    const std::vector<int> aux = gates(l, n, c.aux_weights, false, coupled, tag + "_w_aux");
    for (size_t g = 0; g < w.size(); ++g)
      w[g] = concat(l, tag + "_w_aux" + std::to_string(g), {w[g], aux[g]}, 1);
  }
  return stack(l, tag + "_w", std::move(w));
}

// One direction of the layer as an IR LSTM over x (time-major or batch-major): its output
// sequence, [seq, batch, hidden] or [batch, seq, hidden], written to `out` (kNoValue: a new
// value); its states updated after the run.
Result<int> lstm_direction(Lowering& l, const Node& n, const LstmCell& c, int x, bool reverse,
                           int out, const std::string& tag, const std::string& op) {
  OUTPOST_RETURN_IF_ERROR(check_cell(l, n, c, op));
  OUTPOST_ASSIGN_OR_RETURN(std::string act,
                           cell_activation(n.attrs.get_int("fused_activation", 0), op));
  const bool time_major = n.attrs.get_int("time_major", 0) != 0;
  const Shape xs = l.value(x).shape, w = l.value(n.inputs[c.weights(1)]).shape;
  const Shape r = l.value(n.inputs[c.recurrent(1)]).shape;
  const int64_t hidden = w[0], batch = xs[time_major ? 1 : 0], steps = xs[time_major ? 0 : 1];
  if (r != Shape{hidden, hidden})
    return invalid_model(op + ": weights " + w.to_string() + " and recurrent weights " +
                         r.to_string() +
                         " are not [cells, input] and [cells, cells] (no projection)");
  for (size_t i : {c.output_state, c.cell_state})
    OUTPOST_RETURN_IF_ERROR(check_state(l, n, i, Shape{batch, hidden}, op));
  if (n.inputs[c.output_state] == n.inputs[c.cell_state])
    return unsupported(op + ": one variable tensor as both output state and cell state is not "
                            "supported");
  if (c.aux_weights != 0 && present(n, c.aux_weights))
    for (size_t g = 0; g < 4; ++g)
      if (l.value(n.inputs[c.aux_weights + g]).shape[0] != hidden)
        return invalid_model(op + ": aux weights " + std::to_string(c.aux_weights + g) + " " +
                             l.value(n.inputs[c.aux_weights + g]).shape.to_string() + " have not " +
                             std::to_string(hidden) + " rows");
  const bool peepholes = present(n, c.peephole(1)), coupled = cifg(n, c);
  std::vector<int> biases = gates(l, n, c.bias(0), false, coupled, tag + "_b");
  biases.push_back(zeros(l, tag + "_recurrent_bias", 4 * hidden));  // TFLite has one per gate
  std::vector<int> inputs = {x, input_weights(l, n, c, tag),
                             stack(l, tag + "_r", gates(l, n, c.recurrent(0), false, coupled,
                                                        tag + "_r")),
                             stack(l, tag + "_b", biases), kNoValue /* sequence_lens */};
  inputs.push_back(directed_state(l, n.inputs[c.output_state], time_major, tag + "_h"));
  inputs.push_back(directed_state(l, n.inputs[c.cell_state], time_major, tag + "_c"));
  if (peepholes)
    inputs.push_back(stack(l, tag + "_p", gates(l, n, c.peephole(0), true, coupled, tag + "_p")));
  const Shape directed = l.value(inputs[5]).shape;
  const int y = l.intermediate(
      tag + "_y", DType::kFloat32,
      time_major ? Shape{steps, 1, batch, hidden} : Shape{batch, steps, 1, hidden});
  const int y_h = l.intermediate(tag + "_y_h", DType::kFloat32, directed);
  const int y_c = l.intermediate(tag + "_y_c", DType::kFloat32, directed);
  Node& lstm = l.add(OpKind::kLSTM, tag + "_lstm", std::move(inputs), {y, y_h, y_c});
  lstm.attrs.set("hidden_size", hidden);
  lstm.attrs.set("layout", int64_t{time_major ? 0 : 1});
  if (reverse) lstm.attrs.set("direction", std::string("reverse"));
  if (coupled) lstm.attrs.set("input_forget", int64_t{1});
  lstm.attrs.set("activations", std::vector<std::string>{"Sigmoid", act, act});
  const float cell_clip = n.attrs.get_float("cell_clip", 0);
  if (cell_clip > 0) lstm.attrs.set("cell_clip", cell_clip);
  update_state(l, n.inputs[c.output_state], y_h, time_major, tag + "_h");
  update_state(l, n.inputs[c.cell_state], y_c, time_major, tag + "_c");
  if (out == kNoValue) return squeeze(l, tag + "_out", y, time_major ? 1 : 2);
  l.add(OpKind::kSqueeze, tag + "_out_squeeze", {y}, {out})
      .attrs.set("axes", std::vector<int64_t>{time_major ? 1 : 2});
  return out;
}

// UNIDIRECTIONAL_SEQUENCE_LSTM and LSTM: 20 inputs, or 24 with layer normalization.
Status check_one_cell(const Lowering& l, const Node& n, size_t rank, const std::string& op) {
  if ((n.inputs.size() != kLayerNorms && n.inputs.size() != kLstmInputs) || n.outputs.size() != 1)
    return invalid_model(op + " has " + std::to_string(n.inputs.size()) + " inputs and " +
                         std::to_string(n.outputs.size()) + " outputs, not 20 or 24 and 1");
  for (size_t i = kLayerNorms; i < n.inputs.size(); ++i)
    if (present(n, i)) return unsupported(op + " with layer normalization is not supported");
  if (!present(n, kInput) || l.value(n.inputs[kInput]).shape.rank() != rank ||
      l.value(n.outputs[0]).dtype != DType::kFloat32)
    return invalid_model(op + " needs an input of rank " + std::to_string(rank) +
                         " and a float32 output");
  return check_float(l, n, kInput, op);
}

Status lower_unidirectional_lstm(Lowering& l, Node n, const std::string& where) {
  const std::string op = where + ": UNIDIRECTIONAL_SEQUENCE_LSTM";
  OUTPOST_RETURN_IF_ERROR(check_one_cell(l, n, 3, op));
  return lstm_direction(l, n, kOneCell, n.inputs[kInput], false, n.outputs[0], "fw", op).status();
}

// LSTM: one step over x [batch, input], time-major with one step.
Status lower_lstm(Lowering& l, Node n, const std::string& where) {
  const std::string op = where + ": LSTM";
  OUTPOST_RETURN_IF_ERROR(check_one_cell(l, n, 2, op));
  const int x = unsqueeze(l, "steps", n.inputs[kInput], 0);
  OUTPOST_ASSIGN_OR_RETURN(int y, lstm_direction(l, n, kOneCell, x, false, kNoValue, "fw", op));
  l.add(OpKind::kSqueeze, "squeeze", {y}, {n.outputs[0]})
      .attrs.set("axes", std::vector<int64_t>{0});
  return Status::ok();
}

// The inputs of the two directions. TFLite's aux input is either a second input both read
// through their own aux weights (stacking with cross links: x and the aux input concatenated
// along the features), or without aux weights the backward direction's input in place of x
// (stacking without cross links).
struct BidirectionalInputs {
  int fw_x, bw_x;
};

Result<BidirectionalInputs> bidirectional_inputs(Lowering& l, const Node& n,
                                                 const std::string& op) {
  const int x = n.inputs[kInput];
  int aux_weights = 0;
  for (size_t i = kForward.aux_weights; i < kBidirectionalInputs; ++i) aux_weights += present(n, i);
  if (!present(n, kAuxInput)) {
    if (aux_weights != 0) return invalid_model(op + ": aux weights without an aux input (39)");
    return BidirectionalInputs{x, x};
  }
  OUTPOST_RETURN_IF_ERROR(check_float(l, n, kAuxInput, op));
  const Shape xs = l.value(x).shape, as = l.value(n.inputs[kAuxInput]).shape;
  if (aux_weights == 0) {
    if (as != xs)
      return invalid_model(op + ": the aux input " + as.to_string() +
                           ", the backward direction's input, must have the input's shape " +
                           xs.to_string());
    return BidirectionalInputs{x, n.inputs[kAuxInput]};
  }
  if (aux_weights != 8)
    return unsupported(op + ": an aux input without all 8 aux weights (CIFG) is not supported");
  if (as.rank() != 3 || as[0] != xs[0] || as[1] != xs[1])
    return invalid_model(op + ": the aux input " + as.to_string() +
                         " must match the input's first two dimensions " + xs.to_string());
  for (size_t i = kForward.aux_weights; i < kBidirectionalInputs; ++i) {
    OUTPOST_RETURN_IF_ERROR(check_float(l, n, i, op));
    if (l.value(n.inputs[i]).shape.rank() != 2 || l.value(n.inputs[i]).shape[1] != as[2])
      return invalid_model(op + ": aux weights " + l.value(n.inputs[i]).shape.to_string() +
                           " do not match the aux input " + as.to_string());
  }
  const int joined = concat(l, "x_aux", {x, n.inputs[kAuxInput]}, 2);
  return BidirectionalInputs{joined, joined};
}

Status lower_bidirectional_lstm(Lowering& l, Node n, const std::string& where) {
  const std::string op = where + ": BIDIRECTIONAL_SEQUENCE_LSTM";
  const bool merge = n.attrs.get_int("merge_outputs", 0) != 0;
  const size_t outputs = merge ? 1 : 2;
  if (n.inputs.size() != kBidirectionalInputs || n.outputs.size() != outputs)
    return invalid_model(op + " has " + std::to_string(n.inputs.size()) + " inputs and " +
                         std::to_string(n.outputs.size()) + " outputs, not 48 and " +
                         std::to_string(outputs));
  if (!present(n, kInput) || l.value(n.inputs[kInput]).shape.rank() != 3)
    return invalid_model(op + " needs an input of rank 3");
  OUTPOST_RETURN_IF_ERROR(check_float(l, n, kInput, op));
  for (int id : n.outputs)
    if (l.value(id).dtype != DType::kFloat32)
      return unsupported(op + ": its outputs must be float32, not " +
                         dtype_name(l.value(id).dtype));
  // TFLite's kernel (ai-edge-litert 2.3) writes the merged batch-major output of a batch > 1
  // with rows out of place: its answer there is not the layer's.
  const bool time_major = n.attrs.get_int("time_major", 1) != 0;
  if (merge && !time_major && l.value(n.inputs[kInput]).shape[0] > 1)
    return unsupported(op + ": merged batch-major outputs with batch > 1 are not supported "
                            "(TFLite's kernel misplaces the rows of the batch after the first)");
  OUTPOST_ASSIGN_OR_RETURN(BidirectionalInputs in, bidirectional_inputs(l, n, op));
  OUTPOST_ASSIGN_OR_RETURN(int fw, lstm_direction(l, n, kForward, in.fw_x, false,
                                                  merge ? kNoValue : n.outputs[0], "fw", op));
  OUTPOST_ASSIGN_OR_RETURN(int bw, lstm_direction(l, n, kBackward, in.bw_x, true,
                                                  merge ? kNoValue : n.outputs[1], "bw", op));
  if (merge)
    l.add(OpKind::kConcat, "merge", {fw, bw}, {n.outputs[0]}).attrs.set("axis", int64_t{2});
  return Status::ok();
}

// clang-format off
const BuiltinRule kRules[] = {
    {kUnidirectionalSequenceLstm, OpKind::kLSTM, "144111", lstm_sequence_options,
     lower_unidirectional_lstm, QuantizedForm::kRefused},
    {kLstm, OpKind::kLSTM, "14411", lstm_options, lower_lstm, QuantizedForm::kRefused},
    {kBidirectionalSequenceLstm, OpKind::kLSTM, "144111", bidirectional_lstm_options,
     lower_bidirectional_lstm, QuantizedForm::kRefused},
};
// clang-format on

}  // namespace

std::span<const BuiltinRule> recurrent_builtin_rules() { return kRules; }

bool carries_state(int32_t code, size_t input) {
  if (code == kUnidirectionalSequenceLstm || code == kLstm)
    return input == kOneCell.output_state || input == kOneCell.cell_state;
  if (code == kBidirectionalSequenceLstm)
    return input == kForward.output_state || input == kForward.cell_state ||
           input == kBackward.output_state || input == kBackward.cell_state;
  return rnn_carries_state(code, input) || svdf_carries_state(code, input);
}

}  // namespace outpost::tflite
