// ONNX ConvTranspose (float32/float64): each input element scatters its kernel into the output
// at stride spacing, less the begin pads; output_padding, output_shape and auto_pad are
// resolved by ir/onnx_window.h. Output positions no input reaches hold the bias.
#include "backends/ref/onnx_nn_common.h"
#include "backends/ref/onnx_nn_kernel_factories.h"

namespace outpost {

Result<std::unique_ptr<Kernel>> make_onnx_conv_transpose(const Node& node, const Graph& graph) {
  using namespace onnx_ref;  // NOLINT: this file's helpers
  // TFLite's layout and fused activation are TFLite's kernel's (transpose_conv2d.cc).
  if (node.attrs.get_string("weights_layout", "IOHW") != "IOHW")
    return not_handled(graph, node, "the general kernel reads IOHW weights only");
  if (node.attrs.get_string("activation", "none") != "none")
    return not_handled(graph, node, "the general kernel applies no fused activation");
  const Shape& x = input_of(graph, node, 0).shape;
  const Shape& w = input_of(graph, node, 1).shape;
  OUTPOST_ASSIGN_OR_RETURN(OnnxWindow win, onnx_transpose_window(graph, node, x, w));
  const Geometry3 g = pad_to_3d(win);
  const int64_t batch = x[0], channels = x[1], group = node.attrs.get_int("group", 1);
  const int64_t cg = channels / group, mg = w[1], out_channels = mg * group;
  const bool bias = has_input(node, 2);
  RunFn fn;
  if (!visit_float(input_of(graph, node, 0).dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = [=](std::span<const TensorView> in, std::span<const TensorView> out) {
          const int64_t is = g.in_size(), os = g.out_size(), ks = g.kernel_size();
          for (int64_t b = 0; b < batch; ++b) {
            for (int64_t oc = 0; oc < out_channels; ++oc) {
              T* y = out[0].as<T>() + (b * out_channels + oc) * os;
              std::fill(y, y + os, bias ? in[2].as<const T>()[oc] : T(0));
              const int64_t grp = oc / mg, m = oc % mg;
              for (int64_t c = 0; c < cg; ++c) {
                const int64_t ic = grp * cg + c;
                const T* xp = in[0].as<const T>() + (b * channels + ic) * is;
                const T* wp = in[1].as<const T>() + (ic * mg + m) * ks;
                for (int64_t k0 = 0; k0 < g.kernel[0]; ++k0) {
                  const int64_t off0 = k0 * g.dilation[0] - g.pad[0];
                  const IndexRange r0 = valid_range(g.out[0], g.in[0], g.stride[0], off0);
                  for (int64_t k1 = 0; k1 < g.kernel[1]; ++k1) {
                    const int64_t off1 = k1 * g.dilation[1] - g.pad[1];
                    const IndexRange r1 = valid_range(g.out[1], g.in[1], g.stride[1], off1);
                    for (int64_t k2 = 0; k2 < g.kernel[2]; ++k2) {
                      const int64_t off2 = k2 * g.dilation[2] - g.pad[2];
                      const IndexRange r2 = valid_range(g.out[2], g.in[2], g.stride[2], off2);
                      const T wv = wp[(k0 * g.kernel[1] + k1) * g.kernel[2] + k2];
                      for (int64_t i0 = r0.lo; i0 < r0.hi; ++i0) {
                        const int64_t o0 = i0 * g.stride[0] + off0;
                        for (int64_t i1 = r1.lo; i1 < r1.hi; ++i1) {
                          const int64_t o1 = i1 * g.stride[1] + off1;
                          T* yr = y + (o0 * g.out[1] + o1) * g.out[2];
                          const T* xr = xp + (i0 * g.in[1] + i1) * g.in[2];
                          for (int64_t i2 = r2.lo; i2 < r2.hi; ++i2)
                            yr[i2 * g.stride[2] + off2] += wv * xr[i2];
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        };
      }))
    return unsupported_dtype(graph, node, input_of(graph, node, 0).dtype);
  return make_kernel(std::move(fn));
}

}  // namespace outpost
