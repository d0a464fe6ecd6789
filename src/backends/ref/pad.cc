// Pad as TFLite's PAD has it (rank up to 6, constant mode, constant pads that only add, no
// explicit pad value) as byte copies: fill the output with the pad value, then copy each
// innermost input row into place. Float and plain integer types pad with zero; quantized
// uint8/int8/int16 pad with the zero point, which represents real 0. Every other Pad (reflect,
// edge, cropping, a pad value, pads given at run time or as attributes) is declined, for the
// general kernel (onnx_slice.cc).
#include <array>
#include <cstring>

#include "backends/ref/float_kernel_factories.h"

namespace outpost {
namespace {

constexpr size_t kMaxRank = 6;

struct PadPlan {
  size_t rank = 0;
  std::array<int64_t, kMaxRank> in_dims{};
  std::array<int64_t, kMaxRank> out_stride{};  // in elements
  int64_t first_offset = 0;                    // output element where input element 0 lands
  int64_t out_elements = 0;
  size_t elem = 0;
  std::array<uint8_t, 8> fill{};  // one element's bytes
};

class PadKernel final : public Kernel {
 public:
  explicit PadKernel(PadPlan p) : p_(p) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const auto* in = static_cast<const uint8_t*>(inputs[0].data);
    auto* out = static_cast<uint8_t*>(outputs[0].data);
    const PadPlan& p = p_;
    if (p.out_elements == 0) return Status::ok();
    fill(out);
    if (p.rank == 0) {
      std::memcpy(out, in, p.elem);
      return Status::ok();
    }
    const size_t inner = p.rank - 1;
    const size_t row_bytes = static_cast<size_t>(p.in_dims[inner]) * p.elem;
    int64_t rows = 1;
    for (size_t k = 0; k < inner; ++k) rows *= p.in_dims[k];
    std::array<int64_t, kMaxRank> index{};
    int64_t out_off = p.first_offset;
    for (int64_t r = 0; r < rows; ++r) {
      std::memcpy(out + static_cast<size_t>(out_off) * p.elem,
                  in + static_cast<size_t>(r) * row_bytes, row_bytes);
      for (size_t k = inner; k-- > 0;) {
        out_off += p.out_stride[k];
        if (++index[k] < p.in_dims[k]) break;
        out_off -= p.out_stride[k] * p.in_dims[k];
        index[k] = 0;
      }
    }
    return Status::ok();
  }

 private:
  void fill(uint8_t* out) const {
    const PadPlan& p = p_;
    const size_t bytes = static_cast<size_t>(p.out_elements) * p.elem;
    bool uniform = true;  // every byte of the pattern equal: one memset does it
    for (size_t b = 1; b < p.elem; ++b) uniform = uniform && p.fill[b] == p.fill[0];
    if (uniform) {
      std::memset(out, p.fill[0], bytes);
      return;
    }
    for (size_t off = 0; off < bytes; off += p.elem) std::memcpy(out + off, p.fill.data(), p.elem);
  }

  PadPlan p_;
};

// The begin pads of a node this kernel runs (pads are all begins, then all ends), or
// kUnsupported for the general kernel's.
Result<std::vector<int64_t>> zero_pads(const Node& node, const Graph& graph) {
  if (node.inputs.size() < 2)
    return not_handled(graph, node, "pads given as attributes (the one-input form)");
  if (has_input(node, 2)) return not_handled(graph, node, "an explicit pad value");
  const std::string mode = node.attrs.get_string("mode", "constant");
  if (mode != "constant") return not_handled(graph, node, "mode '" + mode + "'");
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> pads, constant_ints(graph, node, 1));
  for (int64_t p : pads)
    if (p < 0) return not_handled(graph, node, "negative pads (cropping)");
  return pads;
}

Result<std::unique_ptr<Kernel>> make_pad(const Node& node, const Graph& graph,
                                         const std::array<uint8_t, 8>& fill) {
  const Shape& x = input_of(graph, node, 0).shape;
  const Shape& y = output_of(graph, node).shape;
  if (x.rank() > kMaxRank)
    return not_handled(graph, node, "pad supports rank up to 6, input is " + x.to_string());
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> pads, zero_pads(node, graph));
  PadPlan p;
  p.rank = x.rank();
  p.elem = dtype_size(output_of(graph, node).dtype);
  p.fill = fill;
  p.out_elements = y.num_elements().value_or(0);
  // No output element (a dimension of 0): nothing to fill or copy, and the other dimensions
  // may multiply past int64 (fuzz_tflite crash-0369485a): the plan stays empty.
  if (p.out_elements == 0) return std::unique_ptr<Kernel>(std::make_unique<PadKernel>(p));
  int64_t stride = 1;
  for (size_t k = p.rank; k-- > 0;) {
    p.in_dims[k] = x[k];
    p.out_stride[k] = stride;
    p.first_offset += pads[k] * stride;
    stride *= y[k];
  }
  return std::unique_ptr<Kernel>(std::make_unique<PadKernel>(p));
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_pad_float(const Node& node, const Graph& graph) {
  const DType in = input_of(graph, node, 0).dtype;
  const DType out = output_of(graph, node).dtype;
  if (in != out || (in != DType::kFloat32 && in != DType::kFloat16 && in != DType::kInt32 &&
                    in != DType::kInt64))
    return not_handled(graph, node,
                       std::string("zero padding handles float and int32/int64, not ") +
                           dtype_name(in) + " -> " + dtype_name(out));
  return make_pad(node, graph, {});  // all-zero bits: 0.0f, half 0.0, integer 0
}

Result<std::unique_ptr<Kernel>> make_pad_quantized_bytes(const Node& node, const Graph& graph) {
  const Value& in = input_of(graph, node, 0);
  const Value& out = output_of(graph, node);
  if (in.dtype != out.dtype ||
      (in.dtype != DType::kUInt8 && in.dtype != DType::kInt8 && in.dtype != DType::kInt16))
    return not_handled(graph, node,
                       std::string("zero-point padding handles uint8/int8/int16, not ") +
                           dtype_name(in.dtype) + " -> " + dtype_name(out.dtype));
  if (!same_quant(in.quant, out.quant) || out.quant.per_channel())
    return not_handled(graph, node, "input and output quantization differ");
  const int64_t zp = out.quant.zero_point.empty() ? 0 : out.quant.zero_point[0];
  std::array<uint8_t, 8> fill{};
  if (in.dtype == DType::kUInt8) {
    if (zp < 0 || zp > 255)
      return invalid_model(graph.source + ": " + node.describe() + ": zero point out of range");
    fill[0] = static_cast<uint8_t>(zp);
  } else if (in.dtype == DType::kInt8) {
    if (zp < -128 || zp > 127)
      return invalid_model(graph.source + ": " + node.describe() + ": zero point out of range");
    const auto v = static_cast<int8_t>(zp);
    std::memcpy(fill.data(), &v, 1);
  } else {
    if (zp < -32768 || zp > 32767)
      return invalid_model(graph.source + ": " + node.describe() + ": zero point out of range");
    const auto v = static_cast<int16_t>(zp);
    std::memcpy(fill.data(), &v, 2);
  }
  return make_pad(node, graph, fill);
}

}  // namespace outpost
