#include "formats/int8_weights.h"

#include <algorithm>
#include <cmath>

namespace outpost {
Int8Weights quantize_int8_weights(const float* weights, const std::vector<int64_t>& dims, int axis) {
  int64_t count = 1;
  for (int64_t d : dims) count *= d;
  const int64_t channels = axis >= 0 ? dims[static_cast<size_t>(axis)] : 1;
  int64_t inner = 1;  // elements of one channel's run along the axis
  for (size_t k = static_cast<size_t>(axis) + 1; axis >= 0 && k < dims.size(); ++k) inner *= dims[k];
  auto channel_of = [&](int64_t i) { return axis >= 0 ? (i / inner) % channels : 0; };

  Int8Weights out;
  std::vector<float> largest(static_cast<size_t>(channels), 0.0f);
  for (int64_t i = 0; i < count; ++i)
    if (std::isfinite(weights[i]))
      largest[channel_of(i)] = std::max(largest[channel_of(i)], std::fabs(weights[i]));
  out.scales.resize(largest.size());
  for (size_t c = 0; c < largest.size(); ++c) out.scales[c] = std::max(largest[c] / 127.0f, kMinInt8Scale);
  out.values.resize(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const float q = std::nearbyint(weights[i] / out.scales[channel_of(i)]);
    out.values[i] = std::isnan(q) ? 0 : static_cast<int8_t>(std::clamp(q, -127.0f, 127.0f));
  }
  return out;
}

}  // namespace outpost
