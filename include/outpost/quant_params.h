// Affine quantization: real = scale * (q - zero_point), per tensor or per channel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace outpost {

struct QuantParams {
  std::vector<float> scale;        // one per tensor, or one per channel along `axis`
  std::vector<int64_t> zero_point;  // same length as scale
  int axis = 0;                    // channel dimension for per-channel parameters

  bool empty() const { return scale.empty(); }
  bool per_channel() const { return scale.size() > 1; }
  std::string to_string() const;  // "scale=0.0078 zero_point=128" or "per-channel(32) axis=0"
};

}  // namespace outpost
