// Shape (and dtype) inference of the ONNX tensor ops of op_list_onnx_tensor.inc. Operands that
// decide a shape (Reshape's shape, Slice's starts, reduction axes) must be constants by now: the
// ONNX importer folds shape subgraphs at load.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <set>

#include "ir/shape_inference.h"

namespace outpost {
namespace {

Status fail(const Graph& g, const Node& n, const std::string& why) {
  return shape_mismatch(g.source + ": " + n.describe() + ": " + why);
}

const Value& in(const Graph& g, const Node& n, size_t i) { return g.value(n.inputs[i]); }
Value& out(Graph& g, const Node& n, size_t i = 0) { return g.value(n.outputs[i]); }
bool present(const Node& n, size_t i) { return i < n.inputs.size() && n.inputs[i] != kNoValue; }
int64_t opset(const Node& n) { return n.attrs.get_int("opset", 17); }

void set_out(Graph& g, const Node& n, Shape shape, DType dtype, size_t i = 0) {
  out(g, n, i).shape = std::move(shape);
  out(g, n, i).dtype = dtype;
}

// A constant integer operand (int32 or int64) as int64 values.
Result<std::vector<int64_t>> const_ints(const Graph& g, const Node& n, size_t i) {
  const Value& v = in(g, n, i);
  if (!v.is_constant())
    return unsupported(g.source + ": " + n.describe() + ": input " + std::to_string(i) + " ('" +
                       v.name + "') must be a constant (or computable at load): its value decides the output shape");
  if (v.dtype != DType::kInt32 && v.dtype != DType::kInt64)
    return fail(g, n, "input " + std::to_string(i) + " must be int32 or int64, is " + dtype_name(v.dtype));
  const size_t elem = dtype_size(v.dtype);
  std::vector<int64_t> r(v.constant.size / elem);
  for (size_t k = 0; k < r.size(); ++k) {
    if (elem == 4) {
      int32_t x;
      std::memcpy(&x, v.constant.bytes + 4 * k, 4);
      r[k] = x;
    } else {
      std::memcpy(&r[k], v.constant.bytes + 8 * k, 8);
    }
  }
  return r;
}

// `axis` in [-rank, rank) made non-negative.
Result<int64_t> norm_axis(const Graph& g, const Node& n, int64_t axis, int64_t rank, const char* what = "axis") {
  if (axis < -rank || axis >= rank)
    return fail(g, n, std::string(what) + " " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

// Axes from attribute `axes` or from input `input` (the form depends on the opset), normalized
// and checked for duplicates. `given` says whether any form was present.
Result<std::vector<int64_t>> axes_of(const Graph& g, const Node& n, size_t input, int64_t rank, bool* given) {
  std::vector<int64_t> axes;
  *given = false;
  if (present(n, input)) {
    OUTPOST_ASSIGN_OR_RETURN(axes, const_ints(g, n, input));
    *given = true;
  } else if (n.attrs.has("axes")) {
    axes = n.attrs.get_ints("axes");
    *given = true;
  }
  std::set<int64_t> seen;
  for (int64_t& a : axes) {
    OUTPOST_ASSIGN_OR_RETURN(a, norm_axis(g, n, a, rank, "axes entry"));
    if (!seen.insert(a).second) return fail(g, n, "axis " + std::to_string(a) + " is repeated");
  }
  return axes;
}

Result<Shape> broadcast_shapes(const Graph& g, const Node& n, const std::vector<Shape>& shapes) {
  size_t rank = 0;
  for (const Shape& s : shapes) rank = std::max(rank, s.rank());
  std::vector<int64_t> dims(rank, 1);
  for (const Shape& s : shapes) {
    for (size_t k = 0; k < s.rank(); ++k) {
      const size_t o = rank - s.rank() + k;
      if (s[k] == dims[o] || s[k] == 1) continue;
      if (dims[o] != 1) return fail(g, n, "input shapes do not broadcast (" + s.to_string() + ")");
      dims[o] = s[k];
    }
  }
  return Shape(dims);
}

// When shape operand i is computed at run time (a graph input in the ONNX test models), the
// output shape the model declares stands in for the one the operand's value would give; each
// caller checks it against what the op can produce, and the kernel reads the operand at run time
// or needs only the shapes.
bool use_declared(const Graph& g, const Node& n, size_t i) {
  const Shape& o = g.value(n.outputs[0]).shape;
  return present(n, i) && !in(g, n, i).is_constant() && o.rank() > 0 && o.is_static();
}

Status check_same_count(Graph& g, const Node& n) {
  if (in(g, n, 0).shape.num_elements() != out(g, n).shape.num_elements())
    return fail(g, n, "the declared output shape " + out(g, n).shape.to_string() + " does not hold the input's " +
                          in(g, n, 0).shape.to_string() + " elements");
  out(g, n).dtype = in(g, n, 0).dtype;
  return Status::ok();
}

Status check_total(const Graph& g, const Node& n, const std::vector<int64_t>& dims) {
  int64_t total = 1;
  for (int64_t d : dims) {
    if (d < 0) return fail(g, n, "negative output dimension " + std::to_string(d));
    if (d > 0 && total > (int64_t{1} << 40) / d) return fail(g, n, "output shape is too large");
    total *= d;
  }
  return Status::ok();
}

}  // namespace

Status infer_onnx_unary(const Node& n, Graph& g) {
  set_out(g, n, in(g, n, 0).shape, in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_predicate(const Node& n, Graph& g) {
  set_out(g, n, in(g, n, 0).shape, DType::kBool);
  return Status::ok();
}

Status infer_onnx_broadcast(const Node& n, Graph& g) {
  std::vector<Shape> shapes;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (!present(n, i)) return fail(g, n, "input " + std::to_string(i) + " is missing");
    if (n.op != OpKind::kPow && in(g, n, i).dtype != in(g, n, 0).dtype)
      return fail(g, n, std::string("inputs have different dtypes: ") + dtype_name(in(g, n, 0).dtype) + " and " +
                            dtype_name(in(g, n, i).dtype));
    shapes.push_back(in(g, n, i).shape);
  }
  OUTPOST_ASSIGN_OR_RETURN(Shape s, broadcast_shapes(g, n, shapes));
  set_out(g, n, s, in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_compare(const Node& n, Graph& g) {
  OUTPOST_RETURN_IF_ERROR(infer_onnx_broadcast(n, g));
  out(g, n).dtype = DType::kBool;
  return Status::ok();
}

Status infer_onnx_where(const Node& n, Graph& g) {
  if (in(g, n, 0).dtype != DType::kBool) return fail(g, n, "condition must be bool");
  if (in(g, n, 1).dtype != in(g, n, 2).dtype) return fail(g, n, "x and y have different dtypes");
  OUTPOST_ASSIGN_OR_RETURN(Shape s, broadcast_shapes(g, n, {in(g, n, 0).shape, in(g, n, 1).shape, in(g, n, 2).shape}));
  set_out(g, n, s, in(g, n, 1).dtype);
  return Status::ok();
}

Status infer_onnx_reduce(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  if (use_declared(g, n, 1)) {
    const Shape& o = out(g, n).shape;
    if (n.attrs.get_int("keepdims", 1) == 0)
      return unsupported(g.source + ": " + n.describe() + ": axes computed at run time with keepdims=0 are not supported");
    if (o.rank() != x.rank()) return fail(g, n, "the declared output rank differs from the input's");
    for (size_t k = 0; k < x.rank(); ++k)
      if (o[k] != x[k] && o[k] != 1) return fail(g, n, "the declared output shape " + o.to_string() + " is not a reduction of " + x.to_string());
    out(g, n).dtype = in(g, n, 0).dtype;
    return Status::ok();
  }
  bool given = false;
  OUTPOST_ASSIGN_OR_RETURN(auto axes, axes_of(g, n, 1, static_cast<int64_t>(x.rank()), &given));
  const bool keep = n.attrs.get_int("keepdims", 1) != 0;
  if (axes.empty()) {
    if (n.attrs.get_int("noop_with_empty_axes", 0) != 0) {
      set_out(g, n, x, in(g, n, 0).dtype);
      return Status::ok();
    }
    for (size_t k = 0; k < x.rank(); ++k) axes.push_back(static_cast<int64_t>(k));
  }
  std::vector<int64_t> dims;
  for (size_t k = 0; k < x.rank(); ++k) {
    const bool reduced = std::find(axes.begin(), axes.end(), static_cast<int64_t>(k)) != axes.end();
    if (!reduced) dims.push_back(x[k]);
    else if (keep) dims.push_back(1);
  }
  set_out(g, n, Shape(dims), in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_arg(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  OUTPOST_ASSIGN_OR_RETURN(int64_t axis, norm_axis(g, n, n.attrs.get_int("axis", 0), static_cast<int64_t>(x.rank())));
  if (x[static_cast<size_t>(axis)] == 0) return fail(g, n, "cannot take the arg-extremum of an empty axis");
  std::vector<int64_t> dims = x.dims();
  if (n.attrs.get_int("keepdims", 1)) dims[static_cast<size_t>(axis)] = 1;
  else dims.erase(dims.begin() + axis);
  set_out(g, n, Shape(dims), DType::kInt64);
  return Status::ok();
}

Status infer_onnx_softmax(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const int64_t rank = static_cast<int64_t>(x.rank());
  const int64_t axis = n.attrs.get_int("axis", opset(n) >= 13 ? -1 : 1);
  if (rank == 0) return fail(g, n, "input must have rank >= 1");
  OUTPOST_RETURN_IF_ERROR(norm_axis(g, n, axis, rank).status());
  set_out(g, n, x, in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_reshape(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  if (use_declared(g, n, 1)) return check_same_count(g, n);
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> dims, const_ints(g, n, 1));
  const bool allow_zero = n.attrs.get_int("allowzero", 0) != 0;
  int unknown = -1;
  int64_t known = 1;
  for (size_t k = 0; k < dims.size(); ++k) {
    if (dims[k] == 0 && !allow_zero) {
      if (k >= x.rank()) return fail(g, n, "shape entry " + std::to_string(k) + " is 0 (copy) beyond the input's rank");
      dims[k] = x[k];
    }
    if (dims[k] == -1) {
      if (unknown >= 0) return fail(g, n, "the new shape has more than one -1");
      unknown = static_cast<int>(k);
      continue;
    }
    if (dims[k] < 0) return fail(g, n, "the new shape has a negative dimension " + std::to_string(dims[k]));
    OUTPOST_RETURN_IF_ERROR(check_total(g, n, {known, dims[k]}));
    known *= dims[k];
  }
  const int64_t total = x.num_elements().value_or(-1);
  if (unknown >= 0) {
    if (known == 0 || total % known != 0)
      return fail(g, n, "cannot infer the -1 in reshaping " + x.to_string() + " to " + Shape(dims).to_string());
    dims[static_cast<size_t>(unknown)] = total / known;
  } else if (known != total) {
    return fail(g, n, "cannot reshape " + x.to_string() + " to " + Shape(dims).to_string());
  }
  set_out(g, n, Shape(dims), in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_flatten(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const int64_t rank = static_cast<int64_t>(x.rank());
  int64_t axis = n.attrs.get_int("axis", 1);
  if (axis < -rank || axis > rank) return fail(g, n, "axis " + std::to_string(axis) + " is out of range");
  if (axis < 0) axis += rank;
  int64_t outer = 1, inner = 1;
  for (int64_t k = 0; k < rank; ++k) (k < axis ? outer : inner) *= x[static_cast<size_t>(k)];
  set_out(g, n, Shape{outer, inner}, in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_squeeze(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  if (use_declared(g, n, 1)) return check_same_count(g, n);
  bool given = false;
  OUTPOST_ASSIGN_OR_RETURN(auto axes, axes_of(g, n, 1, static_cast<int64_t>(x.rank()), &given));
  std::vector<int64_t> dims;
  for (size_t k = 0; k < x.rank(); ++k) {
    const bool listed = std::find(axes.begin(), axes.end(), static_cast<int64_t>(k)) != axes.end();
    if (listed && x[k] != 1) return fail(g, n, "cannot squeeze axis " + std::to_string(k) + " of size " + std::to_string(x[k]));
    if (listed || (!given && x[k] == 1)) continue;
    dims.push_back(x[k]);
  }
  set_out(g, n, Shape(dims), in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_unsqueeze(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  if (use_declared(g, n, 1)) return check_same_count(g, n);
  std::vector<int64_t> axes;
  if (present(n, 1)) {
    OUTPOST_ASSIGN_OR_RETURN(axes, const_ints(g, n, 1));
  } else {
    axes = n.attrs.get_ints("axes");
  }
  const int64_t rank = static_cast<int64_t>(x.rank() + axes.size());
  std::vector<bool> inserted(static_cast<size_t>(rank), false);
  for (int64_t a : axes) {
    OUTPOST_ASSIGN_OR_RETURN(int64_t k, norm_axis(g, n, a, rank, "axes entry"));
    if (inserted[static_cast<size_t>(k)]) return fail(g, n, "axis " + std::to_string(k) + " is repeated");
    inserted[static_cast<size_t>(k)] = true;
  }
  std::vector<int64_t> dims;
  size_t next = 0;
  for (int64_t k = 0; k < rank; ++k) dims.push_back(inserted[static_cast<size_t>(k)] ? 1 : x[next++]);
  set_out(g, n, Shape(dims), in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_dropout(const Node& n, Graph& g) {
  if (n.outputs.size() > 2) return fail(g, n, "Dropout has at most 2 outputs");
  set_out(g, n, in(g, n, 0).shape, in(g, n, 0).dtype);
  if (n.outputs.size() == 2) set_out(g, n, in(g, n, 0).shape, DType::kBool, 1);
  return Status::ok();
}

Status infer_onnx_transpose(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  std::vector<int64_t> perm = n.attrs.get_ints("perm");
  if (!n.attrs.has("perm"))
    for (size_t k = x.rank(); k-- > 0;) perm.push_back(static_cast<int64_t>(k));
  if (perm.size() != x.rank()) return fail(g, n, "perm has " + std::to_string(perm.size()) + " entries for rank " + std::to_string(x.rank()));
  std::vector<bool> used(x.rank(), false);
  std::vector<int64_t> dims;
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(x.rank()) || used[static_cast<size_t>(p)])
      return fail(g, n, "perm is not a permutation of 0.." + std::to_string(x.rank() - 1));
    used[static_cast<size_t>(p)] = true;
    dims.push_back(x[static_cast<size_t>(p)]);
  }
  set_out(g, n, Shape(dims), in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_split(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  OUTPOST_ASSIGN_OR_RETURN(int64_t axis, norm_axis(g, n, n.attrs.get_int("axis", 0), static_cast<int64_t>(x.rank())));
  const int64_t extent = x[static_cast<size_t>(axis)];
  const int64_t parts = static_cast<int64_t>(n.outputs.size());
  if (use_declared(g, n, 1)) {
    int64_t sum = 0;
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      const Shape& o = out(g, n, k).shape;
      if (o.rank() != x.rank()) return fail(g, n, "output " + std::to_string(k) + " has no declared shape of the input's rank");
      for (size_t d = 0; d < x.rank(); ++d)
        if (static_cast<int64_t>(d) != axis && o[d] != x[d]) return fail(g, n, "declared output shapes do not split the input");
      sum += o[static_cast<size_t>(axis)];
      out(g, n, k).dtype = in(g, n, 0).dtype;
    }
    if (sum != extent) return fail(g, n, "declared output shapes do not split the input");
    return Status::ok();
  }
  std::vector<int64_t> split;
  if (present(n, 1)) {
    OUTPOST_ASSIGN_OR_RETURN(split, const_ints(g, n, 1));
  } else if (n.attrs.has("split")) {
    split = n.attrs.get_ints("split");
  } else {
    if (extent % parts != 0)
      return fail(g, n, "axis extent " + std::to_string(extent) + " does not split into " + std::to_string(parts) + " equal parts");
    split.assign(static_cast<size_t>(parts), extent / parts);
  }
  if (static_cast<int64_t>(split.size()) != parts)
    return fail(g, n, "split has " + std::to_string(split.size()) + " entries for " + std::to_string(parts) + " outputs");
  int64_t sum = 0;
  for (int64_t s : split) {
    if (s < 0 || s > extent) return fail(g, n, "split entry " + std::to_string(s) + " is out of range");
    sum += s;
  }
  if (sum != extent) return fail(g, n, "split sums to " + std::to_string(sum) + ", the axis has " + std::to_string(extent));
  for (size_t k = 0; k < split.size(); ++k) {
    std::vector<int64_t> dims = x.dims();
    dims[static_cast<size_t>(axis)] = split[k];
    set_out(g, n, Shape(dims), in(g, n, 0).dtype, k);
  }
  return Status::ok();
}

Status infer_onnx_slice(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const int64_t rank = static_cast<int64_t>(x.rank());
  if (use_declared(g, n, 1) || use_declared(g, n, 2) || use_declared(g, n, 3) || use_declared(g, n, 4)) {
    const Shape& o = out(g, n).shape;
    if (o.rank() != x.rank()) return fail(g, n, "the declared output rank differs from the input's");
    for (size_t k = 0; k < x.rank(); ++k)
      if (o[k] > x[k]) return fail(g, n, "the declared output shape " + o.to_string() + " is larger than the input");
    out(g, n).dtype = in(g, n, 0).dtype;
    return Status::ok();
  }
  std::vector<int64_t> starts, ends, axes, steps;
  if (opset(n) < 10) {
    starts = n.attrs.get_ints("starts");
    ends = n.attrs.get_ints("ends");
    axes = n.attrs.get_ints("axes");
  } else {
    if (!present(n, 1) || !present(n, 2)) return fail(g, n, "starts and ends are required");
    OUTPOST_ASSIGN_OR_RETURN(starts, const_ints(g, n, 1));
    OUTPOST_ASSIGN_OR_RETURN(ends, const_ints(g, n, 2));
    if (present(n, 3)) {
      OUTPOST_ASSIGN_OR_RETURN(axes, const_ints(g, n, 3));
    }
    if (present(n, 4)) {
      OUTPOST_ASSIGN_OR_RETURN(steps, const_ints(g, n, 4));
    }
  }
  if (axes.empty())
    for (size_t k = 0; k < starts.size(); ++k) axes.push_back(static_cast<int64_t>(k));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    return fail(g, n, "starts, ends, axes and steps have different lengths");
  std::vector<int64_t> dims = x.dims();
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (size_t k = 0; k < starts.size(); ++k) {
    OUTPOST_ASSIGN_OR_RETURN(int64_t a, norm_axis(g, n, axes[k], rank, "axes entry"));
    if (seen[static_cast<size_t>(a)]) return fail(g, n, "axis " + std::to_string(a) + " is repeated");
    seen[static_cast<size_t>(a)] = true;
    const int64_t dim = x[static_cast<size_t>(a)], step = steps[k];
    if (step == 0) return fail(g, n, "step 0");
    auto clamp = [&](int64_t v, int64_t lo, int64_t hi) {
      if (v < 0) v += dim;
      return std::clamp(v, lo, hi);
    };
    const int64_t s = step > 0 ? clamp(starts[k], 0, dim) : clamp(starts[k], -1, dim - 1);
    const int64_t e = step > 0 ? clamp(ends[k], 0, dim) : clamp(ends[k], -1, dim - 1);
    const int64_t count = step > 0 ? (e - s + step - 1) / step : (s - e + (-step) - 1) / (-step);
    dims[static_cast<size_t>(a)] = std::max<int64_t>(count, 0);
  }
  set_out(g, n, Shape(dims), in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_gather(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const Shape& idx = in(g, n, 1).shape;
  if (x.rank() == 0) return fail(g, n, "data must have rank >= 1");
  OUTPOST_ASSIGN_OR_RETURN(int64_t axis, norm_axis(g, n, n.attrs.get_int("axis", 0), static_cast<int64_t>(x.rank())));
  std::vector<int64_t> dims(x.dims().begin(), x.dims().begin() + axis);
  dims.insert(dims.end(), idx.dims().begin(), idx.dims().end());
  dims.insert(dims.end(), x.dims().begin() + axis + 1, x.dims().end());
  set_out(g, n, Shape(dims), in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_gather_elements(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const Shape& idx = in(g, n, 1).shape;
  if (x.rank() != idx.rank() || x.rank() == 0) return fail(g, n, "data and indices must have the same rank >= 1");
  OUTPOST_RETURN_IF_ERROR(norm_axis(g, n, n.attrs.get_int("axis", 0), static_cast<int64_t>(x.rank())).status());
  set_out(g, n, idx, in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_gather_nd(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const Shape& idx = in(g, n, 1).shape;
  const int64_t b = n.attrs.get_int("batch_dims", 0);
  if (idx.rank() == 0 || b < 0 || b >= static_cast<int64_t>(std::min(x.rank(), idx.rank())))
    return fail(g, n, "indices rank or batch_dims is out of range");
  const int64_t last = idx[idx.rank() - 1];
  if (last < 1 || b + last > static_cast<int64_t>(x.rank())) return fail(g, n, "indices' last dimension is out of range");
  for (int64_t k = 0; k < b; ++k)
    if (x[static_cast<size_t>(k)] != idx[static_cast<size_t>(k)]) return fail(g, n, "batch dimensions differ");
  std::vector<int64_t> dims(idx.dims().begin(), idx.dims().end() - 1);
  dims.insert(dims.end(), x.dims().begin() + b + last, x.dims().end());
  set_out(g, n, Shape(dims), in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_scatter(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const Shape& idx = in(g, n, 1).shape;
  const Shape& upd = in(g, n, 2).shape;
  if (in(g, n, 2).dtype != in(g, n, 0).dtype) return fail(g, n, "updates and data have different dtypes");
  if (n.op == OpKind::kScatterElements) {
    if (idx != upd || idx.rank() != x.rank()) return fail(g, n, "indices and updates must match in shape and rank");
    OUTPOST_RETURN_IF_ERROR(norm_axis(g, n, n.attrs.get_int("axis", 0), static_cast<int64_t>(x.rank())).status());
  } else {
    if (idx.rank() == 0) return fail(g, n, "indices must have rank >= 1");
    const int64_t last = idx[idx.rank() - 1];
    if (last < 1 || last > static_cast<int64_t>(x.rank())) return fail(g, n, "indices' last dimension is out of range");
    std::vector<int64_t> want(idx.dims().begin(), idx.dims().end() - 1);
    want.insert(want.end(), x.dims().begin() + last, x.dims().end());
    if (upd != Shape(want)) return fail(g, n, "updates have shape " + upd.to_string() + ", expected " + Shape(want).to_string());
  }
  set_out(g, n, x, in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_expand(const Node& n, Graph& g) {
  if (use_declared(g, n, 1)) {
    OUTPOST_ASSIGN_OR_RETURN(Shape s, broadcast_shapes(g, n, {in(g, n, 0).shape, out(g, n).shape}));
    if (s != out(g, n).shape) return fail(g, n, "the declared output shape is not a broadcast of the input");
    out(g, n).dtype = in(g, n, 0).dtype;
    return Status::ok();
  }
  OUTPOST_ASSIGN_OR_RETURN(auto dims, const_ints(g, n, 1));
  OUTPOST_RETURN_IF_ERROR(check_total(g, n, dims));
  OUTPOST_ASSIGN_OR_RETURN(Shape s, broadcast_shapes(g, n, {in(g, n, 0).shape, Shape(dims)}));
  set_out(g, n, s, in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_tile(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  if (use_declared(g, n, 1)) {
    const Shape& o = out(g, n).shape;
    if (o.rank() != x.rank()) return fail(g, n, "the declared output rank differs from the input's");
    for (size_t k = 0; k < x.rank(); ++k)
      if (x[k] == 0 ? o[k] != 0 : o[k] % x[k] != 0) return fail(g, n, "the declared output shape is not a tiling of the input");
    out(g, n).dtype = in(g, n, 0).dtype;
    return Status::ok();
  }
  OUTPOST_ASSIGN_OR_RETURN(auto reps, const_ints(g, n, 1));
  if (reps.size() != x.rank()) return fail(g, n, "repeats has " + std::to_string(reps.size()) + " entries for rank " + std::to_string(x.rank()));
  std::vector<int64_t> dims = x.dims();
  for (size_t k = 0; k < dims.size(); ++k) {
    if (reps[k] < 0) return fail(g, n, "negative repeat");
    OUTPOST_RETURN_IF_ERROR(check_total(g, n, {dims[k], reps[k]}));
    dims[k] *= reps[k];
  }
  OUTPOST_RETURN_IF_ERROR(check_total(g, n, dims));
  set_out(g, n, Shape(dims), in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_pad(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  std::vector<int64_t> pads;
  if (use_declared(g, n, 1)) {
    if (out(g, n).shape.rank() != x.rank()) return fail(g, n, "the declared output rank differs from the input's");
    for (size_t k = 0; k < x.rank(); ++k)
      if (x[k] == 0 && out(g, n).shape[k] > 0 && n.attrs.get_string("mode", "constant") != "constant")
        return fail(g, n, "cannot pad an empty axis by reflection or edge");
    out(g, n).dtype = in(g, n, 0).dtype;
    return Status::ok();
  }
  if (opset(n) < 11) {
    pads = n.attrs.get_ints("pads");
  } else {
    if (!present(n, 1)) return fail(g, n, "pads is required");
    OUTPOST_ASSIGN_OR_RETURN(pads, const_ints(g, n, 1));
  }
  const std::string mode = n.attrs.get_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    return unsupported(g.source + ": " + n.describe() + ": Pad mode '" + mode + "' is not supported");
  if (pads.size() != 2 * x.rank()) return fail(g, n, "pads has " + std::to_string(pads.size()) + " entries for rank " + std::to_string(x.rank()));
  std::vector<int64_t> dims = x.dims();
  for (size_t k = 0; k < dims.size(); ++k) {
    if (std::abs(pads[k]) > (int64_t{1} << 32) || std::abs(pads[k + x.rank()]) > (int64_t{1} << 32)) return fail(g, n, "pads are too large");
    dims[k] += pads[k] + pads[k + x.rank()];
    if (dims[k] < 0) return fail(g, n, "pads crop axis " + std::to_string(k) + " below zero");
    if (mode == "reflect" && (pads[k] >= x[k] || pads[k + x.rank()] >= x[k]) && (pads[k] > 0 || pads[k + x.rank()] > 0))
      return fail(g, n, "reflect pads must be smaller than the axis extent " + std::to_string(x[k]));
    if (mode == "edge" && x[k] == 0 && dims[k] > 0) return fail(g, n, "edge padding of an empty axis");
  }
  OUTPOST_RETURN_IF_ERROR(check_total(g, n, dims));
  set_out(g, n, Shape(dims), in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_shape(const Node& n, Graph& g) {
  const int64_t rank = static_cast<int64_t>(in(g, n, 0).shape.rank());
  int64_t start = n.attrs.get_int("start", 0), end = n.attrs.get_int("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, 0, rank);
  set_out(g, n, Shape{std::max<int64_t>(end - start, 0)}, DType::kInt64);
  return Status::ok();
}

Status infer_onnx_size(const Node& n, Graph& g) {
  set_out(g, n, Shape{}, DType::kInt64);
  return Status::ok();
}

Status infer_onnx_constant_of_shape(const Node& n, Graph& g) {
  if (use_declared(g, n, 0) || (!in(g, n, 0).is_constant() && in(g, n, 0).shape == Shape{0})) {
    if (in(g, n, 0).shape.rank() != 1 || in(g, n, 0).shape[0] != static_cast<int64_t>(out(g, n).shape.rank()))
      return fail(g, n, "the declared output rank does not match the shape operand");
    out(g, n).dtype = static_cast<DType>(n.attrs.get_int("value_dtype", static_cast<int64_t>(DType::kFloat32)));
    return Status::ok();
  }
  OUTPOST_ASSIGN_OR_RETURN(auto dims, const_ints(g, n, 0));
  OUTPOST_RETURN_IF_ERROR(check_total(g, n, dims));
  const int64_t dtype = n.attrs.get_int("value_dtype", static_cast<int64_t>(DType::kFloat32));
  if (dtype < 0 || dtype > static_cast<int64_t>(DType::kUInt64)) return fail(g, n, "bad value dtype");
  set_out(g, n, Shape(dims), static_cast<DType>(dtype));
  return Status::ok();
}

Status infer_onnx_range(const Node& n, Graph& g) {
  const DType t = in(g, n, 0).dtype;
  if (use_declared(g, n, 0) || use_declared(g, n, 1) || use_declared(g, n, 2)) {
    if (out(g, n).shape.rank() != 1) return fail(g, n, "the declared output must be 1-D");
    out(g, n).dtype = t;
    return Status::ok();
  }
  for (size_t i = 0; i < 3; ++i) {
    const Value& v = in(g, n, i);
    if (!v.is_constant())
      return unsupported(g.source + ": " + n.describe() + ": Range needs constant start, limit and delta (its output "
                         "shape depends on their values; dynamic shapes are not supported yet)");
    if (v.dtype != t || v.shape.num_elements().value_or(0) != 1) return fail(g, n, "start, limit and delta must be scalars of one dtype");
  }
  auto scalar = [&](size_t i) -> double {
    const uint8_t* b = in(g, n, i).constant.bytes;
    switch (t) {
      case DType::kFloat32: { float f; std::memcpy(&f, b, 4); return f; }
      case DType::kFloat64: { double d; std::memcpy(&d, b, 8); return d; }
      case DType::kInt16: { int16_t v; std::memcpy(&v, b, 2); return v; }
      case DType::kInt32: { int32_t v; std::memcpy(&v, b, 4); return v; }
      case DType::kInt64: { int64_t v; std::memcpy(&v, b, 8); return static_cast<double>(v); }
      default: return 0;
    }
  };
  if (t != DType::kFloat32 && t != DType::kFloat64 && t != DType::kInt16 && t != DType::kInt32 && t != DType::kInt64)
    return unsupported(g.source + ": " + n.describe() + ": Range of " + dtype_name(t) + " is not supported");
  const double start = scalar(0), limit = scalar(1), delta = scalar(2);
  if (delta == 0 || !std::isfinite(start) || !std::isfinite(limit) || !std::isfinite(delta)) return fail(g, n, "bad range");
  const double count = std::max(std::ceil((limit - start) / delta), 0.0);
  if (count > double(int64_t{1} << 32)) return fail(g, n, "range is too long");
  set_out(g, n, Shape{static_cast<int64_t>(count)}, t);
  return Status::ok();
}

Status infer_onnx_cast(const Node& n, Graph& g) {
  DType to = n.op == OpKind::kCastLike ? in(g, n, 1).dtype : DType::kFloat32;
  if (n.op == OpKind::kCast) {
    const int64_t t = n.attrs.get_int("to_dtype", -1);  // the importer maps ONNX's `to`
    if (t < 0 || t > static_cast<int64_t>(DType::kUInt64)) return fail(g, n, "bad target dtype");
    to = static_cast<DType>(t);
  }
  set_out(g, n, in(g, n, 0).shape, to);
  return Status::ok();
}

Status infer_onnx_depth_to_space(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const int64_t b = n.attrs.get_int("blocksize", 0);
  if (x.rank() != 4) return fail(g, n, "input must be NCHW (rank 4)");
  if (b <= 0 || b > 4096 || x[1] % (b * b) != 0) return fail(g, n, "channels " + std::to_string(x[1]) + " are not divisible by blocksize^2");
  const std::string mode = n.attrs.get_string("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") return fail(g, n, "mode must be DCR or CRD");
  set_out(g, n, Shape{x[0], x[1] / (b * b), x[2] * b, x[3] * b}, in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_space_to_depth(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const int64_t b = n.attrs.get_int("blocksize", 0);
  if (x.rank() != 4) return fail(g, n, "input must be NCHW (rank 4)");
  if (b <= 0 || b > 4096 || x[2] % b != 0 || x[3] % b != 0) return fail(g, n, "height and width must be divisible by blocksize");
  set_out(g, n, Shape{x[0], x[1] * b * b, x[2] / b, x[3] / b}, in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_cumsum(const Node& n, Graph& g) {
  // The axis may come at run time (the kernel clamps it); a constant one is checked here.
  const Value& a = in(g, n, 1);
  if ((a.dtype != DType::kInt32 && a.dtype != DType::kInt64) || a.shape.num_elements().value_or(0) != 1)
    return fail(g, n, "axis must be an int32/int64 scalar");
  if (a.is_constant()) {
    OUTPOST_ASSIGN_OR_RETURN(auto axis, const_ints(g, n, 1));
    OUTPOST_RETURN_IF_ERROR(norm_axis(g, n, axis[0], static_cast<int64_t>(in(g, n, 0).shape.rank())).status());
  }
  return infer_onnx_unary(n, g);
}

Status infer_onnx_topk(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  int64_t k = n.attrs.get_int("k", -1);
  if (use_declared(g, n, 1)) {
    OUTPOST_ASSIGN_OR_RETURN(int64_t axis, norm_axis(g, n, n.attrs.get_int("axis", -1), static_cast<int64_t>(x.rank())));
    const Shape o = out(g, n).shape;
    if (o.rank() != x.rank()) return fail(g, n, "the declared output rank differs from the input's");
    for (size_t d = 0; d < x.rank(); ++d)
      if (o[d] != x[d] && (static_cast<int64_t>(d) != axis || o[d] > x[d])) return fail(g, n, "the declared output shape does not fit");
    set_out(g, n, o, in(g, n, 0).dtype, 0);
    set_out(g, n, o, DType::kInt64, 1);
    return Status::ok();
  }
  if (present(n, 1)) {
    OUTPOST_ASSIGN_OR_RETURN(auto ks, const_ints(g, n, 1));
    if (ks.size() != 1) return fail(g, n, "K must hold one value");
    k = ks[0];
  }
  OUTPOST_ASSIGN_OR_RETURN(int64_t axis, norm_axis(g, n, n.attrs.get_int("axis", -1), static_cast<int64_t>(x.rank())));
  if (k < 0 || k > x[static_cast<size_t>(axis)]) return fail(g, n, "K " + std::to_string(k) + " is out of range");
  std::vector<int64_t> dims = x.dims();
  dims[static_cast<size_t>(axis)] = k;
  set_out(g, n, Shape(dims), in(g, n, 0).dtype, 0);
  set_out(g, n, Shape(dims), DType::kInt64, 1);
  return Status::ok();
}

Status infer_onnx_one_hot(const Node& n, Graph& g) {
  const Shape& idx = in(g, n, 0).shape;
  const Value& depth = in(g, n, 1);
  if (use_declared(g, n, 1)) {
    if (out(g, n).shape.rank() != idx.rank() + 1) return fail(g, n, "the declared output rank must be the indices' plus one");
    out(g, n).dtype = in(g, n, 2).dtype;
    return Status::ok();
  }
  if (!depth.is_constant() || depth.shape.num_elements().value_or(0) != 1)
    return unsupported(g.source + ": " + n.describe() + ": OneHot needs a constant scalar depth");
  double d = 0;
  switch (depth.dtype) {
    case DType::kFloat32: { float f; std::memcpy(&f, depth.constant.bytes, 4); d = f; break; }
    case DType::kInt32: { int32_t v; std::memcpy(&v, depth.constant.bytes, 4); d = v; break; }
    case DType::kInt64: { int64_t v; std::memcpy(&v, depth.constant.bytes, 8); d = static_cast<double>(v); break; }
    default: return unsupported(g.source + ": " + n.describe() + ": OneHot depth of " + dtype_name(depth.dtype) + " is not supported");
  }
  if (!(d >= 1 && d < double(int64_t{1} << 31))) return fail(g, n, "depth must be positive");
  if (in(g, n, 2).shape.num_elements().value_or(0) != 2) return fail(g, n, "values must hold [off, on]");
  const int64_t rank = static_cast<int64_t>(idx.rank()) + 1;
  OUTPOST_ASSIGN_OR_RETURN(int64_t axis, norm_axis(g, n, n.attrs.get_int("axis", -1), rank));
  std::vector<int64_t> dims = idx.dims();
  dims.insert(dims.begin() + axis, static_cast<int64_t>(d));
  OUTPOST_RETURN_IF_ERROR(check_total(g, n, dims));
  set_out(g, n, Shape(dims), in(g, n, 2).dtype);
  return Status::ok();
}

Status infer_onnx_eye_like(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  if (x.rank() != 2) return fail(g, n, "input must be 2-D");
  const int64_t dtype = n.attrs.get_int("to_dtype", static_cast<int64_t>(in(g, n, 0).dtype));
  if (dtype < 0 || dtype > static_cast<int64_t>(DType::kUInt64)) return fail(g, n, "bad dtype");
  set_out(g, n, x, static_cast<DType>(dtype));
  return Status::ok();
}

Status infer_onnx_trilu(const Node& n, Graph& g) {
  if (in(g, n, 0).shape.rank() < 2) return fail(g, n, "input must have rank >= 2");  // k is read at run time
  return infer_onnx_unary(n, g);
}

Status infer_onnx_non_zero(const Node& n, Graph& g) {
  const Value& x = in(g, n, 0);
  if (!x.is_constant())
    return unsupported(g.source + ": " + n.describe() + ": NonZero of a non-constant input is not supported (its output "
                       "shape depends on the data; dynamic shapes are not supported yet)");
  const size_t elem = dtype_size(x.dtype);
  int64_t count = 0;
  const int64_t total = x.shape.num_elements().value_or(0);
  if (x.constant.size < static_cast<size_t>(total) * elem) return fail(g, n, "constant is too short");
  for (int64_t i = 0; i < total; ++i) {
    bool nz = false;
    for (size_t b = 0; b < elem; ++b) nz |= x.constant.bytes[static_cast<size_t>(i) * elem + b] != 0;
    if (x.dtype == DType::kFloat32) {
      float f;
      std::memcpy(&f, x.constant.bytes + i * 4, 4);
      nz = f != 0.0f;
    }
    count += nz;
  }
  set_out(g, n, Shape{static_cast<int64_t>(x.shape.rank()), count}, DType::kInt64);
  return Status::ok();
}

static Status check_loss_inputs(const Node& n, const Graph& g, const Shape& x, const Shape& target) {
  if (x.rank() < 2 || target.rank() != x.rank() - 1) return fail(g, n, "scores must be [N, C, ...] and target [N, ...]");
  if (target[0] != x[0]) return fail(g, n, "batch sizes differ");
  for (size_t k = 1; k < target.rank(); ++k)
    if (target[k] != x[k + 1]) return fail(g, n, "target shape " + target.to_string() + " does not match " + x.to_string());
  if (in(g, n, 1).dtype != DType::kInt64 && in(g, n, 1).dtype != DType::kInt32) return fail(g, n, "target must be int32 or int64");
  if (present(n, 2) && in(g, n, 2).shape != Shape{x[1]}) return fail(g, n, "weight must have C elements");
  const std::string r = n.attrs.get_string("reduction", "mean");
  if (r != "none" && r != "sum" && r != "mean") return fail(g, n, "reduction must be none, sum or mean");
  return Status::ok();
}

Status infer_onnx_nll_loss(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const Shape target = in(g, n, 1).shape;
  OUTPOST_RETURN_IF_ERROR(check_loss_inputs(n, g, x, target));
  const bool none = n.attrs.get_string("reduction", "mean") == "none";
  set_out(g, n, none ? target : Shape{}, in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_sce_loss(const Node& n, Graph& g) {
  const Shape x = in(g, n, 0).shape;
  const Shape target = in(g, n, 1).shape;
  OUTPOST_RETURN_IF_ERROR(check_loss_inputs(n, g, x, target));
  if (n.outputs.size() > 2) return fail(g, n, "at most 2 outputs");
  const bool none = n.attrs.get_string("reduction", "mean") == "none";
  set_out(g, n, none ? target : Shape{}, in(g, n, 0).dtype);
  if (n.outputs.size() == 2) set_out(g, n, x, in(g, n, 0).dtype, 1);
  return Status::ok();
}

}  // namespace outpost
