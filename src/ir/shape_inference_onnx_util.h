// Helpers shared by the shape inference of the ONNX tensor ops (shape_inference_onnx_*.cc).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "ir/constant_ints.h"
#include "ir/shape_inference.h"

namespace outpost::onnx_infer {

inline Status fail(const Graph& g, const Node& n, const std::string& why) {
  return shape_mismatch(g.source + ": " + n.describe() + ": " + why);
}

inline const Value& in(const Graph& g, const Node& n, size_t i) { return g.value(n.inputs[i]); }
inline Value& out(Graph& g, const Node& n, size_t i = 0) { return g.value(n.outputs[i]); }
inline bool present(const Node& n, size_t i) {
  return i < n.inputs.size() && n.inputs[i] != kNoValue;
}

inline void set_out(Graph& g, const Node& n, Shape shape, DType dtype, size_t i = 0) {
  out(g, n, i).shape = std::move(shape);
  out(g, n, i).dtype = dtype;
}

// A constant integer operand (int32 or int64) as int64 values.
// One that is not a constant (computed from the model's input) waits for its value.
inline Result<std::vector<int64_t>> const_ints(Graph& g, const Node& n, size_t i) {
  const Value& v = in(g, n, i);
  if (!v.is_constant()) return wait_for_value(g, n, i, "the output shape");
  if (v.dtype != DType::kInt32 && v.dtype != DType::kInt64)
    return fail(
        g, n, "input " + std::to_string(i) + " must be int32 or int64, is " + dtype_name(v.dtype));
  return constant_ints(v);
}

// A constant operand that is a shape (Reshape's, Expand's, ConstantOfShape's). Its length is
// the output's rank: real models stay under 10, and a hostile model asking for millions of
// dimensions must stop here, not in every later loop over them (fuzz_onnx timeout cbeda08d).
inline constexpr size_t kMaxShapeOperandRank = 64;
inline Result<std::vector<int64_t>> const_shape(Graph& g, const Node& n, size_t i) {
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> dims, const_ints(g, n, i));
  if (dims.size() > kMaxShapeOperandRank)
    return fail(g, n, "input " + std::to_string(i) + " asks for a shape of rank " +
                          std::to_string(dims.size()) + "; at most " +
                          std::to_string(kMaxShapeOperandRank) + " is supported");
  return dims;
}

// `axis` in [-rank, rank) made non-negative.
inline Result<int64_t> norm_axis(const Graph& g, const Node& n, int64_t axis, int64_t rank,
                                 const char* what = "axis") {
  if (axis < -rank || axis >= rank)
    return fail(g, n,
                std::string(what) + " " + std::to_string(axis) + " is out of range for rank " +
                    std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

// Axes from attribute `axes` or from input `input` (the form depends on the opset), normalized
// and checked for duplicates. `given` says whether any form was present.
inline Result<std::vector<int64_t>> axes_of(Graph& g, const Node& n, size_t input,
                                            int64_t rank, bool* given) {
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

inline Result<Shape> broadcast_shapes(const Graph& g, const Node& n,
                                      const std::vector<Shape>& shapes) {
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
inline bool use_declared(const Graph& g, const Node& n, size_t i) {
  const Shape& o = g.value(n.outputs[0]).shape;
  return present(n, i) && !in(g, n, i).is_constant() && o.rank() > 0 && o.is_static() &&
         !g.declared_shapes_stale;
}

inline Status check_same_count(Graph& g, const Node& n) {
  if (in(g, n, 0).shape.num_elements() != out(g, n).shape.num_elements())
    return fail(g, n,
                "the declared output shape " + out(g, n).shape.to_string() +
                    " does not hold the input's " + in(g, n, 0).shape.to_string() + " elements");
  out(g, n).dtype = in(g, n, 0).dtype;
  return Status::ok();
}

inline Status check_total(const Graph& g, const Node& n, const std::vector<int64_t>& dims) {
  int64_t total = 1;
  for (int64_t d : dims) {
    if (d < 0) return fail(g, n, "negative output dimension " + std::to_string(d));
    if (d > 0 && total > (int64_t{1} << 40) / d) return fail(g, n, "output shape is too large");
    total *= d;
  }
  return Status::ok();
}

}  // namespace outpost::onnx_infer
