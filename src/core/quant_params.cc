#include "outpost/quant_params.h"

#include <cstdio>

namespace outpost {

std::string QuantParams::to_string() const {
  if (scale.empty()) return "none";
  if (per_channel()) {
    return "per-channel(" + std::to_string(scale.size()) + ") axis=" + std::to_string(axis);
  }
  char buf[96];
  std::snprintf(buf, sizeof buf, "scale=%.9g zero_point=%lld", scale[0],
                static_cast<long long>(zero_point.empty() ? 0 : zero_point[0]));
  return buf;
}

}  // namespace outpost
