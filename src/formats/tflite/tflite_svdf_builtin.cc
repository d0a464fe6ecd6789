// TFLite's SVDF (singular value decomposition filter: a fully connected layer factored into a
// feature filter and a time filter over the last `memory` steps), float32, as a rule
// (tflite_builtin_rule.h) lowered onto the IR's Gemm, Slice, Concat, Mul and ReduceSum.
//
// Per invocation, with x [batch, input], feature weights Wf [filters, input], time weights
// Wt [filters, memory], bias [units] (units = filters / rank) and the state [batch,
// filters * memory] (a variable tensor, each filter's last `memory` feature activations, oldest
// first):
//   activations = the state's first memory-1 columns, then x·Wfᵀ      [batch, filters, memory]
//   y = act(bias + Σ over each filter group of `rank` (Σ over memory activations ⊙ Wt))
//   next state = activations shifted left by one step, a zero in the newest column
// The state at rest is already shifted (TFLite shifts at the end of an invocation and clears the
// newest column at the start of the next, so a nonzero start there is ignored); Outpost's states
// take their new values after the run (Graph::state_updates), so the shift is written out.
#include <utility>

#include "formats/tflite/tflite_builtin_rule.h"
#include "formats/tflite/tflite_recurrent_lowering.h"

namespace outpost::tflite {
namespace {

enum : int32_t { kSvdf = 27 };
enum : size_t { kInput = 0, kFeatureWeights = 1, kTimeWeights = 2, kBias = 3, kState = 4 };

// SVDFOptions: rank, fused_activation_function, asymmetric_quantize_inputs.
Status svdf_options(const Options& o, Node& n, const std::string& where) {
  n.attrs.set("rank", int64_t{o.i32(0)});
  return activation_option(o.i8(1), n, where);
}

// The layer's sizes, from its operands, checked as TFLite's kernel checks them.
struct SvdfSizes {
  int64_t batch, input, filters, memory, rank, units;
};

Result<SvdfSizes> svdf_sizes(const Lowering& l, const Node& n, const std::string& op) {
  if (n.inputs.size() != 5 || n.outputs.size() != 1)
    return invalid_model(op + " has " + std::to_string(n.inputs.size()) + " inputs and " +
                         std::to_string(n.outputs.size()) + " outputs, not 5 and 1");
  for (size_t i : {kInput, kFeatureWeights, kTimeWeights})
    if (!present(n, i)) return invalid_model(op + ": input " + std::to_string(i) + " is missing");
  for (size_t i = 0; i < n.inputs.size(); ++i)
    if (present(n, i) && l.value(n.inputs[i]).dtype != DType::kFloat32)
      return unsupported(op + ": input " + std::to_string(i) + " is " +
                         dtype_name(l.value(n.inputs[i]).dtype) +
                         "; only float32 (not hybrid or int8) is supported");
  const Shape x = l.value(n.inputs[kInput]).shape, wf = l.value(n.inputs[kFeatureWeights]).shape;
  const Shape wt = l.value(n.inputs[kTimeWeights]).shape;
  const int64_t rank = n.attrs.get_int("rank", 0);
  if (x.rank() != 2 || wf.rank() != 2 || wt.rank() != 2 || wf[1] != x[1] || wt[0] != wf[0] ||
      wt[1] < 1 || x[0] < 1)
    return invalid_model(op + ": input " + x.to_string() + ", feature weights " + wf.to_string() +
                         " and time weights " + wt.to_string() +
                         " do not make a layer ([batch, input], [filters, input], [filters, memory])");
  if (rank < 1 || wf[0] % rank != 0)
    return invalid_model(op + ": rank " + std::to_string(rank) + " does not divide its " +
                         std::to_string(wf[0]) + " filters");
  SvdfSizes s{x[0], x[1], wf[0], wt[1], rank, wf[0] / rank};
  if (present(n, kBias) && l.value(n.inputs[kBias]).shape != Shape{s.units})
    return invalid_model(op + ": bias " + l.value(n.inputs[kBias]).shape.to_string() +
                         " is not [" + std::to_string(s.units) + "] (filters / rank)");
  OUTPOST_RETURN_IF_ERROR(check_state(l, n, kState, Shape{s.batch, s.filters * s.memory}, op));
  if (l.value(n.outputs[0]).dtype != DType::kFloat32)
    return unsupported(op + ": its output must be float32");
  return s;
}

int reshaped(Lowering& l, const std::string& suffix, int x, std::vector<int64_t> dims) {
  const int y = l.intermediate(suffix, DType::kFloat32, Shape(dims));
  l.add(OpKind::kReshape, suffix, {x}, {y}).attrs.set("new_shape", std::move(dims));
  return y;
}

// Columns [from, to) of x [batch, filters, memory].
int columns(Lowering& l, const std::string& suffix, int x, int64_t from, int64_t to) {
  std::vector<int64_t> dims = l.value(x).shape.dims();
  dims[2] = to - from;
  const int y = l.intermediate(suffix, DType::kFloat32, Shape(dims));
  l.add(OpKind::kSlice, suffix,
        {x, l.int64s(suffix + "_starts", {from}), l.int64s(suffix + "_ends", {to}),
         l.int64s(suffix + "_axes", {2})},
        {y});
  return y;
}

int sum_last_axis(Lowering& l, const std::string& suffix, int x) {
  std::vector<int64_t> dims = l.value(x).shape.dims();
  const int64_t last = static_cast<int64_t>(dims.size()) - 1;
  dims.pop_back();
  const int y = l.intermediate(suffix, DType::kFloat32, Shape(dims));
  l.add(OpKind::kReduceSum, suffix, {x, l.int64s(suffix + "_axes", {last})}, {y})
      .attrs.set("keepdims", int64_t{0});
  return y;
}

// The state after the run: the activations one step older, the newest column zero.
int next_state(Lowering& l, const SvdfSizes& s, int activations) {
  const Shape column{s.batch, s.filters, 1};
  int shifted;
  if (s.memory > 1) {
    shifted = concat(l, "shifted",
                     {columns(l, "older", activations, 1, s.memory),
                      l.zeros("newest", DType::kFloat32, column)},
                     2);
  } else {
    // A memory of one keeps nothing: zeros, as a node of the run (a state's next value is never
    // a constant), whatever the activations hold.
    shifted = l.intermediate("shifted", DType::kFloat32, column);
    const int never = l.intermediate("never", DType::kBool, Shape{1});
    set_owned_constant(l.graph().value(never), std::vector<uint8_t>{0});
    l.add(OpKind::kWhere, "shifted", {never, activations, l.zeros("newest", DType::kFloat32, column)},
          {shifted});
  }
  return reshaped(l, "next_state", shifted, {s.batch, s.filters * s.memory});
}

Status lower_svdf(Lowering& l, Node n, const std::string& where) {
  const std::string op = where + ": SVDF";
  OUTPOST_ASSIGN_OR_RETURN(const SvdfSizes s, svdf_sizes(l, n, op));
  const int features = l.intermediate("features", DType::kFloat32, Shape{s.batch, s.filters});
  l.add(OpKind::kGemm, "features", {n.inputs[kInput], n.inputs[kFeatureWeights]}, {features})
      .attrs.set("transB", int64_t{1});
  const int newest = reshaped(l, "newest_column", features, {s.batch, s.filters, 1});
  const int state = n.inputs[kState];
  const int activations =
      s.memory == 1
          ? newest
          : concat(l, "activations",
                   {columns(l, "kept", reshaped(l, "state", state, {s.batch, s.filters, s.memory}),
                            0, s.memory - 1),
                    newest},
                   2);
  const int weighted = l.intermediate("weighted", DType::kFloat32, l.value(activations).shape);
  l.add(OpKind::kMul, "weighted", {activations, n.inputs[kTimeWeights]}, {weighted});
  const int per_filter = sum_last_axis(l, "per_filter", weighted);
  const int per_unit =
      sum_last_axis(l, "per_unit", reshaped(l, "groups", per_filter, {s.batch, s.units, s.rank}));
  const int64_t activation = n.attrs.get_int("fused_activation", 0);
  if (present(n, kBias))
    add_activated(l, OpKind::kAdd, "bias", {per_unit, n.inputs[kBias]}, n.outputs[0], activation);
  else
    add_activated(l, OpKind::kIdentity, "output", {per_unit}, n.outputs[0], activation);
  l.graph().state_updates.push_back({state, next_state(l, s, activations)});
  return Status::ok();
}

// clang-format off
const BuiltinRule kRules[] = {
    {kSvdf, OpKind::kGemm, "41", svdf_options, lower_svdf, QuantizedForm::kRefused},
};
// clang-format on

}  // namespace

std::span<const BuiltinRule> svdf_builtin_rules() { return kRules; }

bool svdf_carries_state(int32_t code, size_t input) { return code == kSvdf && input == kState; }

}  // namespace outpost::tflite
