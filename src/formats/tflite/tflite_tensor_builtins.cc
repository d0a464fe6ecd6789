// The TFLite builtins that move, index and reshape tensors, as rules (tflite_builtin_rule.h):
// each becomes the IR's op of that concept, or the few IR nodes that make it, with TFLite's
// operand tensors turned into the IR's attributes and int64 operands.
#include <algorithm>
#include <limits>
#include <utility>

#include "formats/tflite/tflite_builtin_rule.h"
#include "ir/constant_ints.h"

namespace outpost::tflite {
namespace {

constexpr int64_t kToTheEnd = std::numeric_limits<int64_t>::max();
constexpr int64_t kBeforeTheStart = std::numeric_limits<int64_t>::min();

// Builtin codes of TFLite's BuiltinOperator enum.
enum : int32_t {
  kEmbeddingLookup = 7, kSpaceToDepth = 26, kGather = 36, kBatchToSpaceNd = 37,
  kSpaceToBatchNd = 38, kTranspose = 39, kSqueeze = 43, kStridedSlice = 45, kTopKV2 = 48,
  kSplit = 49, kCast = 53, kArgMax = 56, kPadV2 = 60, kSlice = 65, kTile = 69,
  kExpandDims = 70, kShape = 77, kArgMin = 79, kPack = 83, kOneHot = 85, kUnpack = 88,
  kZerosLike = 93, kFill = 94, kRange = 96, kResizeNearestNeighbor = 97, kMirrorPad = 100,
  kSplitV = 102, kReverseV2 = 105, kGatherNd = 107, kCumSum = 128, kBroadcastTo = 130,
};

Status needs_inputs(const Node& n, size_t count, const std::string& where, const char* what) {
  if (has_inputs(n, count)) return Status::ok();
  return invalid_model(where + ": takes " + std::to_string(count) + " inputs (" + what + "), has " +
                       std::to_string(n.inputs.size()));
}

int64_t rank_of(const Lowering& l, int id) { return static_cast<int64_t>(l.value(id).shape.rank()); }

// An axis in [-rank, rank) made non-negative; kInvalidModel otherwise.
Result<int64_t> normalized_axis(int64_t axis, int64_t rank, const std::string& where) {
  if (axis < -rank || axis >= rank)
    return invalid_model(where + ": axis " + std::to_string(axis) + " is out of range for rank " +
                         std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

// A scalar (or one-element) constant integer operand.
Result<int64_t> constant_scalar(const Graph& g, const Node& n, size_t i, const std::string& what,
                                const std::string& where) {
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> v, constant_operand(g, n, i, what, where));
  if (v.size() != 1) return invalid_model(where + ": " + what + " must hold one value");
  return v[0];
}

// An int32 or int64 operand as int64: the constant's values, or a Cast for one computed at
// run time.
int int64_operand(Lowering& l, int id, const std::string& suffix) {
  const Value& v = l.value(id);
  if (v.dtype == DType::kInt64) return id;
  if (v.is_constant()) {
    const std::vector<int64_t> values = constant_ints(v);
    return l.int64s(suffix, values);
  }
  const int wide = l.intermediate(suffix, DType::kInt64, v.shape);
  l.add(OpKind::kCast, suffix + "_cast", {id}, {wide})
      .attrs.set("to_dtype", static_cast<int64_t>(DType::kInt64));
  return wide;
}

// ---- translations: the node's op is the rule's; these set the attributes from the options.

Status gather_options(const Options& o, Node& n, const std::string& where) {
  if (o.i32(1) != 0)
    return unsupported(where + ": GATHER with batch_dims " + std::to_string(o.i32(1)) +
                       " is not supported (only 0)");
  n.attrs.set("axis", int64_t{o.i32(0)});
  return Status::ok();
}

Status squeeze_options(const Options& o, Node& n, const std::string&) {
  const std::vector<int64_t> dims = o.ints(0);
  if (!dims.empty()) n.attrs.set("axes", dims);  // none listed: every dimension of size 1
  return Status::ok();
}

Status strided_slice_options(const Options& o, Node& n, const std::string& where) {
  if (o.i32(2) != 0)
    return unsupported(where + ": STRIDED_SLICE with an ellipsis_mask is not supported");
  if (o.i32(3) != 0)
    return unsupported(where + ": STRIDED_SLICE with a new_axis_mask is not supported");
  n.attrs.set("begin_mask", int64_t{o.i32(0)});
  n.attrs.set("end_mask", int64_t{o.i32(1)});
  n.attrs.set("shrink_axis_mask", int64_t{o.i32(4)});
  n.attrs.set("offset", int64_t{o.flag(5)});
  return Status::ok();
}

Status split_options(const Options& o, Node& n, const std::string&) {
  n.attrs.set("num_splits", int64_t{o.i32(0)});
  return Status::ok();
}

Status pack_options(const Options& o, Node& n, const std::string&) {
  n.attrs.set("count", int64_t{o.i32(0)});
  n.attrs.set("axis", int64_t{o.i32(1)});
  return Status::ok();
}

Status arg_options(const Options&, Node& n, const std::string&) {
  n.attrs.set("keepdims", int64_t{0});
  return Status::ok();
}

Status space_to_depth_options(const Options& o, Node& n, const std::string&) {
  n.attrs.set("blocksize", int64_t{o.i32(0)});
  return Status::ok();
}

Status topk_options(const Options&, Node& n, const std::string&) {
  n.attrs.set("axis", int64_t{-1});
  n.attrs.set("largest", int64_t{1});
  n.attrs.set("sorted", int64_t{1});
  return Status::ok();
}

Status one_hot_options(const Options& o, Node& n, const std::string&) {
  n.attrs.set("axis", int64_t{o.i32(0, -1)});
  return Status::ok();
}

Status cumsum_options(const Options& o, Node& n, const std::string&) {
  n.attrs.set("exclusive", int64_t{o.flag(0)});
  n.attrs.set("reverse", int64_t{o.flag(1)});
  return Status::ok();
}

Status mirror_pad_options(const Options& o, Node& n, const std::string& where) {
  // MirrorPadMode: 0 REFLECT (the edge not repeated, ONNX's reflect), 1 SYMMETRIC (repeated,
  // which lower_mirror_pad turns into Gathers).
  const int8_t mode = o.i8(0);
  if (mode != 0 && mode != 1)
    return invalid_model(where + ": MIRROR_PAD mode " + std::to_string(mode) +
                         " is neither REFLECT nor SYMMETRIC");
  n.attrs.set("mode", std::string(mode == 0 ? "reflect" : "symmetric"));
  return Status::ok();
}

Status resize_nearest_options(const Options& o, Node& n, const std::string& where) {
  // TFLite's nearest neighbour: the source index is floor((i + offset) * in / out), with
  // offset 0.5 for half_pixel_centers (ONNX's tf_half_pixel_for_nn), or round(i * (in - 1) /
  // (out - 1)) with align_corners, rounding halves up.
  const bool align_corners = o.flag(0), half_pixel = o.flag(1);
  if (align_corners && half_pixel)
    return invalid_model(where + ": align_corners and half_pixel_centers cannot both be set");
  n.attrs.set("mode", std::string("nearest"));
  n.attrs.set("coordinate_transformation_mode",
              std::string(align_corners ? "align_corners"
                          : half_pixel  ? "tf_half_pixel_for_nn"
                                        : "asymmetric"));
  n.attrs.set("nearest_mode", std::string(align_corners ? "round_prefer_ceil" : "floor"));
  return Status::ok();
}

// ---- lowerings

constexpr int64_t kMaxMirrorPadIndices = int64_t{1} << 22;  // 32 MiB of int64

// MIRROR_PAD in SYMMETRIC mode (the edge repeated), which Pad lacks: per padded dimension, a
// Gather of the source index of every output position (pads settled by tflite_operands.cc).
Status lower_mirror_pad(Lowering& l, Node n, const std::string& where) {
  if (n.attrs.get_string("mode", "") != "symmetric") {
    l.add(std::move(n));
    return Status::ok();
  }
  const std::vector<int64_t> pads = constant_ints(l.value(n.inputs[1]));
  Shape shape = l.value(n.inputs[0]).shape;
  const size_t rank = shape.rank();
  const int y = n.outputs[0];
  int current = n.inputs[0];
  std::vector<size_t> padded;
  for (size_t k = 0; k < rank; ++k)
    if (pads[k] != 0 || pads[rank + k] != 0) padded.push_back(k);
  if (padded.empty()) {
    n.op = OpKind::kIdentity;
    n.attrs = Attributes();
    n.inputs.resize(1);
    l.add(std::move(n));
    return Status::ok();
  }
  for (size_t k : padded) {
    const int64_t before = pads[k], after = pads[rank + k], extent = shape[k];
    if (before > extent || after > extent)
      return invalid_model(where + ": SYMMETRIC pads " + std::to_string(before) + ", " +
                           std::to_string(after) + " exceed dimension " + std::to_string(k) +
                           " of " + l.value(n.inputs[0]).shape.to_string());
    // One index per output position: a table sized by the model's shape, so bounded
    // (fuzz_tflite oom-ddd0d7fa asked for billions).
    if (before + extent + after > kMaxMirrorPadIndices)
      return unsupported(where + ": SYMMETRIC padding of dimension " + std::to_string(k) + " of " +
                         l.value(n.inputs[0]).shape.to_string() + " to " +
                         std::to_string(before + extent + after) + " positions needs an index "
                         "table above the " + std::to_string(kMaxMirrorPadIndices) +
                         " entries this lowering allows");
    std::vector<int64_t> source;
    for (int64_t o = 0; o < before + extent + after; ++o) {
      const int64_t i = o - before;
      source.push_back(i < 0 ? -i - 1 : i >= extent ? 2 * extent - i - 1 : i);
    }
    std::vector<int64_t> dims = shape.dims();
    dims[k] = static_cast<int64_t>(source.size());
    shape = Shape(dims);
    const std::string suffix = "symmetric_" + std::to_string(k);
    const int out = k == padded.back() ? y : l.intermediate_like(suffix, y, shape);
    l.add(OpKind::kGather, suffix, {current, l.int64s(suffix + "_source", source)}, {out})
        .attrs.set("axis", static_cast<int64_t>(k));
    current = out;
  }
  return Status::ok();
}

// TRANSPOSE(x, perm): perm becomes the attribute.
Status lower_transpose(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 2, where, "the tensor and the permutation"));
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> perm,
                           constant_operand(l.graph(), n, 1, "perm", where));
  n.attrs.set("perm", perm);
  n.inputs.resize(1);
  l.add(std::move(n));
  return Status::ok();
}

// EMBEDDING_LOOKUP(ids, table): rows of the table, Gather's (table, ids) on axis 0.
Status lower_embedding_lookup(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 2, where, "the ids and the table"));
  if (l.value(n.inputs[1]).dtype != l.value(n.outputs[0]).dtype)
    return unsupported(where + ": EMBEDDING_LOOKUP of a " + dtype_name(l.value(n.inputs[1]).dtype) +
                       " table into " + dtype_name(l.value(n.outputs[0]).dtype) +
                       " (hybrid) is not supported");
  std::swap(n.inputs[0], n.inputs[1]);
  n.attrs.set("axis", int64_t{0});
  l.add(std::move(n));
  return Status::ok();
}

// SLICE(x, begin, size): Slice's (x, starts, ends), a size of -1 reaching the end.
Status lower_slice(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 3, where, "the tensor, begin and size"));
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> begin,
                           constant_operand(l.graph(), n, 1, "begin", where));
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> size,
                           constant_operand(l.graph(), n, 2, "size", where));
  const Shape x = l.value(n.inputs[0]).shape;
  if (begin.size() != x.rank() || size.size() != x.rank())
    return invalid_model(where + ": begin and size must hold one entry per dimension of " +
                         x.to_string());
  std::vector<int64_t> ends(begin.size());
  for (size_t k = 0; k < begin.size(); ++k) {
    if (begin[k] < 0 || begin[k] > x[k] || size[k] < -1 ||
        (size[k] >= 0 && size[k] > x[k] - begin[k]))
      return invalid_model(where + ": begin " + std::to_string(begin[k]) + " and size " +
                           std::to_string(size[k]) + " do not fit dimension " +
                           std::to_string(k) + " of " + x.to_string());
    ends[k] = size[k] == -1 ? x[k] : begin[k] + size[k];
  }
  n.inputs = {n.inputs[0], l.int64s("starts", begin), l.int64s("ends", ends)};
  l.add(std::move(n));
  return Status::ok();
}

// STRIDED_SLICE(x, begin, end, strides) with its masks: Slice over every dimension, then a
// Reshape that drops the dimensions shrink_axis_mask names.
Status lower_strided_slice(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 4, where, "the tensor, begin, end and strides"));
  const Graph& g = l.graph();
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> begin, constant_operand(g, n, 1, "begin", where));
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> end, constant_operand(g, n, 2, "end", where));
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> strides,
                           constant_operand(g, n, 3, "strides", where));
  const Shape x = l.value(n.inputs[0]).shape;
  const size_t given = begin.size();
  if (end.size() != given || strides.size() != given || given > x.rank())
    return invalid_model(where + ": begin, end and strides must have one length, at most the "
                         "rank of " + x.to_string());
  const int64_t begin_mask = n.attrs.get_int("begin_mask", 0);
  const int64_t end_mask = n.attrs.get_int("end_mask", 0);
  const int64_t shrink = n.attrs.get_int("shrink_axis_mask", 0);
  const bool offset = n.attrs.get_int("offset", 0) != 0;
  std::vector<int64_t> starts(x.rank(), 0), ends(x.rank(), kToTheEnd), steps(x.rank(), 1);
  std::vector<int64_t> kept;  // the output's dimensions once shrunk ones are dropped
  for (size_t k = 0; k < x.rank(); ++k) {
    if (k < given) {
      const int64_t step = strides[k];
      if (step == 0) return invalid_model(where + ": stride 0 in dimension " + std::to_string(k));
      const bool shrinks = (shrink >> k) & 1;
      if (shrinks) {
        // One element at begin (counted from the end when negative), whatever end says.
        int64_t b = begin[k] < 0 ? begin[k] + x[k] : begin[k];
        if (b < 0 || b >= x[k])
          return invalid_model(where + ": shrinking dimension " + std::to_string(k) +
                               " at index " + std::to_string(begin[k]) + " outside " +
                               x.to_string());
        starts[k] = b;
        ends[k] = b + 1;
        continue;
      }
      steps[k] = step;
      starts[k] = (begin_mask >> k) & 1 ? (step > 0 ? 0 : kToTheEnd) : begin[k];
      if ((end_mask >> k) & 1) {
        ends[k] = step > 0 ? kToTheEnd : kBeforeTheStart;
      } else {
        ends[k] = offset ? begin[k] + end[k] : end[k];
        // Slice reads a negative end as counted from the end, as TFLite does; -dim - 1 and
        // below mean "before the start" in both.
      }
    }
    kept.push_back(static_cast<int64_t>(k));
  }
  const int y = n.outputs[0];
  const bool shrinks_any = kept.size() != x.rank();
  n.op = OpKind::kSlice;
  n.attrs = Attributes();
  n.inputs = {n.inputs[0], l.int64s("starts", starts), l.int64s("ends", ends), kNoValue,
              l.int64s("steps", steps)};
  if (!shrinks_any) {
    l.add(std::move(n));
    return Status::ok();
  }
  // The sliced shape: the output's dimensions with a 1 where a dimension shrinks.
  const Shape out = l.value(y).shape;
  if (out.rank() != kept.size())
    return invalid_model(where + ": the output " + out.to_string() + " should have rank " +
                         std::to_string(kept.size()) + " once shrink_axis_mask drops dimensions");
  std::vector<int64_t> sliced(x.rank(), 1);
  for (size_t j = 0; j < kept.size(); ++j) sliced[static_cast<size_t>(kept[j])] = out[j];
  const int slice = l.intermediate_like("sliced", y, Shape(sliced));
  n.outputs = {slice};
  l.add(std::move(n));
  Node& reshape = l.add(OpKind::kReshape, "shrink", {slice}, {y});
  reshape.attrs.set("new_shape", out.dims());
  reshape.attrs.set("allowzero", int64_t{1});
  return Status::ok();
}

// SPLIT(axis, x) into num_splits equal parts: Split of x with `axis`.
Status lower_split(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 2, where, "the axis and the tensor"));
  if (n.attrs.get_int("num_splits", 0) != static_cast<int64_t>(n.outputs.size()))
    return invalid_model(where + ": num_splits " + std::to_string(n.attrs.get_int("num_splits", 0)) +
                         " differs from its " + std::to_string(n.outputs.size()) + " outputs");
  n.attrs.erase("num_splits");
  OUTPOST_ASSIGN_OR_RETURN(int64_t axis, constant_scalar(l.graph(), n, 0, "axis", where));
  n.attrs.set("axis", axis);
  n.inputs = {n.inputs[1]};
  l.add(std::move(n));
  return Status::ok();
}

// SPLIT_V(x, size_splits, axis): Split with its sizes, one -1 taking what the others leave.
Status lower_split_v(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 3, where, "the tensor, the sizes and the axis"));
  n.attrs.erase("num_splits");
  const Graph& g = l.graph();
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, constant_operand(g, n, 1, "size_splits", where));
  OUTPOST_ASSIGN_OR_RETURN(int64_t axis, constant_scalar(g, n, 2, "axis", where));
  const Shape x = l.value(n.inputs[0]).shape;
  OUTPOST_ASSIGN_OR_RETURN(int64_t a, normalized_axis(axis, static_cast<int64_t>(x.rank()), where));
  int64_t known = 0, unknown = 0;
  for (int64_t s : sizes) {
    if (s == -1)
      ++unknown;
    else
      known += s;
  }
  if (unknown > 1) return invalid_model(where + ": size_splits holds more than one -1");
  for (int64_t& s : sizes)
    if (s == -1) s = x[static_cast<size_t>(a)] - known;
  n.attrs.set("axis", a);
  n.inputs = {n.inputs[0], l.int64s("split", sizes)};
  l.add(std::move(n));
  return Status::ok();
}

// EXPAND_DIMS(x, axis): Unsqueeze with axes [axis] (counted in the output's rank).
Status lower_expand_dims(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 2, where, "the tensor and the axis"));
  OUTPOST_ASSIGN_OR_RETURN(int64_t axis, constant_scalar(l.graph(), n, 1, "axis", where));
  n.op = OpKind::kUnsqueeze;
  n.attrs.set("axes", std::vector<int64_t>{axis});
  n.inputs.resize(1);
  l.add(std::move(n));
  return Status::ok();
}

// PACK(x0, x1, ...) on `axis`: each input unsqueezed at the axis, then one Concat.
Status lower_pack(Lowering& l, Node n, const std::string& where) {
  const int64_t count = n.attrs.get_int("count", 0);
  if (count <= 0 || static_cast<int64_t>(n.inputs.size()) != count ||
      std::count(n.inputs.begin(), n.inputs.end(), kNoValue) != 0)
    return invalid_model(where + ": values_count " + std::to_string(count) + " differs from its " +
                         std::to_string(n.inputs.size()) + " inputs");
  const Shape x = l.value(n.inputs[0]).shape;
  OUTPOST_ASSIGN_OR_RETURN(
      int64_t axis,
      normalized_axis(n.attrs.get_int("axis", 0), static_cast<int64_t>(x.rank()) + 1, where));
  std::vector<int64_t> one = x.dims();
  one.insert(one.begin() + axis, 1);
  std::vector<int> parts;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (l.value(n.inputs[i]).shape != x)
      return invalid_model(where + ": input " + std::to_string(i) + " has shape " +
                           l.value(n.inputs[i]).shape.to_string() + ", input 0 " + x.to_string());
    const int part = l.intermediate_like("part" + std::to_string(i), n.inputs[i], Shape(one));
    l.add(OpKind::kUnsqueeze, "unsqueeze" + std::to_string(i), {n.inputs[i]}, {part})
        .attrs.set("axes", std::vector<int64_t>{axis});
    parts.push_back(part);
  }
  n.op = OpKind::kConcat;
  n.attrs = Attributes();
  n.attrs.set("axis", axis);
  n.inputs = parts;
  l.add(std::move(n));
  return Status::ok();
}

// UNPACK(x) into `num` outputs along `axis`: a Split, then a Squeeze of each part.
Status lower_unpack(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 1, where, "the tensor"));
  const Shape x = l.value(n.inputs[0]).shape;
  OUTPOST_ASSIGN_OR_RETURN(
      int64_t axis,
      normalized_axis(n.attrs.get_int("axis", 0), static_cast<int64_t>(x.rank()), where));
  const int64_t num = n.attrs.get_int("count", 0);
  if (num != static_cast<int64_t>(n.outputs.size()) || num != x[static_cast<size_t>(axis)])
    return invalid_model(where + ": num " + std::to_string(num) + " must equal its outputs (" +
                         std::to_string(n.outputs.size()) + ") and dimension " +
                         std::to_string(axis) + " of " + x.to_string());
  std::vector<int64_t> part_dims = x.dims();
  part_dims[static_cast<size_t>(axis)] = 1;
  const std::vector<int> outputs = n.outputs;
  std::vector<int> parts;
  for (size_t i = 0; i < outputs.size(); ++i)
    parts.push_back(l.intermediate_like("part" + std::to_string(i), n.inputs[0], Shape(part_dims)));
  n.op = OpKind::kSplit;
  n.attrs = Attributes();
  n.attrs.set("axis", axis);
  n.outputs = parts;
  l.add(std::move(n));
  for (size_t i = 0; i < outputs.size(); ++i)
    l.add(OpKind::kSqueeze, "squeeze" + std::to_string(i), {parts[i]}, {outputs[i]})
        .attrs.set("axes", std::vector<int64_t>{axis});
  return Status::ok();
}

// TILE(x, multiples), BROADCAST_TO(x, shape), FILL(dims, value): the int64 operand Tile and
// Expand take (FILL is value expanded to dims).
Status lower_tile_or_expand(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 2, where, "the tensor and its shape operand"));
  if (n.op == OpKind::kConstantOfShape) {  // FILL: (dims, value)
    n.op = OpKind::kExpand;
    std::swap(n.inputs[0], n.inputs[1]);
    if (l.value(n.inputs[0]).shape.num_elements() != 1)
      return invalid_model(where + ": the value must be a scalar");
  }
  n.inputs[1] = int64_operand(l, n.inputs[1], "shape");
  l.add(std::move(n));
  return Status::ok();
}

// CAST(x): Cast to the output's declared dtype.
Status lower_cast(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 1, where, "the tensor"));
  n.attrs.set("to_dtype", static_cast<int64_t>(l.value(n.outputs[0]).dtype));
  l.add(std::move(n));
  return Status::ok();
}

// ARG_MAX / ARG_MIN(x, axis) -> int32 or int64: ArgMax with `axis`, a Cast for int32.
Status lower_arg(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 2, where, "the tensor and the axis"));
  OUTPOST_ASSIGN_OR_RETURN(int64_t axis, constant_scalar(l.graph(), n, 1, "axis", where));
  n.attrs.set("axis", axis);
  n.inputs.resize(1);
  l.add(std::move(n));
  l.cast_output_from_int64(0);
  return Status::ok();
}

// SHAPE(x) -> int32 or int64.
Status lower_shape(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 1, where, "the tensor"));
  l.add(std::move(n));
  l.cast_output_from_int64(0);
  return Status::ok();
}

// TOPK_V2(x, k) -> values, indices int32: TopK over the last axis with k as int64.
Status lower_topk(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 2, where, "the tensor and k"));
  if (n.outputs.size() != 2) return invalid_model(where + ": gives two outputs, values and indices");
  n.inputs[1] = int64_operand(l, n.inputs[1], "k");
  l.add(std::move(n));
  l.cast_output_from_int64(1);
  return Status::ok();
}

// ZEROS_LIKE(x): ConstantOfShape of x's shape, 0 of x's dtype.
Status lower_zeros_like(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 1, where, "the tensor"));
  const Value& x = l.value(n.inputs[0]);
  n.attrs.set("value", 0.0f);
  n.attrs.set("value_dtype", static_cast<int64_t>(x.dtype));
  n.inputs = {l.int64s("shape", x.shape.dims())};
  l.add(std::move(n));
  return Status::ok();
}

// ONE_HOT(indices, depth, on_value, off_value): OneHot(indices, depth, [off, on]).
Status lower_one_hot(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 4, where, "the indices, depth, on and off values"));
  const int on = n.inputs[2], off = n.inputs[3];
  if (l.value(on).shape.num_elements() != 1 || l.value(off).shape.num_elements() != 1)
    return invalid_model(where + ": on_value and off_value must be scalars");
  std::vector<int> pair;
  for (int v : {off, on}) {
    const int one = l.intermediate_like(v == on ? "on" : "off", v, Shape{1});
    l.add(OpKind::kReshape, v == on ? "on_1d" : "off_1d", {v}, {one})
        .attrs.set("new_shape", std::vector<int64_t>{1});
    pair.push_back(one);
  }
  const int values = l.intermediate_like("values", on, Shape{2});
  l.add(OpKind::kConcat, "values", pair, {values}).attrs.set("axis", int64_t{0});
  n.inputs = {n.inputs[0], n.inputs[1], values};
  l.add(std::move(n));
  return Status::ok();
}

// A permutation between NHWC and NCHW around a node that the IR runs channels-first.
int transposed(Lowering& l, int id, const std::vector<int64_t>& perm, const std::string& suffix) {
  const Shape s = l.value(id).shape;
  std::vector<int64_t> dims;
  for (int64_t p : perm) dims.push_back(s[static_cast<size_t>(p)]);
  const int t = l.intermediate_like(suffix, id, Shape(dims));
  l.add(OpKind::kTranspose, suffix, {id}, {t}).attrs.set("perm", perm);
  return t;
}

// SPACE_TO_DEPTH(x NHWC): ONNX's SpaceToDepth (NCHW, the same channel order) between
// Transposes.
Status lower_space_to_depth(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 1, where, "the tensor"));
  if (rank_of(l, n.inputs[0]) != 4 || rank_of(l, n.outputs[0]) != 4)
    return invalid_model(where + ": takes and gives NHWC tensors");
  const int y = n.outputs[0];
  n.inputs[0] = transposed(l, n.inputs[0], {0, 3, 1, 2}, "nchw");
  const Shape o = l.value(y).shape;
  const int nchw = l.intermediate_like("nchw_out", y, Shape{o[0], o[3], o[1], o[2]});
  n.outputs = {nchw};
  l.add(std::move(n));
  l.add(OpKind::kTranspose, "nhwc", {nchw}, {y}).attrs.set("perm", std::vector<int64_t>{0, 2, 3, 1});
  return Status::ok();
}

struct BlockGeometry {
  std::vector<int64_t> block;   // per spatial dimension
  std::vector<int64_t> before, after;  // paddings (SPACE_TO_BATCH_ND) or crops (BATCH_TO_SPACE_ND)
};

// block_shape [M] and paddings/crops [M, 2] over x [N, spatial (M)..., C].
Result<BlockGeometry> block_geometry(Lowering& l, const Node& n, const char* what,
                                     const std::string& where) {
  const Graph& g = l.graph();
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> block, constant_operand(g, n, 1, "block_shape", where));
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> edges, constant_operand(g, n, 2, what, where));
  const int64_t rank = rank_of(l, n.inputs[0]);
  const auto m = static_cast<int64_t>(block.size());
  if (m < 1 || rank != m + 2 || edges.size() != static_cast<size_t>(2 * m))
    return unsupported(where + ": only a block over every dimension between the batch and the "
                       "channels is supported (input " + l.value(n.inputs[0]).shape.to_string() +
                       ", block_shape of " + std::to_string(m) + ")");
  BlockGeometry geo;
  geo.block = block;
  for (int64_t k = 0; k < m; ++k) {
    if (block[static_cast<size_t>(k)] < 1) return invalid_model(where + ": block_shape must be positive");
    geo.before.push_back(edges[static_cast<size_t>(2 * k)]);
    geo.after.push_back(edges[static_cast<size_t>(2 * k + 1)]);
    if (geo.before.back() < 0 || geo.after.back() < 0)
      return invalid_model(where + ": " + what + " must not be negative");
  }
  return geo;
}

// a * b and a + b of the block lowerings' dimensions, or kInvalidModel when a hostile file's block
// shape, paddings or dimensions take them past int64.
Result<int64_t> block_product(int64_t a, int64_t b, const std::string& where) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r))
    return invalid_model(where + ": the block shape and dimensions make a dimension past 2^63");
  return r;
}
Result<int64_t> block_sum(int64_t a, int64_t b, const std::string& where) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r))
    return invalid_model(where + ": the paddings and dimensions make a dimension past 2^63");
  return r;
}

// SPACE_TO_BATCH_ND(x [N, S..., C], block_shape, paddings): Pad, then Reshape to
// [N, S0/b0, b0, S1/b1, b1, ..., C], Transpose the block dimensions in front of N, and Reshape
// to [b0*b1*...*N, S0/b0, ..., C].
Status lower_space_to_batch(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 3, where, "the tensor, block_shape and paddings"));
  OUTPOST_ASSIGN_OR_RETURN(BlockGeometry geo, block_geometry(l, n, "paddings", where));
  const Shape x = l.value(n.inputs[0]).shape;
  const size_t m = geo.block.size();
  std::vector<int64_t> padded = x.dims(), pads(2 * x.rank(), 0), split{x[0]}, perm, merged;
  int64_t blocks = 1;
  for (size_t k = 0; k < m; ++k) {
    OUTPOST_ASSIGN_OR_RETURN(const int64_t edges, block_sum(geo.before[k], geo.after[k], where));
    OUTPOST_ASSIGN_OR_RETURN(padded[k + 1], block_sum(padded[k + 1], edges, where));
    pads[k + 1] = geo.before[k];
    pads[x.rank() + k + 1] = geo.after[k];
    if (padded[k + 1] % geo.block[k] != 0)
      return invalid_model(where + ": padded dimension " + std::to_string(k + 1) + " (" +
                           std::to_string(padded[k + 1]) + ") is not a multiple of its block " +
                           std::to_string(geo.block[k]));
    split.push_back(padded[k + 1] / geo.block[k]);
    split.push_back(geo.block[k]);
    OUTPOST_ASSIGN_OR_RETURN(blocks, block_product(blocks, geo.block[k], where));
  }
  split.push_back(x[x.rank() - 1]);
  for (size_t k = 0; k < m; ++k) perm.push_back(static_cast<int64_t>(2 + 2 * k));
  perm.push_back(0);
  for (size_t k = 0; k < m; ++k) perm.push_back(static_cast<int64_t>(1 + 2 * k));
  perm.push_back(static_cast<int64_t>(2 * m + 1));
  std::vector<int64_t> moved;
  for (int64_t p : perm) moved.push_back(split[static_cast<size_t>(p)]);
  const int y = n.outputs[0];
  const int pad_out = l.intermediate_like("padded", n.inputs[0], Shape(padded));
  l.add(OpKind::kPad, "pad", {n.inputs[0], l.int64s("pads", pads)}, {pad_out});
  const int split_out = l.intermediate_like("blocks", n.inputs[0], Shape(split));
  l.add(OpKind::kReshape, "split", {pad_out}, {split_out}).attrs.set("new_shape", split);
  const int moved_out = l.intermediate_like("moved", n.inputs[0], Shape(moved));
  l.add(OpKind::kTranspose, "move", {split_out}, {moved_out}).attrs.set("perm", perm);
  OUTPOST_ASSIGN_OR_RETURN(const int64_t batch, block_product(blocks, x[0], where));
  merged = {batch};
  for (size_t k = 0; k < m; ++k) merged.push_back(padded[k + 1] / geo.block[k]);
  merged.push_back(x[x.rank() - 1]);
  l.add(OpKind::kReshape, "merge", {moved_out}, {y}).attrs.set("new_shape", merged);
  return Status::ok();
}

// BATCH_TO_SPACE_ND(x [B, S..., C], block_shape, crops): the inverse: Reshape to
// [b0, b1, ..., N, S0, S1, ..., C], Transpose to [N, S0, b0, S1, b1, ..., C], Reshape to
// [N, S0*b0, ..., C], then Slice off the crops.
Status lower_batch_to_space(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 3, where, "the tensor, block_shape and crops"));
  OUTPOST_ASSIGN_OR_RETURN(BlockGeometry geo, block_geometry(l, n, "crops", where));
  const Shape x = l.value(n.inputs[0]).shape;
  const size_t m = geo.block.size();
  int64_t blocks = 1;
  for (int64_t b : geo.block) {
    OUTPOST_ASSIGN_OR_RETURN(blocks, block_product(blocks, b, where));
  }
  if (x[0] % blocks != 0)
    return invalid_model(where + ": batch " + std::to_string(x[0]) +
                         " is not a multiple of the block's " + std::to_string(blocks));
  const int64_t batch = x[0] / blocks;
  std::vector<int64_t> split = geo.block, perm{static_cast<int64_t>(m)}, joined{batch};
  split.push_back(batch);
  for (size_t k = 0; k < m; ++k) split.push_back(x[k + 1]);
  split.push_back(x[m + 1]);
  for (size_t k = 0; k < m; ++k) {
    perm.push_back(static_cast<int64_t>(m + 1 + k));
    perm.push_back(static_cast<int64_t>(k));
    OUTPOST_ASSIGN_OR_RETURN(const int64_t joined_dim, block_product(x[k + 1], geo.block[k], where));
    joined.push_back(joined_dim);
  }
  perm.push_back(static_cast<int64_t>(2 * m + 1));
  joined.push_back(x[m + 1]);
  std::vector<int64_t> moved;
  for (int64_t p : perm) moved.push_back(split[static_cast<size_t>(p)]);
  std::vector<int64_t> starts(x.rank(), 0), ends = joined;
  for (size_t k = 0; k < m; ++k) {
    starts[k + 1] = geo.before[k];
    ends[k + 1] = joined[k + 1] - geo.after[k];
    if (ends[k + 1] < starts[k + 1])
      return invalid_model(where + ": crops exceed dimension " + std::to_string(k + 1));
  }
  const int y = n.outputs[0];
  const int split_out = l.intermediate_like("blocks", n.inputs[0], Shape(split));
  l.add(OpKind::kReshape, "split", {n.inputs[0]}, {split_out}).attrs.set("new_shape", split);
  const int moved_out = l.intermediate_like("moved", n.inputs[0], Shape(moved));
  l.add(OpKind::kTranspose, "move", {split_out}, {moved_out}).attrs.set("perm", perm);
  const int joined_out = l.intermediate_like("joined", n.inputs[0], Shape(joined));
  l.add(OpKind::kReshape, "join", {moved_out}, {joined_out}).attrs.set("new_shape", joined);
  l.add(OpKind::kSlice, "crop", {joined_out, l.int64s("starts", starts), l.int64s("ends", ends)},
        {y});
  return Status::ok();
}

// REVERSE_V2(x, axes): Slice with step -1 over each listed axis.
Status lower_reverse(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 2, where, "the tensor and the axes"));
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> axes, constant_operand(l.graph(), n, 1, "axis", where));
  const int64_t rank = rank_of(l, n.inputs[0]);
  for (int64_t& a : axes) {
    OUTPOST_ASSIGN_OR_RETURN(a, normalized_axis(a, rank, where));
  }
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  const std::vector<int64_t> starts(axes.size(), -1), ends(axes.size(), kBeforeTheStart),
      steps(axes.size(), -1);
  n.op = OpKind::kSlice;
  n.inputs = {n.inputs[0], l.int64s("starts", starts), l.int64s("ends", ends),
              l.int64s("axes", axes), l.int64s("steps", steps)};
  l.add(std::move(n));
  return Status::ok();
}

// CUMSUM(x, axis), GATHER, GATHER_ND, RANGE, the pads and the resize: as translated, checked.
Status lower_cumsum(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 2, where, "the tensor and the axis"));
  l.add(std::move(n));
  return Status::ok();
}

constexpr QuantizedForm kRefused = QuantizedForm::kRefused;
constexpr QuantizedForm kSameParams = QuantizedForm::kSameParams;
constexpr QuantizedForm kAsIs = QuantizedForm::kAsIs;

// clang-format off
const BuiltinRule kRules[] = {
    {kTranspose, OpKind::kTranspose, "", nullptr, lower_transpose, kSameParams},
    {kGather, OpKind::kGather, "44", gather_options, nullptr, kSameParams},
    {kGatherNd, OpKind::kGatherND, "", nullptr, nullptr, kSameParams},
    {kEmbeddingLookup, OpKind::kGather, "", nullptr, lower_embedding_lookup, kSameParams},
    {kSlice, OpKind::kSlice, "", nullptr, lower_slice, kSameParams},
    {kStridedSlice, OpKind::kSlice, "444441", strided_slice_options, lower_strided_slice, kSameParams},
    {kSplit, OpKind::kSplit, "4", split_options, lower_split, kSameParams},
    {kSplitV, OpKind::kSplit, "4", split_options, lower_split_v, kSameParams},
    {kSqueeze, OpKind::kSqueeze, "0", squeeze_options, nullptr, kSameParams},
    {kExpandDims, OpKind::kUnsqueeze, "", nullptr, lower_expand_dims, kSameParams},
    {kPack, OpKind::kConcat, "44", pack_options, lower_pack, kSameParams},
    {kUnpack, OpKind::kSplit, "44", pack_options, lower_unpack, kSameParams},
    {kTile, OpKind::kTile, "", nullptr, lower_tile_or_expand, kSameParams},
    {kBroadcastTo, OpKind::kExpand, "", nullptr, lower_tile_or_expand, kSameParams},
    {kFill, OpKind::kConstantOfShape, "", nullptr, lower_tile_or_expand, kSameParams},
    {kCast, OpKind::kCast, "11", nullptr, lower_cast, kAsIs},
    {kShape, OpKind::kShape, "1", nullptr, lower_shape, kAsIs},
    {kArgMax, OpKind::kArgMax, "1", arg_options, lower_arg, kAsIs},
    {kArgMin, OpKind::kArgMin, "1", arg_options, lower_arg, kAsIs},
    {kTopKV2, OpKind::kTopK, "", topk_options, lower_topk, kSameParams},
    {kZerosLike, OpKind::kConstantOfShape, "", nullptr, lower_zeros_like, kRefused},
    {kOneHot, OpKind::kOneHot, "4", one_hot_options, lower_one_hot, kRefused},
    {kRange, OpKind::kRange, "", nullptr, nullptr, kRefused},
    {kSpaceToDepth, OpKind::kSpaceToDepth, "4", space_to_depth_options, lower_space_to_depth, kSameParams},
    {kSpaceToBatchNd, OpKind::kTranspose, "", nullptr, lower_space_to_batch, kSameParams},
    {kBatchToSpaceNd, OpKind::kTranspose, "", nullptr, lower_batch_to_space, kSameParams},
    {kReverseV2, OpKind::kSlice, "", nullptr, lower_reverse, kSameParams},
    {kCumSum, OpKind::kCumSum, "11", cumsum_options, lower_cumsum, kRefused},
    {kPadV2, OpKind::kPad, "", nullptr, nullptr, kSameParams},
    {kMirrorPad, OpKind::kPad, "1", mirror_pad_options, lower_mirror_pad, kSameParams},
    {kResizeNearestNeighbor, OpKind::kResize, "11", resize_nearest_options, nullptr, kSameParams},
};
// clang-format on

}  // namespace

std::span<const BuiltinRule> tensor_builtin_rules() { return kRules; }

}  // namespace outpost::tflite
