#include "ir/onnx_rnn.h"

#include <array>
#include <cctype>
#include <cmath>
#include <string>
#include <utility>

#include "ir/shape_inference_onnx_util.h"

namespace outpost {

using namespace onnx_infer;  // NOLINT: this family's helpers

namespace {

// Real layers have at most a few thousand units; the bound keeps gates * hidden (and twice that,
// B's length) far from overflowing.
constexpr int64_t kMaxHidden = int64_t{1} << 24;

struct ActivationInfo {
  const char* name;  // ONNX's spelling; matched without regard to case, as ONNX Runtime does
  RnnActivationKind kind;
  bool takes_alpha, takes_beta;
  float alpha, beta;  // defaults: those of the ONNX op of the same name
};

constexpr std::array<ActivationInfo, 11> kActivations = {{
    {"Relu", RnnActivationKind::kRelu, false, false, 0, 0},
    {"Tanh", RnnActivationKind::kTanh, false, false, 0, 0},
    {"Sigmoid", RnnActivationKind::kSigmoid, false, false, 0, 0},
    {"Affine", RnnActivationKind::kAffine, true, true, 1, 0},
    {"LeakyRelu", RnnActivationKind::kLeakyRelu, true, false, 0.01f, 0},
    {"ThresholdedRelu", RnnActivationKind::kThresholdedRelu, true, false, 1, 0},
    {"ScaledTanh", RnnActivationKind::kScaledTanh, true, true, 1, 1},
    {"HardSigmoid", RnnActivationKind::kHardSigmoid, true, true, 0.2f, 0.5f},
    {"Elu", RnnActivationKind::kElu, true, false, 1, 0},
    {"Softsign", RnnActivationKind::kSoftsign, false, false, 0, 0},
    {"Softplus", RnnActivationKind::kSoftplus, false, false, 0, 0},
}};

bool same_name(const std::string& a, const char* b) {
  size_t k = 0;
  for (; k < a.size() && b[k] != '\0'; ++k)
    if (std::tolower(static_cast<unsigned char>(a[k])) !=
        std::tolower(static_cast<unsigned char>(b[k])))
      return false;
  return k == a.size() && b[k] == '\0';
}

std::string activation_names() {
  std::string s;
  for (const ActivationInfo& a : kActivations) s += (s.empty() ? "" : ", ") + std::string(a.name);
  return s;
}

// The equations' defaults: RNN f = Tanh; GRU f = Sigmoid, g = Tanh; LSTM also h = Tanh.
std::vector<std::string> default_activations(RnnCell cell) {
  if (cell == RnnCell::kRnn) return {"Tanh"};
  if (cell == RnnCell::kGru) return {"Sigmoid", "Tanh"};
  return {"Sigmoid", "Tanh", "Tanh"};
}

// `activations` names functions() functions per direction (a bidirectional layer given one
// direction's list uses it for both, as ONNX Runtime does). activation_alpha and
// activation_beta are consumed in that order by the functions that take them; a function left
// without one takes its ONNX op's default, and values left over are ignored.
Status read_activations(const Graph& g, const Node& n, RnnSpec& s) {
  std::vector<std::string> names = n.attrs.get_strings("activations");
  const size_t per_direction = static_cast<size_t>(s.functions());
  const size_t total = per_direction * static_cast<size_t>(s.directions);
  if (names.empty()) names = default_activations(s.cell);
  if (names.size() == per_direction && total > per_direction) {
    const std::vector<std::string> one = names;
    names.insert(names.end(), one.begin(), one.end());
  }
  if (names.size() != total)
    return fail(g, n,
                "activations names " + std::to_string(names.size()) + " functions; this " +
                    op_name(n.op) + " takes " + std::to_string(per_direction) + " per direction (" +
                    std::to_string(total) + ")");
  const std::vector<float> alphas = n.attrs.get_floats("activation_alpha");
  const std::vector<float> betas = n.attrs.get_floats("activation_beta");
  size_t next_alpha = 0, next_beta = 0;
  for (const std::string& name : names) {
    const ActivationInfo* info = nullptr;
    for (const ActivationInfo& a : kActivations)
      if (same_name(name, a.name)) info = &a;
    if (info == nullptr)
      return fail(g, n, "activation '" + name + "' is not one of " + activation_names());
    RnnActivation act{info->kind, info->alpha, info->beta};
    if (info->takes_alpha && next_alpha < alphas.size()) act.alpha = alphas[next_alpha++];
    if (info->takes_beta && next_beta < betas.size()) act.beta = betas[next_beta++];
    s.activations.push_back(act);
  }
  return Status::ok();
}

Status read_attributes(const Graph& g, const Node& n, RnnSpec& s) {
  const std::string direction = n.attrs.get_string("direction", "forward");
  if (direction == "bidirectional")
    s.directions = 2;
  else if (direction == "reverse")
    s.reverse = true;
  else if (direction != "forward")
    return fail(g, n, "direction '" + direction + "' is not forward, reverse or bidirectional");
  const int64_t layout = n.attrs.get_int("layout", 0);
  if (layout != 0 && layout != 1)
    return fail(g, n, "layout must be 0 or 1, is " + std::to_string(layout));
  s.batch_first = layout == 1;
  if (n.attrs.has("clip")) {
    s.clip = n.attrs.get_float("clip", 0);
    // Written so that NaN fails too.
    if (!(s.clip > 0)) return fail(g, n, "clip must be positive, is " + std::to_string(s.clip));
  }
  const int64_t lbr = n.attrs.get_int("linear_before_reset", 0);
  const int64_t input_forget = n.attrs.get_int("input_forget", 0);
  if ((lbr != 0 && lbr != 1) || (input_forget != 0 && input_forget != 1))
    return fail(g, n, "linear_before_reset and input_forget must be 0 or 1");
  if (n.attrs.has("cell_clip")) {
    s.cell_clip = n.attrs.get_float("cell_clip", 0);
    if (s.cell != RnnCell::kLstm || !(s.cell_clip >= 0) || std::isinf(s.cell_clip))
      return fail(g, n, "cell_clip (an LSTM's) must be a finite value >= 0, is " +
                            std::to_string(s.cell_clip));
  }
  s.linear_before_reset = s.cell == RnnCell::kGru && lbr == 1;
  s.input_forget = s.cell == RnnCell::kLstm && input_forget == 1;
  return read_activations(g, n, s);
}

Status check_float_dtypes(const Graph& g, const Node& n) {
  const DType x = in(g, n, kRnnX).dtype;
  if (x != DType::kFloat32 && x != DType::kFloat64)
    return unsupported(g.source + ": " + n.describe() + ": op '" + op_name(n.op) + "': dtype " +
                       dtype_name(x) + " is not supported (float32, float64)");
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (!present(n, i)) continue;
    const DType want = i == kRnnSequenceLens ? DType::kInt32 : x;
    if (in(g, n, i).dtype != want)
      return fail(g, n,
                  "input " + std::to_string(i) + " must be " + dtype_name(want) + ", is " +
                      dtype_name(in(g, n, i).dtype));
  }
  return Status::ok();
}

Status check_shape(const Graph& g, const Node& n, size_t i, const Shape& want, const char* what) {
  if (!present(n, i) || in(g, n, i).shape == want) return Status::ok();
  return fail(g, n,
              std::string(what) + " must have shape " + want.to_string() + ", has " +
                  in(g, n, i).shape.to_string());
}

// x, w and r give the sizes; every other operand must agree with them.
Status read_shapes(const Graph& g, const Node& n, RnnSpec& s) {
  const Shape& x = in(g, n, kRnnX).shape;
  const Shape& r = in(g, n, kRnnR).shape;
  for (size_t i = 0; i < n.inputs.size(); ++i)
    if (present(n, i) && !in(g, n, i).shape.num_elements())
      return fail(g, n,
                  "input " + std::to_string(i) + " has shape " + in(g, n, i).shape.to_string() +
                      ", which holds no countable number of elements");
  if (x.rank() != 3)
    return fail(g, n,
                "X must be [seq_length, batch, input_size] (layout 0) or [batch, "
                "seq_length, input_size] (layout 1), is " +
                    x.to_string());
  s.seq_length = x[s.batch_first ? 1 : 0];
  s.batch = x[s.batch_first ? 0 : 1];
  s.input_size = x[2];
  if (r.rank() != 3)
    return fail(g, n, "R must be [directions, gates * hidden, hidden], is " + r.to_string());
  s.hidden = n.attrs.get_int("hidden_size", r[2]);
  if (s.hidden < 1 || s.hidden > kMaxHidden || s.hidden != r[2])
    return fail(g, n,
                "hidden_size " + std::to_string(s.hidden) + " must be in [1, " +
                    std::to_string(kMaxHidden) + "] and match R's last dimension (R is " +
                    r.to_string() + ")");
  const int64_t rows = s.gates * s.hidden;
  OUTPOST_RETURN_IF_ERROR(check_shape(g, n, kRnnW, Shape{s.directions, rows, s.input_size}, "W"));
  OUTPOST_RETURN_IF_ERROR(check_shape(g, n, kRnnR, Shape{s.directions, rows, s.hidden}, "R"));
  OUTPOST_RETURN_IF_ERROR(check_shape(g, n, kRnnB, Shape{s.directions, 2 * rows}, "B"));
  OUTPOST_RETURN_IF_ERROR(check_shape(g, n, kRnnSequenceLens, Shape{s.batch}, "sequence_lens"));
  OUTPOST_RETURN_IF_ERROR(check_shape(g, n, kRnnInitialH, s.state_shape(), "initial_h"));
  OUTPOST_RETURN_IF_ERROR(check_shape(g, n, kRnnInitialC, s.state_shape(), "initial_c"));
  return check_shape(g, n, kRnnP, Shape{s.directions, 3 * s.hidden}, "P");
}

}  // namespace

Shape RnnSpec::y_shape() const {
  return batch_first ? Shape{batch, seq_length, directions, hidden}
                     : Shape{seq_length, directions, batch, hidden};
}

Shape RnnSpec::state_shape() const {
  return batch_first ? Shape{batch, directions, hidden} : Shape{directions, batch, hidden};
}

Result<RnnSpec> onnx_rnn_spec(const Graph& g, const Node& n) {
  RnnSpec s;
  if (n.op == OpKind::kGRU) {
    s.cell = RnnCell::kGru;
    s.gates = 3;
  } else if (n.op == OpKind::kLSTM) {
    s.cell = RnnCell::kLstm;
    s.gates = 4;
  }
  const size_t max_outputs = s.cell == RnnCell::kLstm ? 3 : 2;
  if (n.outputs.size() > max_outputs)
    return fail(g, n,
                "has " + std::to_string(n.outputs.size()) + " outputs; " + op_name(n.op) +
                    " has at most " + std::to_string(max_outputs));
  OUTPOST_RETURN_IF_ERROR(check_float_dtypes(g, n));
  OUTPOST_RETURN_IF_ERROR(read_attributes(g, n, s));
  OUTPOST_RETURN_IF_ERROR(read_shapes(g, n, s));
  return s;
}

}  // namespace outpost
