#include "ir/shape_inference.h"

#include <array>
#include <cstring>

namespace outpost {
namespace {

Status fail(const Graph& g, const Node& n, const std::string& why) {
  return shape_mismatch(g.source + ": " + n.describe() + ": " + why);
}

const Value& in(const Graph& g, const Node& n, size_t i) { return g.value(n.inputs[i]); }
Value& out(Graph& g, const Node& n, size_t i = 0) { return g.value(n.outputs[i]); }

}  // namespace

Status require_output_dtype(const Node& n, const Graph& g, DType dtype) {
  const Value& y = g.value(n.outputs[0]);
  if (y.dtype == dtype) return Status::ok();
  return invalid_model(g.source + ": " + n.describe() + ": the model declares output '" + y.name +
                       "' as " + dtype_name(y.dtype) + ", but " + op_name(n.op) + " of " +
                       dtype_name(in(g, n, 0).dtype) + " gives " + dtype_name(dtype));
}

Status wait_for_value(Graph& g, const Node& n, size_t i, const std::string& what) {
  const Value& v = in(g, n, i);
  g.shape_waits_for = n.inputs[i];
  return unsupported(g.source + ": " + n.describe() + ": the data of input " + std::to_string(i) +
                     " ('" + v.name + "') decides " + what +
                     ", and it is known only when the model runs");
}

Status require_input_dtype(const Node& n, const Graph& g) {
  return require_output_dtype(n, g, in(g, n, 0).dtype);
}

Status infer_same_as_input(const Node& n, Graph& g) {
  out(g, n).shape = in(g, n, 0).shape;
  return Status::ok();
}

Status infer_broadcast(const Node& n, Graph& g) {
  const Shape& a = in(g, n, 0).shape;
  const Shape& b = in(g, n, 1).shape;
  const size_t rank = std::max(a.rank(), b.rank());
  std::vector<int64_t> dims(rank);
  for (size_t k = 0; k < rank; ++k) {
    int64_t da = k < rank - a.rank() ? 1 : a[k - (rank - a.rank())];
    int64_t db = k < rank - b.rank() ? 1 : b[k - (rank - b.rank())];
    if (da != db && da != 1 && db != 1)
      return fail(g, n, "shapes " + a.to_string() + " and " + b.to_string() + " do not broadcast");
    dims[k] = da == 1 ? db : da;
  }
  out(g, n).shape = Shape(dims);
  return Status::ok();
}

Status infer_concat(const Node& n, Graph& g) {
  const Shape& first = in(g, n, 0).shape;
  int64_t axis = n.attrs.get_int("axis", 0);
  const int64_t rank = static_cast<int64_t>(first.rank());
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return fail(g, n, "axis " + std::to_string(n.attrs.get_int("axis", 0)) + " is out of range");
  std::vector<int64_t> dims = first.dims();
  dims[static_cast<size_t>(axis)] = 0;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    // An ONNX Concat may name "" as an input; the schema checks only the first one.
    if (n.inputs[i] == kNoValue) return fail(g, n, "input " + std::to_string(i) + " is missing");
    const Shape& s = in(g, n, i).shape;
    if (static_cast<int64_t>(s.rank()) != rank) return fail(g, n, "inputs have different ranks");
    for (int64_t k = 0; k < rank; ++k)
      if (k != axis && s[static_cast<size_t>(k)] != first[static_cast<size_t>(k)])
        return fail(g, n, "input " + std::to_string(i) + " shape " + s.to_string() + " does not match " + first.to_string());
    dims[static_cast<size_t>(axis)] += s[static_cast<size_t>(axis)];
  }
  out(g, n).shape = Shape(dims);
  return Status::ok();
}

}  // namespace outpost
