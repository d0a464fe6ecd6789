// The weights layouts of Conv (attribute `weights_layout`): ONNX's OIHW [M, C/group, kH, kW]
// (the default), and TFLite's, which its importer keeps so that the weights stay where the file
// holds them (no copy, no second buffer): OHWI [M, kH, kW, C/group] (CONV_2D) and 1HWO
// [1, kH, kW, M] (DEPTHWISE_CONV_2D, group = C). Shape inference and the kernels' geometry read
// the weights' shape through logical_oihw; a kernel reads their memory in the layouts it names.
//
// ConvTranspose has the same attribute with its own two layouts: ONNX's IOHW [C, M/group, kH, kW]
// (the default) and OHWI [M, kH, kW, C] (TFLite's transpose convolutions, one group), read through
// logical_iohw. In both lists O names the node's output channels and I its input channels.
#pragma once

#include <optional>
#include <string>

#include "ir/graph.h"

namespace outpost {

enum class WeightsLayout { kOIHW, kOHWI, k1HWO };

// The node's layout; nullopt for a name other than these three.
inline std::optional<WeightsLayout> weights_layout(const Node& node) {
  const std::string name = node.attrs.get_string("weights_layout", "OIHW");
  if (name == "OIHW") return WeightsLayout::kOIHW;
  if (name == "OHWI") return WeightsLayout::kOHWI;
  if (name == "1HWO") return WeightsLayout::k1HWO;
  return std::nullopt;
}

// A rank-4 weights shape in OIHW order, whatever its memory layout (other ranks: as they are).
inline Shape logical_oihw(const Shape& w, WeightsLayout layout) {
  if (w.rank() != 4 || layout == WeightsLayout::kOIHW) return w;
  if (layout == WeightsLayout::kOHWI) return Shape({w[0], w[3], w[1], w[2]});
  return Shape({w[3], w[0], w[1], w[2]});  // 1HWO: [M, 1, kH, kW]
}

enum class TransposeWeightsLayout { kIOHW, kOHWI };

// A ConvTranspose's layout; nullopt for a name other than these two.
inline std::optional<TransposeWeightsLayout> transpose_weights_layout(const Node& node) {
  const std::string name = node.attrs.get_string("weights_layout", "IOHW");
  if (name == "IOHW") return TransposeWeightsLayout::kIOHW;
  if (name == "OHWI") return TransposeWeightsLayout::kOHWI;
  return std::nullopt;
}

// A rank-4 ConvTranspose weights shape in IOHW order (other ranks: as they are).
inline Shape logical_iohw(const Shape& w, TransposeWeightsLayout layout) {
  if (w.rank() != 4 || layout == TransposeWeightsLayout::kIOHW) return w;
  return Shape({w[3], w[0], w[1], w[2]});
}

}  // namespace outpost
