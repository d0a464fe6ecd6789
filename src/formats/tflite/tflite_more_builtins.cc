// More TFLite builtins as rules (tflite_builtin_rule.h), each onto the IR ops of its concept:
// bool reductions (REDUCE_ANY, REDUCE_ALL), bitwise and trigonometric functions of two tensors
// (BITWISE_XOR, RIGHT_SHIFT, ATAN2), shape arithmetic (RANK, BROADCAST_ARGS), REVERSE_SEQUENCE,
// SCATTER_ND, and the ops whose output size the data decides (WHERE, UNIQUE and
// NON_MAX_SUPPRESSION_V4/V5), which go through NonZero, Unique and NonMaxSuppression.
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "formats/tflite/tflite_builtin_rule.h"

namespace outpost::tflite {
namespace {

// Builtin codes of TFLite's BuiltinOperator enum.
enum : int32_t {
  kReduceAny = 91, kUnique = 103, kWhere = 109, kRank = 110, kReverseSequence = 112,
  kNonMaxSuppressionV4 = 120, kNonMaxSuppressionV5 = 121, kScatterNd = 122, kReduceAll = 140,
  kBroadcastArgs = 145, kAtan2 = 156, kBitwiseXor = 160, kRightShift = 161,
};

constexpr QuantizedForm kRefused = QuantizedForm::kRefused;

Status needs(const Node& n, size_t count, const std::string& where, const char* what) {
  if (has_inputs(n, count)) return Status::ok();
  return invalid_model(where + ": takes " + what + ", has " + std::to_string(n.inputs.size()) +
                       " inputs");
}

bool is_integer(DType d) {
  switch (d) {
    case DType::kInt8:
    case DType::kInt16:
    case DType::kInt32:
    case DType::kInt64:
    case DType::kUInt8:
    case DType::kUInt16:
    case DType::kUInt32:
    case DType::kUInt64: return true;
    default: return false;
  }
}

// A constant of `dtype` and `shape` holding zeros, owned by the graph.
// Marks output `id`'s dimension `d` as one the data decides: the shape the file declares there
// is a placeholder (TFLite resizes such a tensor when it runs), which inference replaces.
void decided_by_data(Lowering& l, int id, size_t d) {
  std::vector<int64_t> dims = l.value(id).shape.dims();
  if (d < dims.size()) dims[d] = -1;
  l.graph().value(id).shape = Shape(dims);
}

// `id` as int64 (a Cast where it is another integer dtype).
int as_int64(Lowering& l, int id, const std::string& suffix) {
  if (l.value(id).dtype == DType::kInt64) return id;
  const int wide = l.intermediate(suffix, DType::kInt64, l.value(id).shape);
  l.add(OpKind::kCast, suffix, {id}, {wide})
      .attrs.set("to_dtype", static_cast<int64_t>(DType::kInt64));
  return wide;
}

// ---- translations

Status keep_dims_option(const Options& o, Node& n, const std::string&) {
  n.attrs.set("keepdims", int64_t{o.flag(0)});
  n.attrs.set("noop_with_empty_axes", int64_t{1});  // TFLite's empty axes reduce nothing
  return Status::ok();
}

Status reverse_sequence_options(const Options& o, Node& n, const std::string&) {
  n.attrs.set("time_axis", int64_t{o.i32(0)});
  n.attrs.set("batch_axis", int64_t{o.i32(1)});
  return Status::ok();
}

// ---- lowerings

// ATAN2(y, x): float32 and float64, as TFLite's kernel.
Status lower_atan2(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs(n, 2, where, "two inputs"));
  const DType d = l.value(n.inputs[0]).dtype;
  if (d != DType::kFloat32 && d != DType::kFloat64)
    return unsupported(where + ": ATAN2 of " + dtype_name(d) +
                       " is not supported (float32, float64)");
  l.add(std::move(n));
  return Status::ok();
}

// BITWISE_XOR(a, b): Xor, bitwise on integers.
Status lower_bitwise_xor(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs(n, 2, where, "two inputs"));
  const DType d = l.value(n.inputs[0]).dtype;
  if (!is_integer(d))
    return unsupported(where + ": BITWISE_XOR of " + dtype_name(d) +
                       " is not supported (integers)");
  l.add(std::move(n));
  return Status::ok();
}

// RIGHT_SHIFT(x, y): BitShift RIGHT by y clamped to [0, width - 1], as TFLite's kernel clamps
// it (a signed x shifts arithmetically).
Status lower_right_shift(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs(n, 2, where, "two inputs"));
  const DType d = l.value(n.inputs[0]).dtype;
  if (!is_integer(d) || l.value(n.inputs[1]).dtype != d)
    return unsupported(where + ": RIGHT_SHIFT of " + dtype_name(d) + " by " +
                       dtype_name(l.value(n.inputs[1]).dtype) +
                       " is not supported (one integer dtype)");
  const Shape s = l.value(n.inputs[1]).shape;
  int amount = n.inputs[1];
  if (d == DType::kInt8 || d == DType::kInt16 || d == DType::kInt32 || d == DType::kInt64) {
    const int positive = l.intermediate("no_less_than_0", d, s);
    l.add(OpKind::kMax, "no_less_than_0", {amount, l.scalar("zero", d, 0)}, {positive});
    amount = positive;
  }
  const int clamped = l.intermediate("clamped", d, s);
  const double widest = static_cast<double>(dtype_size(d) * 8 - 1);
  l.add(OpKind::kMin, "clamped", {amount, l.scalar("widest", d, widest)}, {clamped});
  n.inputs[1] = clamped;
  n.attrs.set("direction", std::string("RIGHT"));
  l.add(std::move(n));
  return Status::ok();
}

// RANK(x): the rank, a constant once the shape is known (x's rank never changes).
Status lower_rank(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs(n, 1, where, "one input"));
  const DType d = l.value(n.outputs[0]).dtype;
  if (d != DType::kInt32 && d != DType::kInt64)
    return invalid_model(where + ": the rank is int32, the model declares " + dtype_name(d));
  const auto rank = static_cast<double>(l.value(n.inputs[0]).shape.rank());
  n.inputs = {l.scalar("rank", d, rank)};
  l.add(std::move(n));
  return Status::ok();
}

// REDUCE_ANY / REDUCE_ALL over bool: ReduceMax / ReduceMin of the values as uint8 (the axes
// already the attribute, tflite_operands.cc), cast back to bool.
Status lower_bool_reduction(Lowering& l, Node n, const std::string& where) {
  if (n.inputs.size() != 1 || n.inputs[0] == kNoValue)
    return invalid_model(where + ": takes the tensor and the axes");
  if (l.value(n.inputs[0]).dtype != DType::kBool || l.value(n.outputs[0]).dtype != DType::kBool)
    return invalid_model(where + ": reduces a bool tensor into a bool tensor");
  const int bytes = l.intermediate("uint8", DType::kUInt8, l.value(n.inputs[0]).shape);
  l.add(OpKind::kCast, "uint8", {n.inputs[0]}, {bytes})
      .attrs.set("to_dtype", static_cast<int64_t>(DType::kUInt8));
  const int y = n.outputs[0];
  const int reduced = l.intermediate("reduced", DType::kUInt8, l.value(y).shape);
  n.inputs = {bytes};
  n.outputs = {reduced};
  l.add(std::move(n));
  l.add(OpKind::kCast, "bool", {reduced}, {y})
      .attrs.set("to_dtype", static_cast<int64_t>(DType::kBool));
  return Status::ok();
}

// BROADCAST_ARGS(s0, s1): the broadcast shape of two shapes, computed as data: each padded in
// front with 1s to the longer length, then s1 where s0 is 1, else s0.
Status lower_broadcast_args(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs(n, 2, where, "two shapes"));
  const DType d = l.value(n.inputs[0]).dtype;
  if ((d != DType::kInt32 && d != DType::kInt64) || l.value(n.inputs[1]).dtype != d ||
      l.value(n.inputs[0]).shape.rank() != 1 || l.value(n.inputs[1]).shape.rank() != 1)
    return invalid_model(where + ": takes two 1-D int32 or int64 shapes of one dtype");
  const int64_t length =
      std::max(l.value(n.inputs[0]).shape[0], l.value(n.inputs[1]).shape[0]);
  std::vector<int> padded;
  for (size_t i = 0; i < 2; ++i) {
    const int s = n.inputs[i];
    const int64_t missing = length - l.value(s).shape[0];
    if (missing == 0) {
      padded.push_back(s);
      continue;
    }
    const std::string suffix = i == 0 ? "s0_padded" : "s1_padded";
    const int p = l.intermediate(suffix, d, Shape{length});
    const int pads = l.int64s(suffix + "_pads", {missing, 0});
    l.add(OpKind::kPad, suffix, {s, pads, l.scalar("one", d, 1)}, {p})
        .attrs.set("mode", std::string("constant"));
    padded.push_back(p);
  }
  const int is_one = l.intermediate("s0_is_one", DType::kBool, Shape{length});
  l.add(OpKind::kEqual, "s0_is_one", {padded[0], l.scalar("one", d, 1)}, {is_one});
  n.op = OpKind::kWhere;
  n.inputs = {is_one, padded[1], padded[0]};
  l.add(std::move(n));
  return Status::ok();
}

// REVERSE_SEQUENCE(x, seq_lengths) with seq_dim and batch_dim: ReverseSequence, which takes the
// two as dimensions 0 and 1; other dimensions are brought there by a Transpose and back.
Status lower_reverse_sequence(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs(n, 2, where, "the tensor and the sequence lengths"));
  const Shape x = l.value(n.inputs[0]).shape;
  const auto rank = static_cast<int64_t>(x.rank());
  const int64_t time = n.attrs.get_int("time_axis", 0), batch = n.attrs.get_int("batch_axis", 0);
  if (rank < 2 || time < 0 || time >= rank || batch < 0 || batch >= rank || time == batch)
    return invalid_model(where + ": seq_dim " + std::to_string(time) + " and batch_dim " +
                         std::to_string(batch) + " must be two dimensions of " + x.to_string());
  n.inputs[1] = as_int64(l, n.inputs[1], "seq_lengths_int64");
  if (time <= 1 && batch <= 1) {
    l.add(std::move(n));
    return Status::ok();
  }
  std::vector<int64_t> perm = {batch, time}, inverse(x.rank()), dims;
  for (int64_t k = 0; k < rank; ++k)
    if (k != batch && k != time) perm.push_back(k);
  for (size_t k = 0; k < perm.size(); ++k) {
    inverse[static_cast<size_t>(perm[k])] = static_cast<int64_t>(k);
    dims.push_back(x[static_cast<size_t>(perm[k])]);
  }
  const int moved = l.intermediate_like("batch_time_first", n.inputs[0], Shape(dims));
  l.add(OpKind::kTranspose, "batch_time_first", {n.inputs[0]}, {moved}).attrs.set("perm", perm);
  const int y = n.outputs[0];
  const int reversed = l.intermediate_like("reversed", y, Shape(dims));
  n.inputs[0] = moved;
  n.outputs = {reversed};
  n.attrs.set("batch_axis", int64_t{0});
  n.attrs.set("time_axis", int64_t{1});
  l.add(std::move(n));
  l.add(OpKind::kTranspose, "back", {reversed}, {y}).attrs.set("perm", inverse);
  return Status::ok();
}

// SCATTER_ND(indices, updates, shape): ScatterND of the updates into zeros of that shape, the
// updates at one index summed (TFLite's kernel adds them; bool updates it ors, which is their
// sum as int32 cast back to bool).
Status lower_scatter_nd(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs(n, 3, where, "the indices, the updates and the shape"));
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> shape,
                           constant_operand(l.graph(), n, 2, "shape", where));
  const int y = n.outputs[0];
  if (Shape(shape) != l.value(y).shape)
    return invalid_model(where + ": shape " + Shape(shape).to_string() +
                         " differs from the output's " + l.value(y).shape.to_string());
  const int indices = as_int64(l, n.inputs[0], "indices_int64");
  int updates = n.inputs[1];
  const bool truth = l.value(updates).dtype == DType::kBool;
  if (truth) {
    const int counts = l.intermediate("updates_int32", DType::kInt32, l.value(updates).shape);
    l.add(OpKind::kCast, "updates_int32", {updates}, {counts})
        .attrs.set("to_dtype", static_cast<int64_t>(DType::kInt32));
    updates = counts;
  }
  const DType d = l.value(updates).dtype;
  n.op = OpKind::kScatterND;
  n.inputs = {l.zeros("zeros", d, Shape(shape)), indices, updates};
  n.attrs.set("reduction", std::string("add"));
  if (truth) {
    const int sums = l.intermediate("sums", DType::kInt32, Shape(shape));
    n.outputs = {sums};
    l.add(std::move(n));
    l.add(OpKind::kCast, "any", {sums}, {y})
        .attrs.set("to_dtype", static_cast<int64_t>(DType::kBool));
    return Status::ok();
  }
  l.add(std::move(n));
  return Status::ok();
}

// WHERE(condition): the coordinates of its true (non-zero) elements, [count, rank] int64:
// NonZero's [rank, count] transposed.
Status lower_where(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs(n, 1, where, "the condition (WHERE with x and y is SELECT_V2)"));
  const int y = n.outputs[0];
  if (l.value(y).dtype != DType::kInt64)
    return invalid_model(where + ": WHERE gives int64 coordinates, the model declares " +
                         dtype_name(l.value(y).dtype));
  const auto rank = static_cast<int64_t>(l.value(n.inputs[0]).shape.rank());
  if (l.value(y).shape.rank() != 2)
    return invalid_model(where + ": WHERE gives [count, rank] coordinates, the model declares " +
                         l.value(y).shape.to_string());
  decided_by_data(l, y, 0);
  const int coordinates = l.intermediate("coordinates", DType::kInt64, Shape{rank, -1});
  n.op = OpKind::kNonZero;
  n.outputs = {coordinates};
  l.add(std::move(n));
  l.add(OpKind::kTranspose, "per_element", {coordinates}, {y})
      .attrs.set("perm", std::vector<int64_t>{1, 0});
  return Status::ok();
}

// UNIQUE(x): the distinct values of a 1-D x in the order they first appear, and for each
// element the index of its value among them: Unique unsorted, its inverse_indices as the
// index dtype the model declares (int32 or int64).
Status lower_unique(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs(n, 1, where, "one input"));
  if (n.outputs.size() != 2) return invalid_model(where + ": UNIQUE has two outputs");
  const Shape x = l.value(n.inputs[0]).shape;
  if (x.rank() != 1)
    return invalid_model(where + ": UNIQUE takes a 1-D tensor, has " + x.to_string());
  const DType index = l.value(n.outputs[1]).dtype;
  if (index != DType::kInt32 && index != DType::kInt64)
    return invalid_model(where + ": the indices are int32 or int64, the model declares " +
                         dtype_name(index));
  if (l.value(n.outputs[0]).shape.rank() != 1)
    return invalid_model(where + ": UNIQUE gives 1-D values, the model declares " +
                         l.value(n.outputs[0]).shape.to_string());
  decided_by_data(l, n.outputs[0], 0);
  const int first = l.intermediate("first_occurrence", DType::kInt64, Shape{-1});
  const int inverse = n.outputs[1];
  n.attrs.set("sorted", int64_t{0});
  n.outputs = {n.outputs[0], first, inverse};
  l.add(std::move(n));
  l.cast_output_from_int64(2);
  return Status::ok();
}

// A float32 scalar operand given as a constant (NON_MAX_SUPPRESSION's thresholds).
Result<float> constant_float(const Lowering& l, const Node& n, size_t i, const std::string& what,
                             const std::string& where) {
  const Value& v = l.value(n.inputs[i]);
  if (v.dtype != DType::kFloat32 || v.shape.num_elements() != 1)
    return invalid_model(where + ": " + what + " must be a float32 scalar");
  if (!v.is_constant())
    return unsupported(where + ": " + what +
                       " computed at run time is not supported (only a constant)");
  float f;
  std::memcpy(&f, v.constant.bytes, sizeof f);
  return f;
}

// `id` [count, ...] padded with zeros (or cut) to `length` entries: Concat with zeros, Slice.
int padded_to(Lowering& l, int id, int64_t length, int y, const std::string& suffix) {
  const DType d = l.value(id).dtype;
  const int longer = l.intermediate(suffix + "_with_zeros", d, Shape{-1});
  const int padding = l.zeros(suffix + "_zeros", d, Shape{length});
  l.add(OpKind::kConcat, suffix + "_with_zeros", {id, padding}, {longer})
      .attrs.set("axis", int64_t{0});
  const int start = l.int64s(suffix + "_start", {0}), end = l.int64s(suffix + "_end", {length});
  l.add(OpKind::kSlice, suffix, {longer, start, end}, {y});
  return y;
}

// NON_MAX_SUPPRESSION_V4(boxes [n, 4], scores [n], max_output_size, iou_threshold,
// score_threshold) -> selected_indices [max_output_size] (zeros after the selection),
// valid_outputs; V5 adds soft_nms_sigma and selected_scores. NonMaxSuppression of the one
// batch and class. TFLite drops a box whose IoU with a kept one reaches the threshold, the IR
// op one that exceeds it: the threshold is moved down by one float step.
Status lower_non_max_suppression(Lowering& l, Node n, const std::string& where) {
  const bool v5 = n.inputs.size() == 6;
  if (!has_inputs(n, v5 ? 6 : 5) || n.outputs.size() != (v5 ? 3u : 2u))
    return invalid_model(where + ": takes boxes, scores, max_output_size, iou_threshold, "
                         "score_threshold (and in V5 soft_nms_sigma)");
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> max_size,
                           constant_operand(l.graph(), n, 2, "max_output_size", where));
  OUTPOST_ASSIGN_OR_RETURN(float iou, constant_float(l, n, 3, "iou_threshold", where));
  OUTPOST_ASSIGN_OR_RETURN(float score, constant_float(l, n, 4, "score_threshold", where));
  if (v5) {
    OUTPOST_ASSIGN_OR_RETURN(float sigma, constant_float(l, n, 5, "soft_nms_sigma", where));
    if (sigma != 0.0f)
      return unsupported(where + ": soft NMS (soft_nms_sigma " + std::to_string(sigma) +
                         ", not 0) is not supported");
  }
  const Shape boxes = l.value(n.inputs[0]).shape, scores = l.value(n.inputs[1]).shape;
  if (max_size.size() != 1 || max_size[0] < 0 || boxes.rank() != 2 || boxes[1] != 4 ||
      scores != Shape{boxes[0]} || l.value(n.inputs[0]).dtype != DType::kFloat32 ||
      l.value(n.inputs[1]).dtype != DType::kFloat32)
    return unsupported(where + ": takes float32 boxes [n, 4], scores [n] and a max_output_size "
                       "of at least 0 (quantized boxes are not supported)");
  const int64_t count = boxes[0], length = max_size[0];
  const std::vector<int> outputs = n.outputs;
  const int flat_scores = n.inputs[1];
  for (int id : {outputs[0], outputs.back()})
    if (l.value(id).dtype != DType::kInt32)
      return invalid_model(where + ": selected_indices and valid_outputs are int32");
  const int boxes3 = l.intermediate("boxes", DType::kFloat32, Shape{1, count, 4});
  l.add(OpKind::kReshape, "boxes", {n.inputs[0]}, {boxes3})
      .attrs.set("new_shape", std::vector<int64_t>{1, count, 4});
  const int scores3 = l.intermediate("scores", DType::kFloat32, Shape{1, 1, count});
  l.add(OpKind::kReshape, "scores", {n.inputs[1]}, {scores3})
      .attrs.set("new_shape", std::vector<int64_t>{1, 1, count});
  const float below = std::nextafter(iou, -std::numeric_limits<float>::infinity());
  const int triples = l.intermediate("selected", DType::kInt64, Shape{-1, 3});
  n.op = OpKind::kNonMaxSuppression;
  n.attrs = Attributes();
  n.attrs.set("center_point_box", int64_t{0});
  n.inputs = {boxes3, scores3,
              l.scalar("max_output_size", DType::kInt64, static_cast<double>(length)),
              l.scalar("iou_threshold", DType::kFloat32, below),
              l.scalar("score_threshold", DType::kFloat32, score)};
  n.outputs = {triples};
  l.add(std::move(n));
  const int selected = l.intermediate("box_indices", DType::kInt64, Shape{-1});
  const int column = l.scalar("box_column", DType::kInt64, 2);
  l.add(OpKind::kGather, "box_indices", {triples, column}, {selected})
      .attrs.set("axis", int64_t{1});
  const int wide = l.intermediate("selected_indices_int64", DType::kInt64, Shape{length});
  padded_to(l, selected, length, wide, "selected_indices_int64");
  l.add(OpKind::kCast, "selected_indices", {wide}, {outputs[0]})
      .attrs.set("to_dtype", static_cast<int64_t>(DType::kInt32));
  if (v5) {
    const int picked = l.intermediate("picked_scores", DType::kFloat32, Shape{-1});
    l.add(OpKind::kGather, "picked_scores", {flat_scores, selected}, {picked})
        .attrs.set("axis", int64_t{0});
    padded_to(l, picked, length, outputs[1], "selected_scores");
  }
  const int valid =
      l.intermediate("valid_outputs_int64", DType::kInt64, Shape(std::vector<int64_t>{}));
  l.add(OpKind::kSize, "valid_outputs_int64", {selected}, {valid});
  l.add(OpKind::kCast, "valid_outputs", {valid}, {outputs.back()})
      .attrs.set("to_dtype", static_cast<int64_t>(DType::kInt32));
  return Status::ok();
}

// clang-format off
const BuiltinRule kRules[] = {
    {kRank, OpKind::kIdentity, "", nullptr, lower_rank, QuantizedForm::kAsIs},
    // The axes tensor becomes the attribute (tflite_operands.cc), as for REDUCE_MAX.
    {kReduceAny, OpKind::kReduceMax, "1", keep_dims_option, lower_bool_reduction, kRefused},
    {kReduceAll, OpKind::kReduceMin, "1", keep_dims_option, lower_bool_reduction, kRefused},
    {kAtan2, OpKind::kAtan2, "", nullptr, lower_atan2, kRefused},
    {kBitwiseXor, OpKind::kXor, "", nullptr, lower_bitwise_xor, kRefused},
    {kRightShift, OpKind::kBitShift, "", nullptr, lower_right_shift, kRefused},
    {kBroadcastArgs, OpKind::kWhere, "", nullptr, lower_broadcast_args, kRefused},
    {kReverseSequence, OpKind::kReverseSequence, "44", reverse_sequence_options,
     lower_reverse_sequence, QuantizedForm::kSameParams},
    {kScatterNd, OpKind::kScatterND, "", nullptr, lower_scatter_nd, kRefused},
    {kWhere, OpKind::kNonZero, "", nullptr, lower_where, kRefused},
    {kUnique, OpKind::kUnique, "", nullptr, lower_unique, kRefused},
    {kNonMaxSuppressionV4, OpKind::kNonMaxSuppression, "", nullptr, lower_non_max_suppression,
     kRefused},
    {kNonMaxSuppressionV5, OpKind::kNonMaxSuppression, "", nullptr, lower_non_max_suppression,
     kRefused},
};
// clang-format on

}  // namespace

std::span<const BuiltinRule> more_builtin_rules() { return kRules; }

}  // namespace outpost::tflite
