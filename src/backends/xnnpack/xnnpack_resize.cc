// Bilinear Resize on XNNPACK, float32: the Resize nodes TFLite's RESIZE_BILINEAR computes
// (backends/ref/bilinear_resize_form.h: dimensions 1 and 2 of a 4-D tensor to given sizes), in
// TFLite's three coordinate conventions: half-pixel centres (XNNPACK's default), align_corners
// (XNN_FLAG_ALIGN_CORNERS) and the legacy asymmetric one (XNN_FLAG_TENSORFLOW_LEGACY_MODE). These
// are the TensorFlow conventions XNNPACK implements for TFLite's own XNNPACK path.
#include <cstdint>
#include <memory>

#include "backends/ref/bilinear_resize_form.h"
#include "backends/xnnpack/xnnpack_factories.h"
#include "backends/xnnpack/xnnpack_operator.h"

namespace outpost::xnn {

bool takes_bilinear_resize(const Node& n, const Graph& g) {
  return input_of(g, n, 0).dtype == DType::kFloat32 && bilinear_resize_form(n, g).is_ok() &&
         input_of(g, n, 0).shape.num_elements().value_or(0) > 0 &&
         output_of(g, n).shape.num_elements().value_or(0) > 0;
}

Result<std::unique_ptr<Kernel>> make_bilinear_resize(const Node& n, const Graph& g, pthreadpool_t pool) {
  if (!takes_bilinear_resize(n, g))
    return not_handled(g, n, "XNNPACK takes float32 bilinear resizes of dimensions 1 and 2 to given sizes");
  OUTPOST_ASSIGN_OR_RETURN(const BilinearResizeForm form, bilinear_resize_form(n, g));
  const Shape& x = input_of(g, n, 0).shape;
  const Shape& y = output_of(g, n).shape;
  const uint32_t flags = form.align_corners ? XNN_FLAG_ALIGN_CORNERS
                         : form.half_pixel  ? 0
                                            : XNN_FLAG_TENSORFLOW_LEGACY_MODE;
  const size_t channels = static_cast<size_t>(x[3]);
  xnn_operator_t op = nullptr;
  OUTPOST_RETURN_IF_ERROR(check_create(
      xnn_create_resize_bilinear2d_nhwc_f32(channels, channels, channels, flags, &op), g, n));
  const size_t batch = static_cast<size_t>(x[0]), in_h = static_cast<size_t>(x[1]),
               in_w = static_cast<size_t>(x[2]), out_h = static_cast<size_t>(y[1]),
               out_w = static_cast<size_t>(y[2]);
  return operator_kernel(
      op,
      [=](xnn_operator_t o, std::span<const TensorView> in, std::span<const TensorView> out,
          pthreadpool_t p) {
        return xnn_setup_resize_bilinear2d_nhwc_f32(o, batch, in_h, in_w, out_h, out_w,
                                                    in[0].as<const float>(), out[0].as<float>(), p);
      },
      pool);
}

}  // namespace outpost::xnn
