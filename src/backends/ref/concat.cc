// Concat along any axis, for every dtype, as byte copies: concatenation only moves elements,
// so one kernel serves all types as long as quantized inputs share the output's parameters
// (otherwise the quantized kernel must requantize, and this factory declines).
#include <cstring>

#include "backends/ref/activation.h"
#include "backends/ref/float_kernel_factories.h"

namespace outpost {
namespace {

class ConcatKernel final : public Kernel {
 public:
  // chunk_bytes[i]: bytes input i contributes per outer index (its axis extent times the
  // inner size, in bytes).
  ConcatKernel(int64_t outer, std::vector<size_t> chunk_bytes, FusedActivation act)
      : outer_(outer), chunk_bytes_(std::move(chunk_bytes)), act_(act) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    auto* out = static_cast<uint8_t*>(outputs[0].data);
    for (int64_t o = 0; o < outer_; ++o) {
      for (size_t i = 0; i < inputs.size(); ++i) {
        const size_t n = chunk_bytes_[i];
        std::memcpy(out, static_cast<const uint8_t*>(inputs[i].data) + o * n, n);
        out += n;
      }
    }
    if (act_ != FusedActivation::kNone)
      apply_activation(act_, outputs[0].as<float>(), outputs[0].num_elements());
    return Status::ok();
  }

 private:
  int64_t outer_;
  std::vector<size_t> chunk_bytes_;
  FusedActivation act_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_concat(const Node& node, const Graph& graph) {
  const Value& out = output_of(graph, node);
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const Value& in = input_of(graph, node, i);
    if (in.dtype != out.dtype)
      return not_handled(graph, node,
                         std::string("input ") + std::to_string(i) + " is " + dtype_name(in.dtype) +
                             " but the output is " + dtype_name(out.dtype));
    if (is_quantized_integer(out.dtype) && !same_quant(in.quant, out.quant))
      return not_handled(graph, node,
                         "input " + std::to_string(i) + " (" + in.quant.to_string() +
                             ") needs requantizing to the output's " + out.quant.to_string());
  }
  OUTPOST_ASSIGN_OR_RETURN(FusedActivation act, parse_activation(node, graph));
  if (act != FusedActivation::kNone && out.dtype != DType::kFloat32)
    return not_handled(graph, node, "a fused activation on a non-float32 concat");

  const Shape& shape = out.shape;
  const int64_t rank = static_cast<int64_t>(shape.rank());
  int64_t axis = node.attrs.get_int("axis", 0);
  if (axis < 0) axis += rank;
  int64_t outer = 1, inner = 1;
  for (int64_t k = 0; k < axis; ++k) outer *= shape[static_cast<size_t>(k)];
  for (int64_t k = axis + 1; k < rank; ++k) inner *= shape[static_cast<size_t>(k)];
  const size_t elem = dtype_size(out.dtype);
  std::vector<size_t> chunk_bytes;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const int64_t extent = input_of(graph, node, i).shape[static_cast<size_t>(axis)];
    chunk_bytes.push_back(static_cast<size_t>(extent * inner) * elem);
  }
  return std::unique_ptr<Kernel>(
      std::make_unique<ConcatKernel>(outer, std::move(chunk_bytes), act));
}

}  // namespace outpost
