#include "support/op_runner.h"

#include <cstring>

#include "backends/ref/registry.h"
#include "ir/graph.h"
#include "ir/op_schema.h"

namespace outpost::testing {

Result<std::vector<Tensor>> run_op(OpKind op, const Attributes& attrs, const std::vector<OpInput>& inputs,
                                   const std::vector<OpOutput>& outputs) {
  Graph g;
  g.source = "test";
  Node node;
  node.op = op;
  node.attrs = attrs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].absent) {
      node.inputs.push_back(kNoValue);
      continue;
    }
    const Tensor& t = inputs[i].tensor;
    Value v;
    v.name = "input" + std::to_string(i);
    v.dtype = t.dtype();
    v.shape = t.shape();
    v.quant = t.quant;
    v.sparsity = inputs[i].sparsity;
    if (inputs[i].constant) {
      const auto* b = static_cast<const uint8_t*>(t.data());
      set_owned_constant(v, std::vector<uint8_t>(b, b + t.byte_size()));
    }
    int id = g.add_value(std::move(v));
    if (!inputs[i].constant) g.inputs.push_back(id);
    node.inputs.push_back(id);
  }
  for (size_t k = 0; k < outputs.size(); ++k) {
    Value v;
    v.name = "output" + std::to_string(k);
    v.dtype = outputs[k].dtype;
    v.quant = outputs[k].quant;
    int id = g.add_value(std::move(v));
    node.outputs.push_back(id);
    g.outputs.push_back(id);
  }
  g.nodes.push_back(node);
  OUTPOST_RETURN_IF_ERROR(g.validate());
  OUTPOST_RETURN_IF_ERROR(infer_shapes(g));
  OUTPOST_ASSIGN_OR_RETURN(auto kernel, reference_kernels().make(g.nodes[0], g));

  std::vector<TensorView> in_views;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].absent) {
      in_views.push_back(TensorView{});
      continue;
    }
    const Value& v = g.value(node.inputs[i]);
    void* data = v.is_constant() ? const_cast<uint8_t*>(v.constant.bytes) : const_cast<void*>(inputs[i].tensor.data());
    in_views.push_back({v.dtype, &v.shape, data, &v.quant});
  }
  std::vector<Tensor> results;
  std::vector<TensorView> out_views;
  for (size_t k = 0; k < outputs.size(); ++k) {
    const Value& v = g.value(node.outputs[k]);
    OUTPOST_ASSIGN_OR_RETURN(Tensor t, Tensor::allocate(v.dtype, v.shape));
    t.quant = v.quant;
    results.push_back(std::move(t));
  }
  for (size_t k = 0; k < outputs.size(); ++k) {
    const Value& v = g.value(node.outputs[k]);
    out_views.push_back({v.dtype, &v.shape, results[k].data(), &v.quant});
  }
  OUTPOST_RETURN_IF_ERROR(kernel->run(in_views, out_views));
  return results;
}

Tensor make_tensor(Shape shape, const std::vector<float>& values) { return make_typed<float>(std::move(shape), values); }

template <typename T>
Tensor make_typed(Shape shape, const std::vector<T>& values, QuantParams quant) {
  Tensor t = Tensor::allocate(dtype_of<T>(), std::move(shape)).value();
  if (static_cast<size_t>(t.num_elements()) != values.size()) std::abort();  // a bug in the test itself
  if (!values.empty()) std::memcpy(t.data(), values.data(), values.size() * sizeof(T));  // UB on null
  t.quant = std::move(quant);
  return t;
}

template Tensor make_typed<float>(Shape, const std::vector<float>&, QuantParams);
template Tensor make_typed<uint8_t>(Shape, const std::vector<uint8_t>&, QuantParams);
template Tensor make_typed<int8_t>(Shape, const std::vector<int8_t>&, QuantParams);
template Tensor make_typed<int32_t>(Shape, const std::vector<int32_t>&, QuantParams);
template Tensor make_typed<int64_t>(Shape, const std::vector<int64_t>&, QuantParams);
template Tensor make_typed<int16_t>(Shape, const std::vector<int16_t>&, QuantParams);

}  // namespace outpost::testing
