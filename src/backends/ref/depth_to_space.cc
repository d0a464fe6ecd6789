// DepthToSpace as TFLite's DEPTH_TO_SPACE has it: channels-last (NHWC), DCR order:
// output[b][h*bs + i][w*bs + j][c] = input[b][h][w][(i*bs + j) * C_out + c]. Layout only, so it
// copies bytes for any dtype (quantized input and output must share parameters, as TFLite
// requires). NCHW nodes are the general kernel's (onnx_transpose.cc).
#include <cstring>

#include "backends/ref/float_kernel_factories.h"
#include "ir/channels_last.h"

namespace outpost {
namespace {

class DepthToSpaceKernel final : public Kernel {
 public:
  DepthToSpaceKernel(int64_t batch, int64_t in_h, int64_t in_w, int64_t block, size_t row_bytes)
      : batch_(batch), in_h_(in_h), in_w_(in_w), block_(block), row_bytes_(row_bytes) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    // For fixed (b, h, i), input pixel (h, w) holds, for each j, C_out contiguous values that
    // land contiguously at output pixel (h*bs + i, w*bs + j): one row_bytes_ copy each.
    const auto* in = static_cast<const uint8_t*>(inputs[0].data);
    auto* out = static_cast<uint8_t*>(outputs[0].data);
    const int64_t bs = block_;
    const size_t in_pixel = row_bytes_ * static_cast<size_t>(bs * bs);
    for (int64_t b = 0; b < batch_; ++b) {
      for (int64_t h = 0; h < in_h_; ++h) {
        for (int64_t i = 0; i < bs; ++i) {
          for (int64_t w = 0; w < in_w_; ++w) {
            const uint8_t* src = in + static_cast<size_t>((b * in_h_ + h) * in_w_ + w) * in_pixel +
                                 static_cast<size_t>(i * bs) * row_bytes_;
            std::memcpy(out, src, row_bytes_ * static_cast<size_t>(bs));
            out += row_bytes_ * static_cast<size_t>(bs);
          }
        }
      }
    }
    return Status::ok();
  }

 private:
  int64_t batch_, in_h_, in_w_, block_;
  size_t row_bytes_;  // C_out elements
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_depth_to_space(const Node& node, const Graph& graph) {
  if (!is_channels_last(node)) return not_handled(graph, node, "NCHW (the general kernel's)");
  const std::string mode = node.attrs.get_string("mode", "DCR");
  if (mode != "DCR") return not_handled(graph, node, "channels-last mode " + mode);
  const Value& in = input_of(graph, node, 0);
  const Value& out = output_of(graph, node);
  if (in.dtype != out.dtype)
    return not_handled(graph, node,
                       std::string("input is ") + dtype_name(in.dtype) + " but the output is " +
                           dtype_name(out.dtype));
  if (is_quantized_integer(in.dtype) && !same_quant(in.quant, out.quant))
    return not_handled(graph, node, "input and output quantization differ");
  const Shape& x = in.shape;
  const int64_t block = node.attrs.get_int("blocksize", 0);
  const size_t row_bytes = static_cast<size_t>(out.shape[3]) * dtype_size(in.dtype);
  return std::unique_ptr<Kernel>(
      std::make_unique<DepthToSpaceKernel>(x[0], x[1], x[2], block, row_bytes));
}

}  // namespace outpost
