// Reshape for any dtype: the bytes do not move, so the kernel is a copy (nothing at all when
// the planner gives input and output the same memory).
#include <cstring>

#include "backends/ref/float_kernel_factories.h"

namespace outpost {
namespace {

void reshape(std::span<const TensorView> inputs, std::span<const TensorView> outputs) {
  const size_t bytes =
      static_cast<size_t>(outputs[0].num_elements()) * dtype_size(outputs[0].dtype);
  // An empty tensor may have no memory at all (a null pointer), which memmove may not be given
  // even for zero bytes (fuzz_tflite crash-81c8ac6d).
  if (bytes == 0 || inputs[0].data == outputs[0].data) return;
  std::memmove(outputs[0].data, inputs[0].data, bytes);
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_reshape(const Node& node, const Graph& graph) {
  const Value& in = input_of(graph, node, 0);
  const Value& out = output_of(graph, node);
  if (in.dtype != out.dtype)
    return not_handled(graph, node,
                       std::string("input is ") + dtype_name(in.dtype) + " but the output is " +
                           dtype_name(out.dtype));
  // A quantized reshape that changes parameters would need requantizing, not a copy.
  if (is_quantized_integer(in.dtype) && !same_quant(in.quant, out.quant))
    return not_handled(graph, node, "input and output quantization differ");
  return std::unique_ptr<Kernel>(std::make_unique<FnKernel>(reshape));
}

}  // namespace outpost
