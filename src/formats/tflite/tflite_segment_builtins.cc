// The TFLite builtins that gather, scatter and reduce by segment, build matrices from their
// diagonals, and the few layers TFLite has beyond the 2-D ones (L2 pooling, 3-D convolutions,
// FAKE_QUANT), as rules (tflite_builtin_rule.h). The IR has no op of their own for these: each
// becomes the IR nodes that compute it exactly as TFLite's kernel does. Scattering (segments,
// SPARSE_TO_DENSE, DYNAMIC_UPDATE_SLICE, DILATE) is ScatterND onto a tensor filled with the
// value TFLite starts from; selecting a diagonal is Where under a constant identity mask.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "formats/tflite/tflite_builtin_rule.h"
#include "ir/constant_ints.h"

namespace outpost::tflite {
namespace {

// Builtin codes of TFLite's BuiltinOperator enum.
enum : int32_t {
  kL2Pool2D = 12,
  kEmbeddingLookupSparse = 33,
  kSparseToDense = 68,
  kFakeQuant = 80,
  kMatrixDiag = 113,
  kMatrixSetDiag = 115,
  kSegmentSum = 125,
  kConv3D = 132,
  kConv3DTranspose = 141,
  kBucketize = 147,
  kDynamicUpdateSlice = 151,
  kUnsortedSegmentProd = 153,
  kUnsortedSegmentMax = 154,
  kUnsortedSegmentSum = 155,
  kUnsortedSegmentMin = 157,
  kBitcast = 159,
  kDilate = 203,
};

Status needs_inputs(const Node& n, size_t count, const std::string& where, const char* what) {
  if (has_inputs(n, count)) return Status::ok();
  return invalid_model(where + ": takes " + std::to_string(count) + " inputs (" + what + "), has " +
                       std::to_string(n.inputs.size()));
}

// A new value computed by `op` from `inputs`: dtype and quantization of `like`, shape `shape`;
// the node, for its attributes.
struct Step {
  int value;
  Node& node;
};
Step step_node(Lowering& l, OpKind op, const std::string& name, std::vector<int> inputs, int like,
               Shape shape) {
  const int out = l.intermediate_like(name, like, std::move(shape));
  return {out, l.add(op, name, std::move(inputs), {out})};
}
int step(Lowering& l, OpKind op, const std::string& name, std::vector<int> inputs, int like,
         Shape shape) {
  return step_node(l, op, name, std::move(inputs), like, std::move(shape)).value;
}

// A constant of `dtype` and `shape` holding `bytes`, named after the operator.
int constant(Lowering& l, const std::string& suffix, DType dtype, Shape shape,
             std::vector<uint8_t> bytes) {
  const int id = l.intermediate(suffix, dtype, std::move(shape));
  set_owned_constant(l.graph().value(id), std::move(bytes));
  return id;
}

// A scalar of x's dtype and quantization: `value` as stored (a raw integer when quantized).
int scalar_like(Lowering& l, const std::string& suffix, int x, double value) {
  const int id = l.scalar(suffix, l.value(x).dtype, value);
  l.graph().value(id).quant = l.value(x).quant;
  return id;
}

// x with a trailing dimension of 1: [..., n] -> [..., n, 1].
int as_column(Lowering& l, int x, const std::string& suffix) {
  std::vector<int64_t> dims = l.value(x).shape.dims();
  dims.push_back(1);
  const int out = l.intermediate_like(suffix, x, Shape(dims));
  l.add(OpKind::kUnsqueeze, suffix, {x}, {out}).attrs.set("axes", std::vector<int64_t>{-1});
  return out;
}

// 0, 1, ..., n - 1 as int64.
int iota(Lowering& l, int64_t n, const std::string& suffix) {
  const int out = l.intermediate(suffix, DType::kInt64, Shape{n});
  l.add(OpKind::kRange, suffix,
        {l.scalar(suffix + "_start", DType::kInt64, 0), l.scalar(suffix + "_limit", DType::kInt64,
                                                                 static_cast<double>(n)),
         l.scalar(suffix + "_delta", DType::kInt64, 1)},
        {out});
  return out;
}

// The bool mask [rows, cols] that is true on the main diagonal: row index == column index,
// computed by the graph (folded when small). A constant of rows x cols made here would let a
// model's shape decide what the importer allocates (fuzz_tflite crash-d96efd6f asked for
// more than the address space); computed, it is bounded by the session's arena limit.
int identity_mask(Lowering& l, int64_t rows, int64_t cols) {
  const int mask = l.intermediate("diagonal_mask", DType::kBool, Shape{rows, cols});
  l.add(OpKind::kEqual, "diagonal_mask",
        {as_column(l, iota(l, rows, "row_index"), "row_index_column"), iota(l, cols, "column_index")},
        {mask});
  return mask;
}

// An int32 or int64 operand as int64: a constant's values, or a Cast of one computed at run time.
int int64_operand(Lowering& l, int id, const std::string& suffix) {
  const Value& v = l.value(id);
  if (v.dtype == DType::kInt64) return id;
  const Shape shape = v.shape;
  if (v.is_constant()) {
    const int wide = l.int64s(suffix, constant_ints(v));
    l.graph().value(wide).shape = shape;  // the same values, in the operand's shape
    return wide;
  }
  const int wide = l.intermediate(suffix, DType::kInt64, shape);
  l.add(OpKind::kCast, suffix + "_cast", {id}, {wide})
      .attrs.set("to_dtype", static_cast<int64_t>(DType::kInt64));
  return wide;
}

// x reshaped to `dims`.
int reshaped(Lowering& l, int x, const std::vector<int64_t>& dims, const std::string& suffix) {
  Step r = step_node(l, OpKind::kReshape, suffix, {x}, x, Shape(dims));
  r.node.attrs.set("new_shape", dims);
  return r.value;
}

// A tensor of `dims` filled with the scalar `fill` (Expand of it).
int filled(Lowering& l, int fill, const std::vector<int64_t>& dims, int like,
           const std::string& suffix) {
  return step(l, OpKind::kExpand, suffix, {fill, l.int64s(suffix + "_shape", dims)}, like,
              Shape(dims));
}

Result<int64_t> constant_scalar(const Lowering& l, const Node& n, size_t i, const std::string& what,
                                const std::string& where) {
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> v, constant_operand(l.graph(), n, i, what, where));
  if (v.size() != 1) return invalid_model(where + ": " + what + " must hold one value");
  return v[0];
}

// ---- segments: ScatterND of the rows onto the reduction's identity

// The value a segment no row reaches holds: TFLite starts from it.
double reduction_identity(const std::string& reduction, DType dtype) {
  const bool f = dtype == DType::kFloat32;
  const double highest =
      f ? double{std::numeric_limits<float>::max()} : double{std::numeric_limits<int32_t>::max()};
  const double lowest =
      f ? -double{std::numeric_limits<float>::max()} : double{std::numeric_limits<int32_t>::min()};
  if (reduction == "mul") return 1;
  if (reduction == "max") return lowest;
  if (reduction == "min") return highest;
  return 0;
}

Status segment_reduction(Node& n, const char* reduction) {
  n.attrs.set("reduction", std::string(reduction));
  return Status::ok();
}
Status sum_options(const Options&, Node& n, const std::string&) {
  return segment_reduction(n, "add");
}
Status prod_options(const Options&, Node& n, const std::string&) {
  return segment_reduction(n, "mul");
}
Status max_options(const Options&, Node& n, const std::string&) {
  return segment_reduction(n, "max");
}
Status min_options(const Options&, Node& n, const std::string&) {
  return segment_reduction(n, "min");
}

Status check_segment_operands(const Lowering& l, const Node& n, const std::string& where) {
  const Value& data = l.value(n.inputs[0]);
  const Shape ids = l.value(n.inputs[1]).shape;
  if (data.dtype != DType::kFloat32 && data.dtype != DType::kInt32)
    return unsupported(where + ": segment reduction of " + dtype_name(data.dtype) +
                       " data is not supported (float32 and int32 are, as in TFLite)");
  bool prefix = ids.rank() >= 1 && ids.rank() <= data.shape.rank();
  for (size_t k = 0; prefix && k < ids.rank(); ++k) prefix = ids[k] == data.shape[k];
  if (!prefix)
    return invalid_model(where + ": segment_ids " + ids.to_string() +
                         " must be a leading part of the data's shape " + data.shape.to_string());
  return Status::ok();
}

// The output's shape: `segments` rows of what each id of the data addresses.
std::vector<int64_t> segment_output_dims(const Lowering& l, const Node& n, int64_t segments) {
  const Shape data = l.value(n.inputs[0]).shape;
  std::vector<int64_t> dims{segments};
  for (size_t k = l.value(n.inputs[1]).shape.rank(); k < data.rank(); ++k) dims.push_back(data[k]);
  return dims;
}

// SEGMENT_SUM(data, segment_ids sorted): as many segments as the last id + 1. The ids must be
// a constant: TFLite sizes the output from their values.
Status lower_segment_sum(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 2, where, "the data and the segment ids"));
  OUTPOST_RETURN_IF_ERROR(check_segment_operands(l, n, where));
  if (l.value(n.inputs[1]).shape.rank() != 1)
    return invalid_model(where + ": segment_ids must be 1-D");
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> ids,
                           constant_operand(l.graph(), n, 1, "segment_ids", where));
  // TFLite's kernel refuses ids that skip a segment: each is the one before or the next.
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] < 0 || (i > 0 && ids[i] != ids[i - 1] && ids[i] != ids[i - 1] + 1))
      return invalid_model(where +
                           ": segment_ids must be sorted, non-negative and skip no "
                           "segment (TFLite's kernel refuses others)");
  const int64_t segments = ids.empty() ? 0 : ids.back() + 1;
  const std::vector<int64_t> dims = segment_output_dims(l, n, segments);
  const int x = n.inputs[0], y = n.outputs[0];
  const DType d = l.value(x).dtype;
  const int zero = filled(l, l.scalar("zero", d, 0), dims, y, "zeros");
  const int idx = as_column(l, l.int64s("ids", ids), "indices");
  Node& scatter = l.add(OpKind::kScatterND, "scatter", {zero, idx, x}, {y});
  scatter.attrs.set("reduction", std::string("add"));
  return Status::ok();
}

// UNSORTED_SEGMENT_{SUM,PROD,MAX,MIN}(data, segment_ids, num_segments): each row reduced into
// its segment, starting from the reduction's identity (TFLite's lowest value for MAX, highest
// for MIN). A negative id drops its row, as in TFLite: it goes to an extra segment past the
// last, which a Slice then cuts off.
Status lower_unsorted_segment(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 3, where, "the data, the segment ids and their number"));
  OUTPOST_RETURN_IF_ERROR(check_segment_operands(l, n, where));
  OUTPOST_ASSIGN_OR_RETURN(int64_t segments, constant_scalar(l, n, 2, "num_segments", where));
  if (segments < 0) return invalid_model(where + ": num_segments must not be negative");
  const std::string reduction = n.attrs.get_string("reduction", "add");
  const int x = n.inputs[0], y = n.outputs[0];
  const DType d = l.value(x).dtype;
  const std::vector<int64_t> dims = segment_output_dims(l, n, segments);
  std::vector<int64_t> padded = dims;
  padded[0] += 1;
  const int start =
      filled(l, l.scalar("identity", d, reduction_identity(reduction, d)), padded, y, "identity");
  const int ids = int64_operand(l, n.inputs[1], "ids");
  const Shape id_shape = l.value(ids).shape;
  const int negative = l.intermediate("negative", DType::kBool, id_shape);
  l.add(OpKind::kLess, "negative", {ids, l.scalar("zero_id", DType::kInt64, 0)}, {negative});
  const int kept =
      step(l, OpKind::kWhere, "dropped_to_extra",
           {negative, l.scalar("extra", DType::kInt64, static_cast<double>(segments)), ids}, ids,
           id_shape);
  Step scatter = step_node(l, OpKind::kScatterND, "scatter",
                           {start, as_column(l, kept, "indices"), x}, y, Shape(padded));
  scatter.node.attrs.set("reduction", reduction);
  const int reduced = scatter.value;
  l.add(OpKind::kSlice, "segments",
        {reduced, l.int64s("starts", {0}), l.int64s("ends", {segments}), l.int64s("axes", {0})},
        {y});
  return Status::ok();
}

// ---- diagonals

// MATRIX_DIAG(x [..., n]) -> [..., n, n]: x on the diagonal, zeros (stored 0) elsewhere.
Status lower_matrix_diag(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 1, where, "the diagonal"));
  const int x = n.inputs[0];
  const Shape s = l.value(x).shape;
  if (s.rank() < 1) return invalid_model(where + ": takes a tensor of rank 1 or more");
  const int64_t size = s[s.rank() - 1];
  l.add(OpKind::kWhere, "diagonal",
        {identity_mask(l, size, size), as_column(l, x, "column"), scalar_like(l, "zero", x, 0)},
        {n.outputs[0]});
  return Status::ok();
}

// MATRIX_SET_DIAG(x [..., m, n], diagonal [..., min(m, n)]): x with its main diagonal replaced.
Status lower_matrix_set_diag(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 2, where, "the matrices and the diagonal"));
  const Shape x = l.value(n.inputs[0]).shape, d = l.value(n.inputs[1]).shape;
  if (x.rank() < 2 || d.rank() != x.rank() - 1)
    return invalid_model(where +
                         ": takes matrices [..., m, n] and diagonals [..., min(m, n)], has " +
                         x.to_string() + " and " + d.to_string());
  const int64_t rows = x[x.rank() - 2], cols = x[x.rank() - 1];
  if (d[d.rank() - 1] != std::min(rows, cols))
    return invalid_model(where + ": the diagonal " + d.to_string() + " does not fit " +
                         x.to_string());
  int diagonal = n.inputs[1];
  if (rows > cols) {  // one entry per row; those past the diagonal's end are masked out
    std::vector<int64_t> pads(2 * d.rank(), 0), dims = d.dims();
    pads.back() = rows - cols;
    dims.back() = rows;
    diagonal = step(l, OpKind::kPad, "diagonal_padded", {diagonal, l.int64s("pads", pads)},
                    diagonal, Shape(dims));
  }
  l.add(OpKind::kWhere, "set_diagonal",
        {identity_mask(l, rows, cols), as_column(l, diagonal, "column"), n.inputs[0]},
        {n.outputs[0]});
  return Status::ok();
}

// ---- BUCKETIZE

Status bucketize_options(const Options& o, Node& n, const std::string& where) {
  std::vector<float> bounds;
  for (int64_t bits : o.ints(0)) bounds.push_back(std::bit_cast<float>(static_cast<int32_t>(bits)));
  if (bounds.empty()) return invalid_model(where + ": BUCKETIZE has no boundaries (TFLite refuses it too)");
  if (!std::is_sorted(bounds.begin(), bounds.end()))
    return invalid_model(where + ": BUCKETIZE's boundaries must be sorted");
  n.attrs.set("boundaries", std::vector<float>(bounds.begin(), bounds.end()));
  return Status::ok();
}

// BUCKETIZE(x) -> int32: the number of boundaries b with !(x < b), TFLite's std::upper_bound
// (integers compared as float, as C++ promotes them).
Status lower_bucketize(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 1, where, "the tensor"));
  const std::vector<float> bounds = n.attrs.get_floats("boundaries");
  int x = n.inputs[0];
  const Shape s = l.value(x).shape;
  const DType d = l.value(x).dtype;
  const DType real = d == DType::kFloat64 ? DType::kFloat64 : DType::kFloat32;
  if (d != DType::kFloat32 && d != DType::kFloat64 && d != DType::kInt32 && d != DType::kInt64)
    return unsupported(where + ": BUCKETIZE of " + dtype_name(d) + " is not supported");
  if (d != real) {
    const int cast = l.intermediate("as_float", real, s);
    l.add(OpKind::kCast, "as_float", {x}, {cast}).attrs.set("to_dtype", static_cast<int64_t>(real));
    x = cast;
  }
  std::vector<uint8_t> bytes;
  for (float b : bounds) {
    uint8_t raw[8];
    const double wide = b;
    if (real == DType::kFloat64)
      std::memcpy(raw, &wide, 8);
    else
      std::memcpy(raw, &b, 4);
    bytes.insert(bytes.end(), raw, raw + dtype_size(real));
  }
  const auto count = static_cast<int64_t>(bounds.size());
  const int boundaries = constant(l, "boundaries", real, Shape{count}, std::move(bytes));
  std::vector<int64_t> dims = s.dims();
  dims.push_back(count);
  const int below = l.intermediate("below", DType::kBool, Shape(dims));
  l.add(OpKind::kLess, "below", {as_column(l, x, "column"), boundaries}, {below});
  const int reached = l.intermediate("reached", DType::kBool, Shape(dims));
  l.add(OpKind::kNot, "reached", {below}, {reached});
  const int ones = l.intermediate("reached_int", DType::kInt32, Shape(dims));
  l.add(OpKind::kCast, "reached_int", {reached}, {ones})
      .attrs.set("to_dtype", static_cast<int64_t>(DType::kInt32));
  Node& sum = l.add(OpKind::kReduceSum, "bucket", {ones}, {n.outputs[0]});
  sum.attrs.set("axes", std::vector<int64_t>{-1});
  sum.attrs.set("keepdims", int64_t{0});
  return Status::ok();
}

// ---- scatters of values into a filled tensor

// SPARSE_TO_DENSE(indices [n, rank] or [n] or scalar, output_shape, values [n] or scalar,
// default_value): default_value everywhere, each value written at its index in order (a later
// duplicate wins, as in TFLite's loop).
Status lower_sparse_to_dense(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(
      needs_inputs(n, 4, where, "the indices, the output shape, the values and the default"));
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> dims,
                           constant_operand(l.graph(), n, 1, "output_shape", where));
  const Shape idx = l.value(n.inputs[0]).shape, values = l.value(n.inputs[2]).shape;
  const auto rank = static_cast<int64_t>(dims.size());
  const int64_t count = idx.rank() == 2 ? idx[0] : idx.rank() == 1 ? idx[0] : 1;
  if (idx.rank() > 2 || (idx.rank() == 2 && idx[1] != rank) || (idx.rank() < 2 && rank != 1))
    return invalid_model(where + ": indices " + idx.to_string() +
                         " do not address an output of rank " + std::to_string(rank));
  if (l.value(n.inputs[3]).shape.num_elements() != 1 ||
      (values.rank() > 0 && values.num_elements() != count))
    return invalid_model(where + ": takes one value per index (or a scalar) and a scalar default");
  const int y = n.outputs[0];
  const int indices =
      reshaped(l, int64_operand(l, n.inputs[0], "indices"), {count, rank}, "indices_2d");
  int updates = n.inputs[2];
  if (values.rank() == 0) updates = filled(l, updates, {count}, updates, "values");
  const int dense = filled(l, n.inputs[3], dims, y, "defaults");
  l.add(OpKind::kScatterND, "scatter", {dense, indices, updates}, {y});
  return Status::ok();
}

// The most entries a lowering's table of element coordinates (a constant it builds) may have:
// the model's shapes decide its size, which a hostile file makes gigabytes (fuzz_tflite
// oom-c5e7a039 for DILATE, oom-bfee39e8 for DYNAMIC_UPDATE_SLICE).
constexpr int64_t kMaxCoordinateTable = int64_t{1} << 20;  // 8 MiB of int64

// DYNAMIC_UPDATE_SLICE(x, update, start [rank]): x with `update` written from `start`, each
// start clamped to [0, x_dim - update_dim] as TFLite does. The update's element coordinates
// (a constant) plus the clamped start are ScatterND's indices.
Status lower_dynamic_update_slice(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 3, where, "the tensor, the update and the start"));
  const Shape x = l.value(n.inputs[0]).shape, u = l.value(n.inputs[1]).shape;
  const Shape start_shape = l.value(n.inputs[2]).shape;
  const size_t rank = x.rank();
  if (rank == 0 || u.rank() != rank || start_shape.rank() != 1 ||
      start_shape[0] != static_cast<int64_t>(rank))
    return invalid_model(where + ": update " + u.to_string() + " and start " +
                         start_shape.to_string() + " do not fit " + x.to_string());
  std::vector<int64_t> limits(rank), coords, grid_dims = u.dims();
  for (size_t k = 0; k < rank; ++k) {
    if (u[k] > x[k])
      return invalid_model(where + ": update " + u.to_string() + " is larger than " +
                           x.to_string());
    limits[k] = x[k] - u[k];
  }
  grid_dims.push_back(static_cast<int64_t>(rank));
  std::vector<int64_t> at(rank, 0);
  const int64_t total = u.num_elements().value_or(0);
  if (total > kMaxCoordinateTable / static_cast<int64_t>(rank))  // no product to overflow
    return unsupported(where + ": DYNAMIC_UPDATE_SLICE of an update " + u.to_string() + " (" +
                       std::to_string(total) + " elements) needs a coordinate table above the " +
                       std::to_string(kMaxCoordinateTable) + " entries this lowering allows");
  for (int64_t e = 0; e < total; ++e) {
    coords.insert(coords.end(), at.begin(), at.end());
    for (size_t k = rank; k-- > 0;) {
      if (++at[k] < u[k]) break;
      at[k] = 0;
    }
  }
  const int start = int64_operand(l, n.inputs[2], "start");
  const int low =
      step(l, OpKind::kMax, "start_low", {start, l.int64s("zeros", std::vector<int64_t>(rank, 0))},
           start, Shape{static_cast<int64_t>(rank)});
  const int clamped = step(l, OpKind::kMin, "start_clamped", {low, l.int64s("limits", limits)},
                           start, Shape{static_cast<int64_t>(rank)});
  const int grid = reshaped(l, l.int64s("coordinates", coords), grid_dims, "coordinates_grid");
  const int indices = step(l, OpKind::kAdd, "indices", {grid, clamped}, grid, Shape(grid_dims));
  l.add(OpKind::kScatterND, "update", {n.inputs[0], indices, n.inputs[1]}, {n.outputs[0]});
  return Status::ok();
}

// DILATE(x, dilations [rank], padding_value): x's elements spread `dilation` apart in each
// dimension (d - 1) * dilation + 1 long, padding_value between them.
Status lower_dilate(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(
      needs_inputs(n, 3, where, "the tensor, the dilations and the padding value"));
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> dilations,
                           constant_operand(l.graph(), n, 1, "dilations", where));
  const Shape x = l.value(n.inputs[0]).shape;
  const size_t rank = x.rank();
  if (rank == 0 || dilations.size() != rank)
    return invalid_model(where + ": takes one dilation per dimension of " + x.to_string());
  if (l.value(n.inputs[2]).shape.num_elements() != 1)
    return invalid_model(where + ": padding_value must be a scalar");
  std::vector<int64_t> dims(rank), coords, at(rank, 0);
  for (size_t k = 0; k < rank; ++k) {
    if (dilations[k] < 1) return invalid_model(where + ": dilations must be positive");
    int64_t span = 0;
    if (x[k] > 0 && (__builtin_mul_overflow(x[k] - 1, dilations[k], &span) ||
                     span > (int64_t{1} << 40)))
      return invalid_model(where + ": dilation " + std::to_string(dilations[k]) + " of " +
                           x.to_string() + " makes a dimension larger than 2^40");
    dims[k] = x[k] == 0 ? 0 : span + 1;
  }
  // The scatter's coordinates are a constant table, one row per element of x: bounded, since a
  // model's shape decides its size (fuzz_tflite oom-c5e7a039 asked for gigabytes).
  const int64_t total = x.num_elements().value_or(0);
  if (total > kMaxCoordinateTable / static_cast<int64_t>(rank))  // no product to overflow
    return unsupported(where + ": DILATE of " + x.to_string() + " (" + std::to_string(total) +
                       " elements) needs a coordinate table above the " +
                       std::to_string(kMaxCoordinateTable) + " entries this lowering allows");
  for (int64_t e = 0; e < total; ++e) {
    for (size_t k = 0; k < rank; ++k) coords.push_back(at[k] * dilations[k]);
    for (size_t k = rank; k-- > 0;) {
      if (++at[k] < x[k]) break;
      at[k] = 0;
    }
  }
  std::vector<int64_t> grid_dims = x.dims();
  grid_dims.push_back(static_cast<int64_t>(rank));
  const int y = n.outputs[0];
  const int padding = filled(l, n.inputs[2], dims, y, "padding");
  const int indices = reshaped(l, l.int64s("coordinates", coords), grid_dims, "coordinates_grid");
  l.add(OpKind::kScatterND, "spread", {padding, indices, n.inputs[0]}, {y});
  return Status::ok();
}

// EMBEDDING_LOOKUP_SPARSE(ids [n], indices [n, k], dense_shape [k], weights [n], table [rows, ...])
// -> dense_shape[:k - 1] + table.shape[1:]: each table row ids[i], times weights[i], added into
// the output slot indices[i][:k - 1]; MEAN divides each slot by its sum of weights, SQRTN by
// the square root of its sum of squared weights (slots no id reaches stay 0), as TFLite's
// kernel does for ids grouped by slot (a SparseTensor's order).
Status embedding_sparse_options(const Options& o, Node& n, const std::string& where) {
  const int8_t combiner = o.i8(0);  // CombinerType: SUM, MEAN, SQRTN
  if (combiner < 0 || combiner > 2)
    return invalid_model(where + ": combiner " + std::to_string(combiner) +
                         " is not SUM, MEAN or SQRTN");
  n.attrs.set("combiner", int64_t{combiner});
  return Status::ok();
}

Status lower_embedding_lookup_sparse(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(
      n, 5, where, "the ids, the indices, the dense shape, the weights and the table"));
  const int ids = n.inputs[0], indices = n.inputs[1], weights = n.inputs[3], table = n.inputs[4];
  const Shape idx = l.value(indices).shape, t = l.value(table).shape;
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> dense,
                           constant_operand(l.graph(), n, 2, "dense_shape", where));
  if (idx.rank() != 2 || t.rank() < 2 || l.value(ids).shape.rank() != 1 ||
      l.value(weights).shape.rank() != 1 || idx[1] != static_cast<int64_t>(dense.size()) ||
      l.value(ids).shape[0] != idx[0] || l.value(weights).shape[0] != idx[0])
    return invalid_model(where +
                         ": ids [n], indices [n, k], dense_shape [k], weights [n] and a table "
                         "of rank 2 or more do not agree");
  if (l.value(table).dtype != DType::kFloat32 || l.value(weights).dtype != DType::kFloat32)
    return unsupported(where + ": EMBEDDING_LOOKUP_SPARSE of a " +
                       dtype_name(l.value(table).dtype) +
                       " table is not supported (float32 is, as in TFLite)");
  if (dense.size() < 2)
    return unsupported(where + ": EMBEDDING_LOOKUP_SPARSE with a 1-D dense shape is not supported");
  const int64_t count = idx[0], k = idx[1];
  const int y = n.outputs[0];
  const std::vector<int64_t> slots(dense.begin(), dense.end() - 1);
  std::vector<int64_t> gathered = t.dims(), out = slots, weight_dims(t.rank(), 1);
  gathered[0] = count;
  out.insert(out.end(), t.dims().begin() + 1, t.dims().end());
  weight_dims[0] = count;
  Step rows = step_node(l, OpKind::kGather, "rows", {table, int64_operand(l, ids, "ids")}, table,
                        Shape(gathered));
  rows.node.attrs.set("axis", int64_t{0});
  const int weighted = step(l, OpKind::kMul, "weighted",
                            {rows.value, reshaped(l, weights, weight_dims, "weights_column")},
                            table, Shape(gathered));
  const int all = int64_operand(l, indices, "indices");
  const int where_to =
      step(l, OpKind::kSlice, "slots",
           {all, l.int64s("starts", {0}), l.int64s("ends", {k - 1}), l.int64s("axes", {1})}, all,
           Shape{count, k - 1});
  auto scatter_add = [&](const std::string& name, int updates, const std::vector<int64_t>& dims,
                         int into) {
    const int zeros =
        filled(l, l.scalar(name + "_zero", DType::kFloat32, 0), dims, table, name + "_zeros");
    const int to = into == kNoValue ? l.intermediate(name, DType::kFloat32, Shape(dims)) : into;
    l.add(OpKind::kScatterND, name, {zeros, where_to, updates}, {to})
        .attrs.set("reduction", std::string("add"));
    return to;
  };
  const int64_t combiner = n.attrs.get_int("combiner", 0);
  if (combiner == 0) {
    scatter_add("sums", weighted, out, y);
    return Status::ok();
  }
  const int sums = scatter_add("sums", weighted, out, kNoValue);
  const int per = combiner == 1 ? weights
                                : step(l, OpKind::kMul, "squared_weights", {weights, weights},
                                       weights, Shape{count});
  int total = scatter_add("totals", per, slots, kNoValue);
  if (combiner == 2) total = step(l, OpKind::kSqrt, "root_totals", {total}, total, Shape(slots));
  const int ones = filled(l, l.scalar("one", DType::kFloat32, 1), {count}, weights, "ones");
  const int reached = scatter_add("reached", ones, slots, kNoValue);
  const int empty = l.intermediate("empty", DType::kBool, Shape(slots));
  l.add(OpKind::kEqual, "empty", {reached, l.scalar("none", DType::kFloat32, 0)}, {empty});
  const int divisor =
      step(l, OpKind::kWhere, "divisor", {empty, l.scalar("unit", DType::kFloat32, 1), total},
           total, Shape(slots));
  std::vector<int64_t> divisor_dims = slots;
  divisor_dims.resize(out.size(), 1);
  l.add(OpKind::kDiv, "combined", {sums, reshaped(l, divisor, divisor_dims, "divisor_column")},
        {y});
  return Status::ok();
}

// BITCAST(x): the same bytes under the output's dtype.
Status lower_bitcast(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 1, where, "the tensor"));
  n.attrs.set("to_dtype", static_cast<int64_t>(l.value(n.outputs[0]).dtype));
  l.add(std::move(n));
  return Status::ok();
}

// ---- pooling and fake quantization

Status l2_pool_options(const Options& o, Node& n, const std::string& where) {
  const int8_t padding = o.i8(0);
  if (padding != 0 && padding != 1)
    return invalid_model(where + ": padding " + std::to_string(padding) +
                         " is neither SAME nor VALID");
  n.attrs.set("strides", std::vector<int64_t>{o.i32(2, 1), o.i32(1, 1)});
  n.attrs.set("kernel_shape", std::vector<int64_t>{o.i32(4, 1), o.i32(3, 1)});
  n.attrs.set("auto_pad", std::string(padding == 0 ? "SAME_UPPER" : "VALID"));
  n.attrs.set("channels_last", int64_t{1});
  return activation_option(o.i8(5), n, where);
}

// L2_POOL_2D(x NHWC): sqrt of the mean of x * x over the window's elements inside the input
// (AveragePool without the padding), then the fused activation.
Status lower_l2_pool(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 1, where, "the tensor"));
  const int x = n.inputs[0], y = n.outputs[0];
  if (l.value(x).shape.rank() != 4) return invalid_model(where + ": takes an NHWC tensor");
  const int64_t activation = n.attrs.get_int("fused_activation", 0);
  n.attrs.erase("fused_activation");
  const int squares = step(l, OpKind::kMul, "squares", {x, x}, x, l.value(x).shape);
  const int mean = l.intermediate_like("mean_square", y, l.value(y).shape);
  n.inputs = {squares};
  n.outputs = {mean};
  l.add(std::move(n));
  add_activated(l, OpKind::kSqrt, "root", {mean}, y, activation);
  return Status::ok();
}

Status fake_quant_options(const Options& o, Node& n, const std::string& where) {
  const float lo = o.f32(0, 0.0f), hi = o.f32(1, 0.0f);
  const int32_t bits = o.i32(2, 0);
  if (bits < 2 || bits > 16)
    return invalid_model(where + ": num_bits " + std::to_string(bits) + " is outside [2, 16]");
  if (!(lo <= 0.0f && hi >= 0.0f && lo < hi))
    return invalid_model(where + ": the range [min, max] must hold 0 and not be empty");
  // TensorFlow's nudging, in float as TFLite computes it: the range moves so that 0 is a
  // quantized value.
  if (o.flag(3))
    return unsupported(where +
                       ": FAKE_QUANT with narrow_range is not supported (TFLite's "
                       "runtime refuses it too)");
  const float q_lo = 0.0f, q_hi = static_cast<float>((1 << bits) - 1);
  const float scale = (hi - lo) / (q_hi - q_lo);
  const float zero_from_min = q_lo - lo / scale;
  const float zero = zero_from_min < q_lo   ? q_lo
                     : zero_from_min > q_hi ? q_hi
                                            : std::round(zero_from_min);
  n.attrs.set("nudged_min", (q_lo - zero) * scale);
  n.attrs.set("nudged_max", (q_hi - zero) * scale);
  n.attrs.set("nudged_scale", scale);
  return Status::ok();
}

// FAKE_QUANT(x): x clamped to the nudged range and rounded to its nearest step:
// round((clamp(x) - min) * (1 / scale)) * scale + min, rounding halves up (std::round of a
// value that is never negative).
Status lower_fake_quant(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(needs_inputs(n, 1, where, "the tensor"));
  const int x = n.inputs[0];
  const Shape s = l.value(x).shape;
  const float lo = n.attrs.get_float("nudged_min", 0), hi = n.attrs.get_float("nudged_max", 0),
              scale = n.attrs.get_float("nudged_scale", 1);
  auto f32 = [&](const char* name, float v) { return l.scalar(name, DType::kFloat32, v); };
  Step clip = step_node(l, OpKind::kClip, "clamped", {x}, x, s);
  clip.node.attrs.set("min", lo);
  clip.node.attrs.set("max", hi);
  const int clamped = clip.value;
  const int shifted = step(l, OpKind::kSub, "shifted", {clamped, f32("min", lo)}, x, s);
  const int steps =
      step(l, OpKind::kMul, "steps", {shifted, f32("inverse_scale", 1.0f / scale)}, x, s);
  const int half_up = step(l, OpKind::kAdd, "half_up", {steps, f32("half", 0.5f)}, x, s);
  const int rounded = step(l, OpKind::kFloor, "rounded", {half_up}, x, s);
  const int back = step(l, OpKind::kMul, "scaled", {rounded, f32("scale", scale)}, x, s);
  l.add(OpKind::kAdd, "fake_quantized", {back, f32("offset", lo)}, {n.outputs[0]});
  return Status::ok();
}

// ---- 3-D convolutions: the IR's NCDHW Conv and ConvTranspose between Transposes

Status conv3d_options(const Options& o, Node& n, const std::string& where) {
  const int8_t padding = o.i8(0);
  if (padding != 0 && padding != 1)
    return invalid_model(where + ": padding " + std::to_string(padding) +
                         " is neither SAME nor VALID");
  n.attrs.set("strides", std::vector<int64_t>{o.i32(1, 1), o.i32(3, 1), o.i32(2, 1)});
  n.attrs.set("dilations", std::vector<int64_t>{o.i32(5, 1), o.i32(7, 1), o.i32(6, 1)});
  n.attrs.set("same", int64_t{padding == 0});
  return activation_option(o.i8(4), n, where);
}

int permuted(Lowering& l, int id, const std::vector<int64_t>& perm, const std::string& suffix) {
  const Shape s = l.value(id).shape;
  std::vector<int64_t> dims;
  for (int64_t p : perm) dims.push_back(s[static_cast<size_t>(p)]);
  Step t = step_node(l, OpKind::kTranspose, suffix, {id}, id, Shape(dims));
  t.node.attrs.set("perm", perm);
  return t.value;
}

const std::vector<int64_t> kToChannelsFirst{0, 4, 1, 2, 3}, kToChannelsLast{0, 2, 3, 4, 1};

// Checks the geometry shared by both: positive strides and dilations, a float32 NDHWC input
// and 5-D weights.
Status check_conv3d(const Lowering& l, const Node& n, int x, int w, const std::string& where) {
  for (const char* a : {"strides", "dilations"})
    for (int64_t v : n.attrs.get_ints(a))
      if (v < 1) return invalid_model(where + ": " + a + " must be positive");
  if (l.value(x).shape.rank() != 5 || l.value(w).shape.rank() != 5)
    return invalid_model(where + ": takes an NDHWC input and 5-D weights");
  if (l.value(x).dtype != DType::kFloat32)
    return unsupported(where + ": " + dtype_name(l.value(x).dtype) +
                       " 3-D convolution is not supported (float32 is, as in TFLite)");
  return Status::ok();
}

// CONV_3D(x NDHWC, weights [kd, kh, kw, C, M], [bias]): Conv over NCDHW with OIDHW weights.
Status lower_conv3d(Lowering& l, Node n, const std::string& where) {
  if (n.inputs.size() < 2 || n.inputs.size() > 3 || n.inputs[0] == kNoValue ||
      n.inputs[1] == kNoValue)
    return invalid_model(where + ": takes the input, the weights and an optional bias");
  OUTPOST_RETURN_IF_ERROR(check_conv3d(l, n, n.inputs[0], n.inputs[1], where));
  const Shape w = l.value(n.inputs[1]).shape;
  if (w[3] != l.value(n.inputs[0]).shape[4])
    return unsupported(where + ": weights " + w.to_string() + " for " +
                       l.value(n.inputs[0]).shape.to_string() + " (grouped) are not supported");
  const int64_t activation = n.attrs.get_int("fused_activation", 0);
  const bool same = n.attrs.get_int("same", 0) != 0;
  const int y = n.outputs[0];
  const Shape o = l.value(y).shape;
  // The output's declared shape names the convolution's: a file that declares another rank is
  // invalid (fuzz_tflite crash-9ffeb248 read past a rank-0 shape).
  if (o.rank() != 5)
    return invalid_model(where + ": the output is declared " + o.to_string() +
                         ", not the 5 dimensions NDHWC of a 3D convolution");
  std::vector<int> inputs{permuted(l, n.inputs[0], kToChannelsFirst, "ncdhw"),
                          permuted(l, n.inputs[1], {4, 3, 0, 1, 2}, "oidhw")};
  if (n.inputs.size() == 3 && n.inputs[2] != kNoValue) inputs.push_back(n.inputs[2]);
  const int conv = l.intermediate_like("conv", y, Shape{o[0], o[4], o[1], o[2], o[3]});
  Node& c = l.add(OpKind::kConv, "conv", inputs, {conv});
  c.attrs.set("strides", n.attrs.get_ints("strides"));
  c.attrs.set("dilations", n.attrs.get_ints("dilations"));
  c.attrs.set("kernel_shape", std::vector<int64_t>{w[0], w[1], w[2]});
  c.attrs.set("auto_pad", std::string(same ? "SAME_UPPER" : "VALID"));
  Attributes back;
  back.set("perm", kToChannelsLast);
  add_activated(l, OpKind::kTranspose, "ndhwc", {conv}, y, activation, back);
  return Status::ok();
}

// CONV_3D_TRANSPOSE(output_shape [5], weights [kd, kh, kw, M, C], x NDHWC, [bias]):
// ConvTranspose over NCDHW with [C, M, kd, kh, kw] weights and the output the model asks for,
// padded as TRANSPOSE_CONV is (tflite_math_builtins.cc): SAME puts floor(total / 2) before.
Status lower_conv3d_transpose(Lowering& l, Node n, const std::string& where) {
  if (n.inputs.size() < 3 || n.inputs.size() > 4 || n.inputs[0] == kNoValue ||
      n.inputs[1] == kNoValue || n.inputs[2] == kNoValue)
    return invalid_model(where +
                         ": takes the output shape, the weights, the input and an optional bias");
  OUTPOST_RETURN_IF_ERROR(check_conv3d(l, n, n.inputs[2], n.inputs[1], where));
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> out,
                           constant_operand(l.graph(), n, 0, "output_shape", where));
  const Shape x = l.value(n.inputs[2]).shape, w = l.value(n.inputs[1]).shape;
  if (out.size() != 5 || out[0] != x[0] || out[4] != w[3] || w[4] != x[4])
    return invalid_model(where + ": output_shape " + Shape(out).to_string() + ", weights " +
                         w.to_string() + " and input " + x.to_string() + " do not agree");
  const std::vector<int64_t> strides = n.attrs.get_ints("strides"),
                             dil = n.attrs.get_ints("dilations");
  const bool same = n.attrs.get_int("same", 0) != 0;
  std::vector<int64_t> pads(6, 0), adj(3, 0);
  for (size_t d = 0; d < 3; ++d) {
    const int64_t s = strides[d], k = (w[d] - 1) * dil[d] + 1, o = out[1 + d];
    if (o < 1) return invalid_model(where + ": output_shape must be positive");
    const int64_t forward = (o + s - 1) / s;
    const int64_t before = same ? std::max<int64_t>(0, (forward - 1) * s + k - o) / 2 : 0;
    int64_t after = (x[1 + d] - 1) * s + k - o - before;
    if (after < 0) {
      adj[d] = -after;
      after = 0;
    }
    pads[d] = before;
    pads[3 + d] = after;
  }
  const int y = n.outputs[0];
  std::vector<int> inputs{permuted(l, n.inputs[2], kToChannelsFirst, "ncdhw"),
                          permuted(l, n.inputs[1], {4, 3, 0, 1, 2}, "iodhw")};
  if (n.inputs.size() == 4 && n.inputs[3] != kNoValue) inputs.push_back(n.inputs[3]);
  const int conv = l.intermediate_like("conv", y, Shape{out[0], out[4], out[1], out[2], out[3]});
  Node& c = l.add(OpKind::kConvTranspose, "conv_transpose", inputs, {conv});
  c.attrs.set("strides", strides);
  c.attrs.set("dilations", dil);
  c.attrs.set("kernel_shape", std::vector<int64_t>{w[0], w[1], w[2]});
  c.attrs.set("pads", pads);
  c.attrs.set("output_padding", adj);
  Attributes back;
  back.set("perm", kToChannelsLast);
  add_activated(l, OpKind::kTranspose, "ndhwc", {conv}, y, n.attrs.get_int("fused_activation", 0),
                back);
  return Status::ok();
}

constexpr QuantizedForm kRefused = QuantizedForm::kRefused;
constexpr QuantizedForm kSameParams = QuantizedForm::kSameParams;

// clang-format off
const BuiltinRule kRules[] = {
    {kSegmentSum, OpKind::kScatterND, "", sum_options, lower_segment_sum, kRefused},
    {kUnsortedSegmentSum, OpKind::kScatterND, "", sum_options, lower_unsorted_segment, kRefused},
    {kUnsortedSegmentProd, OpKind::kScatterND, "", prod_options, lower_unsorted_segment, kRefused},
    {kUnsortedSegmentMax, OpKind::kScatterND, "", max_options, lower_unsorted_segment, kRefused},
    {kUnsortedSegmentMin, OpKind::kScatterND, "", min_options, lower_unsorted_segment, kRefused},
    {kMatrixDiag, OpKind::kWhere, "", nullptr, lower_matrix_diag, kSameParams},
    {kMatrixSetDiag, OpKind::kWhere, "", nullptr, lower_matrix_set_diag, kSameParams},
    {kBucketize, OpKind::kLess, "0", bucketize_options, lower_bucketize, kRefused},
    {kSparseToDense, OpKind::kScatterND, "1", nullptr, lower_sparse_to_dense, kSameParams},
    {kDynamicUpdateSlice, OpKind::kScatterND, "", nullptr, lower_dynamic_update_slice, kSameParams},
    {kDilate, OpKind::kScatterND, "", nullptr, lower_dilate, kSameParams},
    {kEmbeddingLookupSparse, OpKind::kScatterND, "1", embedding_sparse_options, lower_embedding_lookup_sparse, kRefused},
    {kBitcast, OpKind::kBitcast, "", nullptr, lower_bitcast, QuantizedForm::kAsIs},
    {kL2Pool2D, OpKind::kAveragePool, "144441", l2_pool_options, lower_l2_pool, kRefused},
    {kFakeQuant, OpKind::kClip, "4441", fake_quant_options, lower_fake_quant, kRefused},
    {kConv3D, OpKind::kTranspose, "14441444", conv3d_options, lower_conv3d, kRefused},
    {kConv3DTranspose, OpKind::kTranspose, "14441444", conv3d_options, lower_conv3d_transpose, kRefused},
};
// clang-format on

}  // namespace

std::span<const BuiltinRule> segment_builtin_rules() { return kRules; }

}  // namespace outpost::tflite
