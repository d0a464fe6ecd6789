// ConvTranspose on XNNPACK, float32: TFLite's transpose convolution (channels-last, OHWI
// weights, one group; backends/ref/transpose_conv_geometry.h), as MediaPipe's
// Convolution2DTransposeBias imports too, with constant weights and bias that XNNPACK packs at
// creation and a fused activation. XNNPACK's deconvolution produces
// stride * (in - 1) + adjustment + dilated kernel - pads; the node's output is that with
// pad_top / pad_left cut at the start and the rest of the natural extent cut at the end, or,
// when the output is larger than the natural one, an adjustment of less than a stride.
#include <cstdint>
#include <memory>

#include "backends/ref/transpose_conv_geometry.h"
#include "backends/xnnpack/xnnpack_factories.h"
#include "backends/xnnpack/xnnpack_operator.h"

namespace outpost::xnn {
namespace {

// XNNPACK's cut at the end of one dimension and its adjustment, for an output of `out`.
struct EndFit {
  int64_t pad_end = 0, adjustment = 0;
};

Result<EndFit> end_fit(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t dilation,
                       int64_t pad_begin, const Graph& g, const Node& n) {
  const int64_t natural = stride * (in - 1) + dilation * (kernel - 1) + 1 - pad_begin;
  EndFit fit;
  if (natural >= out) {
    fit.pad_end = natural - out;
  } else {
    fit.adjustment = out - natural;
    if (fit.adjustment >= stride)
      return not_handled(g, n, "an output a stride or more past the natural one");
  }
  return fit;
}

Result<TransposeGeometry> float_geometry(const Node& n, const Graph& g) {
  const Value& x = input_of(g, n, 0);
  if (x.dtype != DType::kFloat32 || output_of(g, n).dtype != DType::kFloat32)
    return not_handled(g, n, "XNNPACK takes float32 transpose convolutions here");
  if (!input_of(g, n, 1).is_constant() || input_of(g, n, 1).dtype != DType::kFloat32)
    return not_handled(g, n, "the weights are not float32 constants");
  if (has_input(n, 2) &&
      (!input_of(g, n, 2).is_constant() || input_of(g, n, 2).dtype != DType::kFloat32))
    return not_handled(g, n, "the bias is not a float32 constant");
  OUTPOST_ASSIGN_OR_RETURN(const TransposeGeometry geo, transpose_conv_geometry(n, g));
  if (geo.batch * geo.in_h * geo.in_w * geo.in_c == 0 || geo.out_h * geo.out_w * geo.out_c == 0)
    return not_handled(g, n, "empty tensor");
  if (geo.pad_top < 0 || geo.pad_left < 0)
    return not_handled(g, n, "negative pads");
  OUTPOST_RETURN_IF_ERROR(fused_output_range(n, g).status());
  return geo;
}

}  // namespace

bool takes_transpose_conv(const Node& n, const Graph& g) {
  auto geo = float_geometry(n, g);
  if (!geo.is_ok()) return false;
  return end_fit(geo->in_h, geo->out_h, geo->kernel_h, geo->stride_h, geo->dilation_h, geo->pad_top, g, n)
             .is_ok() &&
         end_fit(geo->in_w, geo->out_w, geo->kernel_w, geo->stride_w, geo->dilation_w, geo->pad_left, g, n)
             .is_ok();
}

Result<std::unique_ptr<Kernel>> make_transpose_conv(const Node& n, const Graph& g, pthreadpool_t pool) {
  OUTPOST_ASSIGN_OR_RETURN(const TransposeGeometry geo, float_geometry(n, g));
  OUTPOST_ASSIGN_OR_RETURN(const EndFit h, end_fit(geo.in_h, geo.out_h, geo.kernel_h, geo.stride_h,
                                                   geo.dilation_h, geo.pad_top, g, n));
  OUTPOST_ASSIGN_OR_RETURN(const EndFit w, end_fit(geo.in_w, geo.out_w, geo.kernel_w, geo.stride_w,
                                                   geo.dilation_w, geo.pad_left, g, n));
  OUTPOST_ASSIGN_OR_RETURN(const OutputRange range, fused_output_range(n, g));
  const float* bias = has_input(n, 2) ? input_of(g, n, 2).constant_as<float>() : nullptr;
  xnn_operator_t op = nullptr;
  OUTPOST_RETURN_IF_ERROR(check_create(
      xnn_create_deconvolution2d_nhwc_f32(
          static_cast<uint32_t>(geo.pad_top), static_cast<uint32_t>(w.pad_end),
          static_cast<uint32_t>(h.pad_end), static_cast<uint32_t>(geo.pad_left),
          static_cast<uint32_t>(geo.kernel_h), static_cast<uint32_t>(geo.kernel_w),
          static_cast<uint32_t>(geo.stride_h), static_cast<uint32_t>(geo.stride_w),
          static_cast<uint32_t>(geo.dilation_h), static_cast<uint32_t>(geo.dilation_w), 1,
          static_cast<size_t>(geo.in_c), static_cast<size_t>(geo.out_c), static_cast<size_t>(geo.in_c),
          static_cast<size_t>(geo.out_c), input_of(g, n, 1).constant_as<float>(), bias, range.lo,
          range.hi, 0, &op),
      g, n));
  const size_t batch = static_cast<size_t>(geo.batch), in_h = static_cast<size_t>(geo.in_h),
               in_w = static_cast<size_t>(geo.in_w);
  const uint32_t adjust_h = static_cast<uint32_t>(h.adjustment), adjust_w = static_cast<uint32_t>(w.adjustment);
  return std::unique_ptr<Kernel>(std::make_unique<OperatorKernel>(
      OperatorPtr(op),
      [=](xnn_operator_t o, std::span<const TensorView> in, std::span<const TensorView> out,
          pthreadpool_t p) {
        return xnn_setup_deconvolution2d_nhwc_f32(o, batch, in_h, in_w, adjust_h, adjust_w,
                                                  in[0].as<const float>(), out[0].as<float>(), p);
      },
      pool, /*packed=*/true));
}

}  // namespace outpost::xnn
