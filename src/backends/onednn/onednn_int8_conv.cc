// int8 convolutions on oneDNN, where the CPU has VNNI: oneDNN 2.6's x8s8s32x kernels multiply
// with vpdpbusd (four 8-bit products summed per 32-bit lane), where Debian's 2022 XNNPACK has
// none and widens to 16 bits first; its depthwise int8 kernels measured faster too (group 1 and
// depthwise with multiplier 1 run here; other groups stay on XNNPACK). The planned NHWC int8 buffers are read and written in place; the weights
// (OIHW from ONNX's lowered QDQ / QLinearConv, OHWI from TFLite) are reordered once into the
// kernel's blocked layout, with the compensation oneDNN adds for signed inputs and for the input
// zero point (which pads with the zero point, as TFLite and ONNX do).
//
// Requantization: oneDNN scales the int32 sum (bias included) by x_scale * w_scale[c] / y_scale
// in float, rounds to nearest even and adds the output zero point; TFLite's fixed-point
// multiplier, or ONNX's double one, can differ from that by one step, as TFLite's own XNNPACK
// path does (DESIGN.md's fast-path rule; the differential tests hold it to that).
#include <omp.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

#include "backends/float_onnx_conv.h"
#include "backends/onednn/onednn_conv.h"
#include "backends/ref/conv_geometry.h"
#include "backends/ref/quantized_common.h"
#include "ir/channels_last.h"

namespace outpost::onednn {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;
using Dt = memory::data_type;

bool cpu_has_vnni() {
  static const bool vnni = [] {
    const dnnl::cpu_isa isa = dnnl::get_effective_cpu_isa();
    return isa == dnnl::cpu_isa::avx512_core_vnni || isa == dnnl::cpu_isa::avx512_core_bf16 ||
           isa == dnnl::cpu_isa::avx512_core_amx || isa == dnnl::cpu_isa::avx2_vnni;
  }();
  return vnni;
}

// TFLite's kernels (and XNNPACK's, and the reference) add the bias to an int32 sum that wraps
// when a hostile bias takes it past 2^31; oneDNN adds in float and saturates. Only a sum that
// cannot wrap runs here: |bias| + taps x 255 x 128 (the largest |(x - zp) w|) within int32.
Status check_no_int32_overflow(const Graph& g, const Node& n, const Value& w, const Value* b,
                               int64_t out_channels) {
  const int64_t taps = w.shape.num_elements().value_or(0) / std::max<int64_t>(out_channels, 1);
  const int64_t largest_sum = taps * 255 * 128;
  const int32_t* bias = b != nullptr ? b->constant_as<int32_t>() : nullptr;
  for (int64_t c = 0; c < out_channels; ++c)
    if (largest_sum + (bias ? std::llabs(int64_t{bias[c]}) : 0) > std::numeric_limits<int32_t>::max())
      return not_handled(g, n, "a bias this large could wrap the int32 sum, as TFLite's does");
  return Status::ok();
}

// What the kernel needs of the node's quantization, or kUnsupported naming what it lacks.
struct Int8Operands {
  quant::TensorQuant x, y;
  std::vector<float> weight_scales;
  quant::ActivationRange act;
};

Result<Int8Operands> int8_operands(const Graph& g, const Node& n, int64_t out_channels) {
  const Value& x = input_of(g, n, 0);
  const Value& w = input_of(g, n, 1);
  const Value& y = output_of(g, n);
  if (x.dtype != DType::kInt8 || w.dtype != DType::kInt8 || y.dtype != DType::kInt8)
    return not_handled(g, n, "oneDNN's int8 convolutions take int8 input, weights and output");
  if (!w.is_constant()) return not_handled(g, n, "the weights are not a constant");
  if (has_input(n, 2)) {
    const Value& b = input_of(g, n, 2);
    if (b.dtype != DType::kInt32 || !b.is_constant() ||
        b.shape.num_elements() != std::optional<int64_t>(out_channels))
      return not_handled(g, n, "the bias is not an int32 constant of one entry per channel");
  }
  OUTPOST_RETURN_IF_ERROR(check_no_int32_overflow(
      g, n, w, has_input(n, 2) ? &input_of(g, n, 2) : nullptr, out_channels));
  if (n.attrs.has("swish") || n.attrs.has("activation_min"))
    return not_handled(g, n, "a folded float activation on a quantized convolution");
  Int8Operands q;
  OUTPOST_ASSIGN_OR_RETURN(q.x, quant::per_tensor_quant(g, n, x, "input"));
  OUTPOST_ASSIGN_OR_RETURN(q.y, quant::per_tensor_quant(g, n, y, "output"));
  OUTPOST_ASSIGN_OR_RETURN(q.act, quant::fused_activation_range(g, n, y, q.y));
  if (q.x.zero_point < -128 || q.x.zero_point > 127 || q.y.zero_point < -128 ||
      q.y.zero_point > 127)
    return not_handled(g, n, "a zero point is outside int8");
  for (int64_t zp : w.quant.zero_point)
    if (zp != 0) return not_handled(g, n, "oneDNN takes symmetric int8 weights only");
  const size_t scales = w.quant.scale.size();
  if (scales != 1 && static_cast<int64_t>(scales) != out_channels)
    return not_handled(g, n, "the weight scales do not match the output channels");
  for (size_t c = 0; c < scales; ++c) {
    const double s = static_cast<double>(q.x.scale) * w.quant.scale[c] / q.y.scale;
    // A float multiplier loses nothing a trained model's scales need; 0, infinities and
    // subnormals are left to the kernels that compute in double or fixed point.
    if (!(s >= 1e-30 && s < 1e30) || !(w.quant.scale[c] > 0))
      return not_handled(g, n, "a requantization scale outside float's normal range");
    q.weight_scales.push_back(static_cast<float>(s));
  }
  return q;
}

// Depthwise: one group per channel and one output per group (multiplier 1).
bool is_depthwise(const ConvGeometry& geo) {
  return geo.in_c == geo.out_c && geo.depth_multiplier == 1 &&
         (geo.weights == WeightsLayout::k1HWO || (geo.groups > 1 && geo.groups == geo.in_c));
}

// The node's geometry once channels-last (TFLite's as imported; ONNX's after the layout pass):
// group 1, or depthwise.
Result<ConvGeometry> taken_geometry(const Node& n, const Graph& g) {
  OUTPOST_ASSIGN_OR_RETURN(const ConvGeometry geo, channels_last_conv_geometry(n, g));
  const bool group1 = geo.weights != WeightsLayout::k1HWO && geo.groups == 1;
  if (!group1 && !is_depthwise(geo))
    return not_handled(g, n, "grouped int8 convolutions run on XNNPACK");
  return geo;
}

}  // namespace

bool takes_int8_conv(const Node& n, const Graph& g) {
  if (!cpu_has_vnni() || input_of(g, n, 0).dtype != DType::kInt8) return false;
  int64_t out_channels = 0;
  if (is_channels_last(n)) {
    auto geo = taken_geometry(n, g);
    if (!geo.is_ok()) return false;
    out_channels = geo->out_c;
  } else {  // ONNX's, which the layout pass makes channels-last for the backend that takes it
    auto conv = onnx_conv2d(g, n);
    const bool depthwise =
        conv.is_ok() && conv->group > 1 && conv->group == conv->in_channels &&
        conv->in_channels == conv->out_channels;
    if (!conv.is_ok() || (conv->group != 1 && !depthwise) ||
        n.attrs.get_string("weights_layout", "OIHW") != "OIHW")
      return false;
    out_channels = conv->out_channels;
  }
  return int8_operands(g, n, out_channels).is_ok();
}

Result<std::unique_ptr<Kernel>> make_int8_conv(const Node& n, const Graph& g,
                                               const OnednnBackend::State& state) {
  if (!cpu_has_vnni()) return not_handled(g, n, "int8 convolutions need VNNI on oneDNN");
  if (!is_channels_last(n))
    return not_handled(g, n, "oneDNN runs convolutions channels-last (the layout pass makes them so)");
  OUTPOST_ASSIGN_OR_RETURN(const ConvGeometry geo, taken_geometry(n, g));
  const bool depthwise = is_depthwise(geo);
  OUTPOST_ASSIGN_OR_RETURN(const Int8Operands q, int8_operands(g, n, geo.out_c));
  const Value& w = input_of(g, n, 1);
  const bool has_bias = has_input(n, 2);
  try {
    const memory::dims x_dims{geo.batch, geo.in_c, geo.in_h, geo.in_w};
    const memory::dims y_dims{geo.batch, geo.out_c, geo.out_h, geo.out_w};
    // Depthwise weights are grouped, [channels, 1, 1, KH, KW] logically.
    const memory::dims w_dims =
        depthwise ? memory::dims{geo.out_c, 1, 1, geo.kernel_h, geo.kernel_w}
                  : memory::dims{geo.out_c, geo.in_c, geo.kernel_h, geo.kernel_w};
    const memory::desc nhwc_src(x_dims, Dt::s8, Tag::nhwc);
    const memory::desc nhwc_dst(y_dims, Dt::s8, Tag::nhwc);
    const memory::desc w_any(w_dims, Dt::s8, Tag::any);
    const memory::desc b_md({geo.out_c}, Dt::s32, Tag::a);
    const memory::dims strides{geo.stride_h, geo.stride_w};
    const memory::dims dilates{geo.dilation_h - 1, geo.dilation_w - 1};
    const memory::dims pad_l{geo.pad_top, geo.pad_left};
    const memory::dims pad_r{geo.pad_bottom, geo.pad_right};
    const auto desc = inference_conv_desc(nhwc_src, w_any, b_md, has_bias, nhwc_dst, strides,
                                          dilates, pad_l, pad_r);
    omp_set_num_threads(state.threads);  // the JIT kernels split their work for this count
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    // One multiplier per output channel (dimension 1 of the output), or one for all.
    attr.set_output_scales(q.weight_scales.size() > 1 ? 1 << 1 : 0, q.weight_scales);
    attr.set_zero_points(DNNL_ARG_SRC, 0, {q.x.zero_point});
    attr.set_zero_points(DNNL_ARG_DST, 0, {q.y.zero_point});
    // The fused activation clamps the scaled sum before the output zero point is added.
    if (q.act.min > -128 || q.act.max < 127) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip,
                         static_cast<float>(q.act.min - q.y.zero_point),
                         static_cast<float>(q.act.max - q.y.zero_point));
      attr.set_post_ops(ops);
    }
    dnnl::convolution_forward::primitive_desc pd(desc, attr, state.engine);
    state.scratchpad.need(pd.scratchpad_desc().get_size());

    // As stored: TFLite's OHWI, or 1HWO depthwise ([KH, KW, C]: hwigo with i and o of 1);
    // ONNX's OIHW ([C, 1, KH, KW] depthwise: goihw).
    const Tag w_tag = geo.weights == WeightsLayout::k1HWO  ? Tag::hwigo
                      : geo.weights == WeightsLayout::kOHWI ? Tag::ohwi
                      : depthwise                           ? Tag::goihw
                                                            : Tag::oihw;
    return make_conv_kernel(state, std::move(pd), nhwc_src, nhwc_dst, {w_dims, Dt::s8, w_tag},
                            w.constant_as<int8_t>(), b_md,
                            has_bias ? input_of(g, n, 2).constant_as<int32_t>() : nullptr);
  } catch (const dnnl::error& e) {
    return not_handled(g, n, std::string("oneDNN refuses it (") + e.what() + ")");
  }
}

}  // namespace outpost::onednn
