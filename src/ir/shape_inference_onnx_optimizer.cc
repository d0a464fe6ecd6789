// Shape (and dtype) inference of the training optimizers Adagrad, Momentum and Adam: each new
// variable and state has the shape and dtype of the one it replaces; R and T are scalars.
#include "ir/onnx_optimizer.h"
#include "ir/shape_inference_onnx_util.h"

namespace outpost {

using namespace onnx_infer;  // NOLINT: this file's helpers

namespace {

bool is_float(DType d) { return d == DType::kFloat32 || d == DType::kFloat64; }

Status check_attributes(const Node& n, const Graph& g) {
  if (n.op != OpKind::kMomentum) return Status::ok();
  // Momentum has no defaults: every attribute is required.
  for (const char* name : {"alpha", "beta", "norm_coefficient", "mode"})
    if (!n.attrs.has(name)) return fail(g, n, std::string("attribute '") + name + "' is required");
  const std::string mode = n.attrs.get_string("mode", "");
  if (mode != "standard" && mode != "nesterov")
    return fail(g, n, "mode '" + mode + "' is not one of standard, nesterov");
  return Status::ok();
}

}  // namespace

Status infer_onnx_optimizer(const Node& n, Graph& g) {
  const size_t vars = optimizer_variables(n);
  const size_t states = optimizer_states(n.op);
  if (vars == 0)
    return fail(g, n, "has " + std::to_string(n.inputs.size()) + " inputs and " +
                          std::to_string(n.outputs.size()) + " outputs; expected 2 + " +
                          std::to_string(2 + states) + " n inputs (R, T, then n of X, G and " +
                          "each state) and " + std::to_string(1 + states) + " n outputs");
  OUTPOST_RETURN_IF_ERROR(check_attributes(n, g));
  const Value& r = in(g, n, 0);
  const Value& t = in(g, n, 1);
  if (!is_float(r.dtype) || r.shape.num_elements().value_or(0) != 1)
    return fail(g, n, "R (the learning rate) must be a float scalar, is " +
                          std::string(dtype_name(r.dtype)) + " " + r.shape.to_string());
  if (t.dtype != DType::kInt64 || t.shape.num_elements().value_or(0) != 1)
    return fail(g, n, "T (the update count) must be an int64 scalar, is " +
                          std::string(dtype_name(t.dtype)) + " " + t.shape.to_string());
  for (size_t v = 0; v < vars; ++v) {
    const Value& x = in(g, n, 2 + v);
    if (!is_float(x.dtype))
      return fail(g, n, "X" + std::to_string(v + 1) + " must be float32 or float64, is " +
                            dtype_name(x.dtype));
    for (size_t group = 1; group < 2 + states; ++group) {
      const Value& other = in(g, n, 2 + group * vars + v);
      if (other.shape != x.shape || other.dtype != x.dtype)
        return fail(g, n, "input " + std::to_string(2 + group * vars + v) + " is " +
                              dtype_name(other.dtype) + " " + other.shape.to_string() +
                              ", but its variable X" + std::to_string(v + 1) + " is " +
                              dtype_name(x.dtype) + " " + x.shape.to_string());
    }
    for (size_t group = 0; group < 1 + states; ++group)
      set_out(g, n, x.shape, x.dtype, group * vars + v);
  }
  return Status::ok();
}

}  // namespace outpost
