// The cases of the differential backend test (tests/backends/differential_test.cc): for each
// op a fast backend takes, one-node graphs on random shapes and data, and the canonical nodes
// with which the coverage test asks each backend what it takes.
#pragma once

#include <string>
#include <vector>

#include "support/differential.h"

namespace outpost::testing {

// The dtypes of a case: float32, or 8-bit quantized with per-tensor weights, or int8 with
// per-channel weights.
enum class Kind { kFloat32, kUInt8, kInt8, kInt8PerChannel };
inline constexpr Kind kKinds[] = {Kind::kFloat32, Kind::kUInt8, Kind::kInt8, Kind::kInt8PerChannel};
const char* kind_name(Kind k);
DType dtype_of(Kind k);
// The kind a node is: its input's dtype, and int8 per channel when an input has per-channel
// parameters (a kInt8PerChannel canonical node without weights is a plain int8 one).
Kind kind_of(const OpCase& c);

// One case of a group: the graph the reference runs, and how the fast backend runs it.
struct Variant {
  std::string label;           // shapes and attributes, for messages
  OpCase ref;                  // NCHW for ONNX's layout-sensitive ops
  bool channels_last = false;  // the fast backend runs to_channels_last(ref)
  int in_place = -1;           // the fast backend writes output 0 over this node input
};

// A group's cases for `op` on `kind`, drawn from `rng` (seeded by the group's name).
using Generator = std::vector<Variant> (*)(OpKind op, Kind kind, Rng& rng);

// Conv: TFLite's CONV_2D and DEPTHWISE_CONV_2D as imported (NHWC; OHWI or 1HWO weights) on every
// kind, and for float32 also ONNX's (NCHW, OIHW) run channels-last, grouped and depthwise;
// oneDNN's: group 1 on both of its paths (blocked and NHWC) with its fused activations.
std::vector<Variant> xnnpack_conv_cases(OpKind op, Kind kind, Rng& rng);
std::vector<Variant> onednn_onnx_conv_cases(OpKind op, Kind kind, Rng& rng);
// oneDNN's int8 ones: TFLite's CONV_2D form and ONNX's lowered group-1 Conv, channels-last.
std::vector<Variant> onednn_int8_conv_cases(OpKind op, Kind kind, Rng& rng);
// Gemm: TFLite's FULLY_CONNECTED form (transB, fused activations) in float32, uint8 and int8,
// and ONNX's other forms (weights untransposed, C [N] or [1, N]) in float32.
std::vector<Variant> gemm_cases(OpKind op, Kind kind, Rng& rng);
// MaxPool (channels-last), GlobalAveragePool (NCHW and channels-last), float32.
std::vector<Variant> max_pool_cases(OpKind op, Kind kind, Rng& rng);
// AveragePool: ONNX windows (made channels-last) and TFLite's NHWC ones with fused activations.
std::vector<Variant> average_pool_cases(OpKind op, Kind kind, Rng& rng);
// Resize as TFLite's RESIZE_BILINEAR imports it (NHWC, sizes given), in its three conventions.
std::vector<Variant> bilinear_resize_cases(OpKind op, Kind kind, Rng& rng);
// ConvTranspose as TFLite's TRANSPOSE_CONV imports it: NHWC, OHWI weights, SAME, VALID or the
// explicit pads and output_padding of a given output shape, fused activations.
std::vector<Variant> transpose_conv_cases(OpKind op, Kind kind, Rng& rng);
std::vector<Variant> global_average_pool_cases(OpKind op, Kind kind, Rng& rng);
// Unary float32 elementwise ops (Clip with constant scalar bounds), half of them in place.
std::vector<Variant> unary_cases(OpKind op, Kind kind, Rng& rng);
// Quantize float32 -> uint8/int8 (TFLite's rounding) and Dequantize uint8/int8 -> float32, per
// tensor, the parameters on the values.
std::vector<Variant> convert_cases(OpKind op, Kind kind, Rng& rng);
// Add, Sub, Mul: broadcasting, constant operands, fused activations, in place (float32).
std::vector<Variant> binary_cases(OpKind op, Kind kind, Rng& rng);

// Canonical nodes of an op for one dtype: one to three inputs shaped for elementwise ops,
// pools, convolutions (OIHW, OHWI, depthwise weights) and matrix products, with and without
// constant operands, under a few attribute sets; many do not fit a given op and are skipped
// when shape inference refuses them.
std::vector<std::vector<OpInput>> canonical_inputs(Kind kind, Rng& rng);
std::vector<Attributes> canonical_attributes();
OpOutput canonical_output(Kind kind, Rng& rng);

}  // namespace outpost::testing
