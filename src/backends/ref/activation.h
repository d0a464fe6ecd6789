// Fused activations ("activation" attribute of Add, a Conv or Gemm from TFLite, pools, ...),
// shared by the float kernels. TFLite's fused activation set: none, relu, relu6, relu_n1_to_1,
// tanh.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "backends/kernel.h"

namespace outpost {

enum class FusedActivation : uint8_t { kNone, kRelu, kRelu6, kReluN1To1, kTanh };

// Parses the node's "activation" attribute (absent means none); an unknown name is
// kUnsupported, since a newer converter may emit activations this runtime does not know.
inline Result<FusedActivation> parse_activation(const Node& node, const Graph& graph) {
  const std::string name = node.attrs.get_string("activation", "none");
  if (name == "none" || name.empty()) return FusedActivation::kNone;
  if (name == "relu") return FusedActivation::kRelu;
  if (name == "relu6") return FusedActivation::kRelu6;
  if (name == "relu_n1_to_1") return FusedActivation::kReluN1To1;
  if (name == "tanh") return FusedActivation::kTanh;
  return not_handled(graph, node, "unknown fused activation '" + name + "'");
}

inline float apply_activation(FusedActivation act, float x) {
  switch (act) {
    case FusedActivation::kNone:
      return x;
    case FusedActivation::kRelu:
      return std::max(x, 0.0f);
    case FusedActivation::kRelu6:
      return std::min(std::max(x, 0.0f), 6.0f);
    case FusedActivation::kReluN1To1:
      return std::min(std::max(x, -1.0f), 1.0f);
    case FusedActivation::kTanh:
      return std::tanh(x);
  }
  return x;
}

// Applies `act` to a contiguous run of values; the switch is outside the loop so each case
// stays a tight, vectorizable loop.
inline void apply_activation(FusedActivation act, float* data, int64_t n) {
  switch (act) {
    case FusedActivation::kNone:
      return;
    case FusedActivation::kRelu:
      for (int64_t i = 0; i < n; ++i) data[i] = std::max(data[i], 0.0f);
      return;
    case FusedActivation::kRelu6:
      for (int64_t i = 0; i < n; ++i) data[i] = std::min(std::max(data[i], 0.0f), 6.0f);
      return;
    case FusedActivation::kReluN1To1:
      for (int64_t i = 0; i < n; ++i) data[i] = std::min(std::max(data[i], -1.0f), 1.0f);
      return;
    case FusedActivation::kTanh:
      for (int64_t i = 0; i < n; ++i) data[i] = std::tanh(data[i]);
      return;
  }
}

// A float Conv's output clamp: its fused `activation` (TFLite's), then the bounds of a Relu or
// Clip that ir/passes/activation_fusion folded in (`activation_min`, `activation_max`; that
// pass folds only into a Conv whose fused activation is none).
struct FloatOutputClamp {
  FusedActivation act = FusedActivation::kNone;
  float lo = -std::numeric_limits<float>::infinity();
  float hi = std::numeric_limits<float>::infinity();

  void apply(float* data, int64_t n) const {
    apply_activation(act, data, n);
    if (lo == -std::numeric_limits<float>::infinity() && hi == std::numeric_limits<float>::infinity())
      return;
    for (int64_t i = 0; i < n; ++i) data[i] = std::min(std::max(data[i], lo), hi);
  }
};

inline Result<FloatOutputClamp> float_output_clamp(const Node& node, const Graph& graph) {
  FloatOutputClamp clamp;
  OUTPOST_ASSIGN_OR_RETURN(clamp.act, parse_activation(node, graph));
  clamp.lo = node.attrs.get_float("activation_min", clamp.lo);
  clamp.hi = node.attrs.get_float("activation_max", clamp.hi);
  return clamp;
}

}  // namespace outpost
