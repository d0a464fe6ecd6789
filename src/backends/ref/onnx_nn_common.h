// Helpers shared by the reference kernels of the ONNX nn ops: the window geometry padded to
// three spatial dimensions (a 1-D or 2-D op is a 3-D one with leading extents of 1), the plain
// convolution loops, and ONNX quantization arithmetic (round half to even, saturate).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "backends/ref/onnx_common.h"
#include "ir/onnx_window.h"

namespace outpost::onnx_ref {

struct Geometry3 {
  int64_t in[3] = {1, 1, 1}, kernel[3] = {1, 1, 1}, stride[3] = {1, 1, 1}, dilation[3] = {1, 1, 1},
          pad[3] = {0, 0, 0}, out[3] = {1, 1, 1};
  int64_t in_size() const { return in[0] * in[1] * in[2]; }
  int64_t out_size() const { return out[0] * out[1] * out[2]; }
  int64_t kernel_size() const { return kernel[0] * kernel[1] * kernel[2]; }
};

inline Geometry3 pad_to_3d(const OnnxWindow& w) {
  Geometry3 g;
  const size_t shift = kMaxWindowDims - w.dims;
  for (size_t d = 0; d < w.dims; ++d) {
    g.in[shift + d] = w.in[d];
    g.kernel[shift + d] = w.kernel[d];
    g.stride[shift + d] = w.strides[d];
    g.dilation[shift + d] = w.dilations[d];
    g.pad[shift + d] = w.pad_begin[d];
    g.out[shift + d] = w.out[d];
  }
  return g;
}

// Convolution of one image: y [M, out...] (holding the bias, or zero) += w [M, C/group, k...]
// applied to x [C, in...]. Each weight is applied to the output range it reaches, so the inner
// loop runs over a row without bounds checks.
template <typename T, typename Acc>
void conv_image(const Geometry3& g, int64_t channels, int64_t out_channels, int64_t group,
                const T* x, const T* w, Acc* y) {
  const int64_t cg = channels / group, mg = out_channels / group;
  const int64_t is = g.in_size(), os = g.out_size(), ks = g.kernel_size();
  for (int64_t oc = 0; oc < out_channels; ++oc) {
    Acc* yp = y + oc * os;
    for (int64_t c = 0; c < cg; ++c) {
      const T* xp = x + ((oc / mg) * cg + c) * is;
      const T* wp = w + (oc * cg + c) * ks;
      for (int64_t k0 = 0; k0 < g.kernel[0]; ++k0) {
        const int64_t off0 = k0 * g.dilation[0] - g.pad[0];
        const IndexRange r0 = valid_range(g.in[0], g.out[0], g.stride[0], off0);
        for (int64_t k1 = 0; k1 < g.kernel[1]; ++k1) {
          const int64_t off1 = k1 * g.dilation[1] - g.pad[1];
          const IndexRange r1 = valid_range(g.in[1], g.out[1], g.stride[1], off1);
          for (int64_t k2 = 0; k2 < g.kernel[2]; ++k2) {
            const int64_t off2 = k2 * g.dilation[2] - g.pad[2];
            const IndexRange r2 = valid_range(g.in[2], g.out[2], g.stride[2], off2);
            const Acc wv = static_cast<Acc>(wp[(k0 * g.kernel[1] + k1) * g.kernel[2] + k2]);
            for (int64_t o0 = r0.lo; o0 < r0.hi; ++o0) {
              const int64_t i0 = o0 * g.stride[0] + off0;
              for (int64_t o1 = r1.lo; o1 < r1.hi; ++o1) {
                const int64_t i1 = o1 * g.stride[1] + off1;
                Acc* yr = yp + (o0 * g.out[1] + o1) * g.out[2];
                const T* xr = xp + (i0 * g.in[1] + i1) * g.in[2];
                for (int64_t o2 = r2.lo; o2 < r2.hi; ++o2)
                  yr[o2] += wv * static_cast<Acc>(xr[o2 * g.stride[2] + off2]);
              }
            }
          }
        }
      }
    }
  }
}

// ONNX quantization of a real value already divided by the scale: round half to even, add
// the zero point, saturate to Q (NaN becomes the zero point).
template <typename Q>
Q saturate_round(double scaled, int64_t zero_point) {
  double r = std::isnan(scaled) ? 0.0 : std::nearbyint(scaled);
  r += static_cast<double>(zero_point);
  r = std::clamp(r, static_cast<double>(std::numeric_limits<Q>::min()),
                 static_cast<double>(std::numeric_limits<Q>::max()));
  return static_cast<Q>(r);
}

// Element i of an int8/uint8/int32 operand as int64 (0 when absent).
inline int64_t q_at(const TensorView& v, int64_t i) {
  if (v.data == nullptr) return 0;
  switch (v.dtype) {
    case DType::kInt8:
      return v.as<const int8_t>()[i];
    case DType::kUInt8:
      return v.as<const uint8_t>()[i];
    case DType::kInt32:
      return v.as<const int32_t>()[i];
    default:
      return 0;
  }
}

// Calls f(Tag<T>{}) for int8 or uint8.
template <typename F>
bool visit_q8(DType d, F&& f) {
  if (d == DType::kInt8) {
    f(Tag<int8_t>{});
    return true;
  }
  if (d == DType::kUInt8) {
    f(Tag<uint8_t>{});
    return true;
  }
  return false;
}

}  // namespace outpost::onnx_ref
