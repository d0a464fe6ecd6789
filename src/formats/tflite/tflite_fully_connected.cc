#include "formats/tflite/tflite_fully_connected.h"

#include <utility>

namespace outpost::tflite {
namespace {

// A value of `like`'s dtype and quantization, with another name and shape.
int add_intermediate(Graph& g, const Value& like, const std::string& name, Shape shape) {
  Value v;
  v.name = name;
  v.dtype = like.dtype;
  v.quant = like.quant;
  v.shape = std::move(shape);
  return g.add_value(std::move(v));
}

Node reshape(const Node& of, const std::string& name, int from, int to, std::vector<int64_t> dims) {
  Node r;
  r.op = OpKind::kReshape;
  r.name = name;
  r.source_index = of.source_index;
  r.origin = of.origin;
  r.inputs = {from};
  r.outputs = {to};
  r.attrs.set("new_shape", std::move(dims));
  r.attrs.set("allowzero", int64_t{1});  // TFLite's 0 is a zero-sized dimension
  return r;
}

}  // namespace

Result<std::vector<Node>> lower_fully_connected(Graph& g, Node gemm, const std::string& where) {
  const bool keep_num_dims = gemm.attrs.get_int("keep_num_dims", 0) != 0;
  gemm.attrs.erase("keep_num_dims");
  if (gemm.inputs.size() < 2 || gemm.inputs.size() > 3 || gemm.inputs[0] == kNoValue ||
      gemm.inputs[1] == kNoValue || gemm.outputs.size() != 1)
    return invalid_model(where +
                         ": FULLY_CONNECTED takes an input, weights and an optional bias, and "
                         "gives one output");
  // Copies: add_value below may move the values.
  const Value x = g.value(gemm.inputs[0]);
  const Value& w = g.value(gemm.inputs[1]);
  if (w.shape.rank() != 2 || w.shape[0] <= 0 || w.shape[1] <= 0)
    return invalid_model(where + ": the weights must be [units, depth], are " + w.shape.to_string());
  if (x.dtype == DType::kFloat32 && is_quantized_integer(w.dtype))
    return unsupported(where + ": hybrid FULLY_CONNECTED (float input, " + dtype_name(w.dtype) +
                       " weights) is not supported; convert with float or fully quantized "
                       "weights");
  const int64_t depth = w.shape[1], units = w.shape[0];
  const auto total = x.shape.num_elements();
  if (!total || *total % depth != 0)
    return invalid_model(where + ": the input " + x.shape.to_string() +
                         " does not divide into rows of " + std::to_string(depth));
  const int64_t rows = *total / depth;
  const bool keeps_leading = keep_num_dims && x.shape.rank() != 2;
  if (keeps_leading && (x.shape.rank() == 0 || x.shape[x.shape.rank() - 1] != depth))
    return invalid_model(where + ": with keep_num_dims the input's last dimension must be " +
                         std::to_string(depth) + ", the input is " + x.shape.to_string());

  std::vector<Node> nodes;
  if (x.shape != Shape{rows, depth}) {
    const int flat = add_intermediate(g, x, gemm.name + "/rows", Shape{rows, depth});
    nodes.push_back(reshape(gemm, gemm.name + "/flatten", gemm.inputs[0], flat, {-1, depth}));
    gemm.inputs[0] = flat;
  }
  if (!keeps_leading) {
    nodes.push_back(std::move(gemm));
    return nodes;
  }
  const int y = gemm.outputs[0];
  std::vector<int64_t> kept = x.shape.dims();
  kept.back() = units;
  const int product = add_intermediate(g, g.value(y), gemm.name + "/product", Shape{rows, units});
  gemm.outputs[0] = product;
  Node unflatten = reshape(gemm, gemm.name + "/keep_num_dims", product, y, std::move(kept));
  nodes.push_back(std::move(gemm));
  nodes.push_back(std::move(unflatten));
  return nodes;
}

}  // namespace outpost::tflite
