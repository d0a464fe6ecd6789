// Shape (and dtype) inference of the ONNX elementwise, reduction, softmax, reshape-like,
// generator, cast, loss and Det ops of op_list_tensor.inc. Operands that decide a shape must be
// constants by now (the folding pass computes shape subgraphs at load) or the model must declare
// the output shape (shape_inference_onnx_util.h: use_declared).
#include "ir/shape_inference_onnx_util.h"

namespace outpost {

using namespace onnx_infer;  // NOLINT: this family's helpers

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
      return fail(g, n,
                  std::string("inputs have different dtypes: ") + dtype_name(in(g, n, 0).dtype) +
                      " and " + dtype_name(in(g, n, i).dtype));
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
  OUTPOST_ASSIGN_OR_RETURN(
      Shape s, broadcast_shapes(g, n, {in(g, n, 0).shape, in(g, n, 1).shape, in(g, n, 2).shape}));
  set_out(g, n, s, in(g, n, 1).dtype);
  return Status::ok();
}

namespace {

// Axes given at run time: the model's declared output shape stands in for the one their values
// give, and must be one they can give; the kernel checks the values against it when it runs.
// With keepdims 1 each dimension is the input's or 1; with keepdims 0 the input's with as many
// removed as there are axes (all of them when there are none, none with noop_with_empty_axes).
Status check_declared_reduction(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const Shape& o = out(g, n).shape;
  const Value& axes = in(g, n, 1);
  if ((axes.dtype != DType::kInt32 && axes.dtype != DType::kInt64) || axes.shape.rank() != 1)
    return fail(g, n, "axes must be a 1-D int64 tensor");
  const int64_t count = axes.shape[0];
  bool fits = true;
  if (n.attrs.get_int("keepdims", 1) != 0) {
    fits = o.rank() == x.rank();
    for (size_t k = 0; fits && k < x.rank(); ++k) fits = o[k] == x[k] || o[k] == 1;
  } else if (count == 0) {
    fits = n.attrs.get_int("noop_with_empty_axes", 0) != 0 ? o == x : o.rank() == 0;
  } else {
    // The declared dimensions are the input's in order, `count` of them left out.
    size_t j = 0;
    for (size_t k = 0; k < x.rank() && j < o.rank(); ++k)
      if (x[k] == o[j]) ++j;
    fits = count <= static_cast<int64_t>(x.rank()) &&
           o.rank() == x.rank() - static_cast<size_t>(count) && j == o.rank();
  }
  if (!fits)
    return fail(g, n,
                "the declared output shape " + o.to_string() + " is not a reduction of " +
                    x.to_string() + " over " + std::to_string(count) + " axes");
  out(g, n).dtype = in(g, n, 0).dtype;
  return Status::ok();
}

}  // namespace

Status infer_onnx_reduce(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  if (use_declared(g, n, 1)) return check_declared_reduction(n, g);
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
    if (!reduced)
      dims.push_back(x[k]);
    else if (keep)
      dims.push_back(1);
  }
  set_out(g, n, Shape(dims), in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_arg(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  OUTPOST_ASSIGN_OR_RETURN(
      int64_t axis, norm_axis(g, n, n.attrs.get_int("axis", 0), static_cast<int64_t>(x.rank())));
  if (x[static_cast<size_t>(axis)] == 0)
    return fail(g, n, "cannot take the arg-extremum of an empty axis");
  std::vector<int64_t> dims = x.dims();
  if (n.attrs.get_int("keepdims", 1))
    dims[static_cast<size_t>(axis)] = 1;
  else
    dims.erase(dims.begin() + axis);
  set_out(g, n, Shape(dims), DType::kInt64);
  return Status::ok();
}

Status infer_softmax(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const int64_t rank = static_cast<int64_t>(x.rank());
  const int64_t axis = n.attrs.get_int("axis", -1);
  if (rank == 0) return fail(g, n, "input must have rank >= 1");
  OUTPOST_RETURN_IF_ERROR(norm_axis(g, n, axis, rank).status());
  out(g, n).shape = x;
  // A quantized softmax may change dtype (TFLite's int8 -> int16, which the model declares and
  // the quantized kernel checks); a float one keeps it.
  const DType t = in(g, n, 0).dtype;
  if (t == DType::kInt8 || t == DType::kUInt8 || t == DType::kInt16) return Status::ok();
  return require_input_dtype(n, g);
}

namespace {

// The target shape: the constant operand, or the attribute `new_shape` of a node without one.
Result<std::vector<int64_t>> reshape_target(const Node& n, Graph& g) {
  if (present(n, 1)) return const_shape(g, n, 1);
  if (!n.attrs.has("new_shape")) return fail(g, n, "has neither a shape operand nor new_shape");
  std::vector<int64_t> dims = n.attrs.get_ints("new_shape");
  if (dims.size() > kMaxShapeOperandRank)
    return fail(g, n, "new_shape has rank " + std::to_string(dims.size()) + "; at most " +
                          std::to_string(kMaxShapeOperandRank) + " is supported");
  return dims;
}

}  // namespace

Status infer_reshape(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  if (use_declared(g, n, 1)) return check_same_count(g, n);
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> dims, reshape_target(n, g));
  const bool allow_zero = n.attrs.get_int("allowzero", 0) != 0;
  int unknown = -1;
  int64_t known = 1;
  for (size_t k = 0; k < dims.size(); ++k) {
    if (dims[k] == 0 && !allow_zero) {
      if (k >= x.rank())
        return fail(g, n,
                    "shape entry " + std::to_string(k) + " is 0 (copy) beyond the input's rank");
      dims[k] = x[k];
    }
    if (dims[k] == -1) {
      if (unknown >= 0) return fail(g, n, "the new shape has more than one -1");
      unknown = static_cast<int>(k);
      continue;
    }
    if (dims[k] < 0)
      return fail(g, n, "the new shape has a negative dimension " + std::to_string(dims[k]));
    OUTPOST_RETURN_IF_ERROR(check_total(g, n, {known, dims[k]}));
    known *= dims[k];
  }
  const int64_t total = x.num_elements().value_or(-1);
  if (unknown >= 0) {
    if (known == 0 || total % known != 0)
      return fail(
          g, n,
          "cannot infer the -1 in reshaping " + x.to_string() + " to " + Shape(dims).to_string());
    dims[static_cast<size_t>(unknown)] = total / known;
  } else if (known != total) {
    return fail(g, n, "cannot reshape " + x.to_string() + " to " + Shape(dims).to_string());
  }
  out(g, n).shape = Shape(dims);
  return require_input_dtype(n, g);
}

Status infer_onnx_flatten(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const int64_t rank = static_cast<int64_t>(x.rank());
  int64_t axis = n.attrs.get_int("axis", 1);
  if (axis < -rank || axis > rank)
    return fail(g, n, "axis " + std::to_string(axis) + " is out of range");
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
    if (listed && x[k] != 1)
      return fail(g, n,
                  "cannot squeeze axis " + std::to_string(k) + " of size " + std::to_string(x[k]));
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
    if (inserted[static_cast<size_t>(k)])
      return fail(g, n, "axis " + std::to_string(k) + " is repeated");
    inserted[static_cast<size_t>(k)] = true;
  }
  std::vector<int64_t> dims;
  size_t next = 0;
  for (int64_t k = 0; k < rank; ++k)
    dims.push_back(inserted[static_cast<size_t>(k)] ? 1 : x[next++]);
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
  if (perm.size() != x.rank())
    return fail(g, n,
                "perm has " + std::to_string(perm.size()) + " entries for rank " +
                    std::to_string(x.rank()));
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
    if (in(g, n, 0).shape.rank() != 1 ||
        in(g, n, 0).shape[0] != static_cast<int64_t>(out(g, n).shape.rank()))
      return fail(g, n, "the declared output rank does not match the shape operand");
    out(g, n).dtype =
        static_cast<DType>(n.attrs.get_int("value_dtype", static_cast<int64_t>(DType::kFloat32)));
    return Status::ok();
  }
  OUTPOST_ASSIGN_OR_RETURN(auto dims, const_shape(g, n, 0));
  OUTPOST_RETURN_IF_ERROR(check_total(g, n, dims));
  const int64_t dtype = n.attrs.get_int("value_dtype", static_cast<int64_t>(DType::kFloat32));
  if (dtype < 0 || dtype > static_cast<int64_t>(DType::kUInt64))
    return fail(g, n, "bad value dtype");
  set_out(g, n, Shape(dims), static_cast<DType>(dtype));
  return Status::ok();
}

Status infer_onnx_range(const Node& n, Graph& g) {
  const DType t = in(g, n, 0).dtype;
  for (size_t i = 0; i < 3; ++i) {
    const Value& v = in(g, n, i);
    if (v.dtype != t || v.shape.num_elements().value_or(0) != 1)
      return fail(g, n, "start, limit and delta must be scalars of one dtype");
  }
  if (use_declared(g, n, 0) || use_declared(g, n, 1) || use_declared(g, n, 2)) {
    if (out(g, n).shape.rank() != 1) return fail(g, n, "the declared output must be 1-D");
    out(g, n).dtype = t;
    return Status::ok();
  }
  for (size_t i = 0; i < 3; ++i)
    if (!in(g, n, i).is_constant()) return wait_for_value(g, n, i, "the output length");
  auto scalar = [&](size_t i) -> double {
    const uint8_t* b = in(g, n, i).constant.bytes;
    switch (t) {
      case DType::kFloat32: {
        float f;
        std::memcpy(&f, b, 4);
        return f;
      }
      case DType::kFloat64: {
        double d;
        std::memcpy(&d, b, 8);
        return d;
      }
      case DType::kInt16: {
        int16_t v;
        std::memcpy(&v, b, 2);
        return v;
      }
      case DType::kInt32: {
        int32_t v;
        std::memcpy(&v, b, 4);
        return v;
      }
      case DType::kInt64: {
        int64_t v;
        std::memcpy(&v, b, 8);
        return static_cast<double>(v);
      }
      default:
        return 0;
    }
  };
  if (t != DType::kFloat32 && t != DType::kFloat64 && t != DType::kInt16 && t != DType::kInt32 &&
      t != DType::kInt64)
    return unsupported(g.source + ": " + n.describe() + ": Range of " + dtype_name(t) +
                       " is not supported");
  const double start = scalar(0), limit = scalar(1), delta = scalar(2);
  if (delta == 0 || !std::isfinite(start) || !std::isfinite(limit) || !std::isfinite(delta))
    return fail(g, n, "bad range");
  const double count = std::max(std::ceil((limit - start) / delta), 0.0);
  if (count > double(int64_t{1} << 32)) return fail(g, n, "range is too long");
  set_out(g, n, Shape{static_cast<int64_t>(count)}, t);
  return Status::ok();
}

Status infer_onnx_cast(const Node& n, Graph& g) {
  DType to = n.op == OpKind::kCastLike ? in(g, n, 1).dtype : DType::kFloat32;
  if (n.op == OpKind::kCast) {
    const int64_t t = n.attrs.get_int("to_dtype", -1);  // the importer maps ONNX's `to`
    if (t < 0 || t > static_cast<int64_t>(DType::kBFloat16)) return fail(g, n, "bad target dtype");
    to = static_cast<DType>(t);
  }
  set_out(g, n, in(g, n, 0).shape, to);
  return Status::ok();
}

Status infer_bitcast(const Node& n, Graph& g) {
  const int64_t t = n.attrs.get_int("to_dtype", -1);
  if (t < 0 || t > static_cast<int64_t>(DType::kUInt64)) return fail(g, n, "bad target dtype");
  const auto to = static_cast<DType>(t);
  const Value& x = in(g, n, 0);
  const size_t from_size = dtype_size(x.dtype), to_size = dtype_size(to);
  if (from_size == 0 || to_size == 0 || x.dtype == DType::kBool || to == DType::kBool)
    return fail(g, n,
                std::string("cannot reinterpret ") + dtype_name(x.dtype) + " as " + dtype_name(to));
  std::vector<int64_t> dims = x.shape.dims();
  if (to_size < from_size) {
    dims.push_back(static_cast<int64_t>(from_size / to_size));
  } else if (to_size > from_size) {
    const auto ratio = static_cast<int64_t>(to_size / from_size);
    if (dims.empty() || dims.back() != ratio)
      return fail(g, n, "the last dimension of " + x.shape.to_string() + " must be " +
                            std::to_string(ratio) + " to make " + dtype_name(to));
    dims.pop_back();
  }
  set_out(g, n, Shape(dims), to);
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

static Status check_loss_inputs(const Node& n, const Graph& g, const Shape& x,
                                const Shape& target) {
  if (x.rank() < 2 || target.rank() != x.rank() - 1)
    return fail(g, n, "scores must be [N, C, ...] and target [N, ...]");
  if (target[0] != x[0]) return fail(g, n, "batch sizes differ");
  for (size_t k = 1; k < target.rank(); ++k)
    if (target[k] != x[k + 1])
      return fail(g, n, "target shape " + target.to_string() + " does not match " + x.to_string());
  if (in(g, n, 1).dtype != DType::kInt64 && in(g, n, 1).dtype != DType::kInt32)
    return fail(g, n, "target must be int32 or int64");
  if (present(n, 2) && in(g, n, 2).shape != Shape{x[1]})
    return fail(g, n, "weight must have C elements");
  const std::string r = n.attrs.get_string("reduction", "mean");
  if (r != "none" && r != "sum" && r != "mean")
    return fail(g, n, "reduction must be none, sum or mean");
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

Status infer_onnx_det(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const size_t r = x.rank();
  if (r < 2 || x[r - 1] != x[r - 2])
    return fail(g, n, "input must be square matrices [..., M, M], is " + x.to_string());
  std::vector<int64_t> dims(x.dims().begin(), x.dims().end() - 2);
  set_out(g, n, Shape(dims), in(g, n, 0).dtype);
  return Status::ok();
}

}  // namespace outpost
