// Conformance cases of TFLite's 16x8 quantization, the form its converter writes with
// EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8: int16 activations quantized
// symmetrically (zero point 0), int8 weights (per output channel for convolutions, zero point 0)
// and int64 biases. Each op in the int16 forms TFLite has kernels for.
#include <cstdint>
#include <string>
#include <vector>

#include "conformance/tflite_case_model.h"

namespace outpost::testing::conformance {
namespace {

// The activations' quantization: symmetric, a scale that spreads [-6.5, 6.5] over int16.
constexpr Quant kX{0.0002f, 0};

std::vector<uint8_t> int8_weights(size_t n) {
  std::vector<uint8_t> w(n);
  for (size_t i = 0; i < n; ++i) w[i] = static_cast<uint8_t>(-100 + static_cast<int>((i * 37) % 201));
  return w;
}

std::vector<float> channel_scales(size_t channels) {
  std::vector<float> s;
  for (size_t c = 0; c < channels; ++c) s.push_back(0.01f + 0.005f * static_cast<float>(c));
  return s;
}

// Per-channel int8 weights along `dim` and their int64 bias (scale: input x weight scale).
struct Weights {
  int w = -1, b = -1;
};
Weights weights_16x8(CaseModel& m, std::vector<int32_t> shape, size_t count, size_t channels,
                     int32_t dim, bool per_channel = true) {
  std::vector<float> scales = per_channel ? channel_scales(channels) : std::vector<float>{0.02f};
  Weights r;
  r.w = m.per_channel(shape, kI8, scales, per_channel ? dim : 0, int8_weights(count));
  std::vector<int64_t> bias(channels);
  for (size_t c = 0; c < channels; ++c) bias[c] = static_cast<int64_t>(c * 9973) - 15000;
  std::vector<float> bias_scales;
  for (size_t c = 0; c < channels; ++c) bias_scales.push_back(kX.scale * scales[per_channel ? c : 0]);
  r.b = m.per_channel({static_cast<int32_t>(channels)}, kI64, bias_scales, 0, bytes_of(bias));
  return r;
}

void convolution_cases(Cases& out) {
  struct Conv {
    const char* label;
    int same, stride, kernel, dilation, activation;
  };
  const Quant y{0.004f, 0};
  for (const Conv& c : {Conv{"same_k3_s1", 1, 1, 3, 1, 0}, Conv{"valid_k3_s2_relu", 0, 2, 3, 1, 1},
                        Conv{"same_k1_s1_relu6", 1, 1, 1, 1, 3},
                        Conv{"valid_k3_dilation_2", 0, 1, 3, 2, 0}}) {
    const int in = 7, ic = 3, oc = 4;
    const int reach = (c.kernel - 1) * c.dilation + 1;
    const int o = c.same ? (in + c.stride - 1) / c.stride : (in - reach) / c.stride + 1;
    {
      CaseModel m;
      const int x = m.input({1, in, in, ic}, kI16, kX);
      const Weights w = weights_16x8(m, {oc, c.kernel, c.kernel, ic},
                                     static_cast<size_t>(oc * c.kernel * c.kernel * ic), oc, 0);
      m.op(CONV_2D, {x, w.w, w.b}, {m.output({1, o, o, oc}, kI16, y)}, kConv2DOptions,
           {{0, 1, c.same ? 0 : 1}, {1, 4, c.stride}, {2, 4, c.stride}, {3, 1, c.activation},
            {4, 4, c.dilation}, {5, 4, c.dilation}});
      out.push_back(m.done("CONV_2D", c.label, kI16));
    }
    {
      CaseModel m;
      const int x = m.input({1, in, in, ic}, kI16, kX);
      const Weights w = weights_16x8(m, {1, c.kernel, c.kernel, ic * 2},
                                     static_cast<size_t>(c.kernel * c.kernel * ic * 2), ic * 2, 3);
      m.op(DEPTHWISE_CONV_2D, {x, w.w, w.b}, {m.output({1, o, o, ic * 2}, kI16, y)},
           kDepthwiseConv2DOptions,
           {{0, 1, c.same ? 0 : 1}, {1, 4, c.stride}, {2, 4, c.stride}, {3, 4, 2},
            {4, 1, c.activation}, {5, 4, c.dilation}, {6, 4, c.dilation}});
      out.push_back(m.done("DEPTHWISE_CONV_2D", std::string(c.label) + "_multiplier_2", kI16));
    }
  }
  for (int per_channel : {0, 1})
    for (int activation : {0, 1}) {
      CaseModel m;
      const int x = m.input({2, 8}, kI16, kX);
      const Weights w = weights_16x8(m, {5, 8}, 40, 5, 0, per_channel != 0);
      m.op(FULLY_CONNECTED, {x, w.w, w.b}, {m.output({2, 5}, kI16, {0.003f, 0})},
           kFullyConnectedOptions, {{0, 1, activation}});
      out.push_back(m.done("FULLY_CONNECTED",
                           std::string(per_channel ? "per_channel" : "per_tensor") +
                               (activation ? "_relu" : ""),
                           kI16));
    }
}

// ADD, SUB (the general int16 path: pot_scale_int16 false, as the converter writes it) and MUL.
void arithmetic_cases(Cases& out) {
  struct Arithmetic {
    int32_t code;
    const char* name;
    uint8_t options;
    float y_scale;
  };
  for (const Arithmetic& a : {Arithmetic{ADD, "ADD", kAddOptions, 0.0004f},
                              Arithmetic{SUB, "SUB", kSubOptions, 0.0004f},
                              Arithmetic{MUL, "MUL", kMulOptions, 0.002f}})
    for (int broadcast : {0, 1})
      for (int activation : {0, 1}) {
        CaseModel m;
        const int x = m.input({2, 3, 4}, kI16, kX);
        const int y = m.input(broadcast ? std::vector<int32_t>{4} : std::vector<int32_t>{2, 3, 4},
                              kI16, {0.00015f, 0});
        std::vector<TfOptionField> fields = {{0, 1, activation}};
        if (a.code != MUL) fields.push_back({1, 1, 0});  // pot_scale_int16 false
        m.op(a.code, {x, y}, {m.output({2, 3, 4}, kI16, {a.y_scale, 0})}, a.options, fields);
        out.push_back(m.done(a.name, std::string(broadcast ? "broadcast" : "same") +
                                         (activation ? "_relu" : ""),
                             kI16));
      }
}

void quantize_cases(Cases& out) {
  {
    CaseModel m;
    const int x = m.input({2, 6}, kF32, {}, {-8, 8});
    m.op(QUANTIZE, {x}, {m.output({2, 6}, kI16, kX)});
    out.push_back(m.done("QUANTIZE", "from_float32", kI16));
  }
  {
    CaseModel m;
    const int x = m.input({2, 6}, kI16, kX);
    m.op(DEQUANTIZE, {x}, {m.output({2, 6}, kF32)});
    out.push_back(m.done("DEQUANTIZE", "to_float32", kI16));
  }
  {
    CaseModel m;  // int16 -> int16 with another scale
    const int x = m.input({2, 6}, kI16, kX);
    m.op(QUANTIZE, {x}, {m.output({2, 6}, kI16, {0.00031f, 0})});
    out.push_back(m.done("QUANTIZE", "requantize", kI16));
  }
  {
    CaseModel m;  // int16 -> int8
    const int x = m.input({2, 6}, kI16, kX);
    m.op(QUANTIZE, {x}, {m.output({2, 6}, kI8, {0.05f, -3})});
    out.push_back(m.done("QUANTIZE", "int16_to_int8", kI16));
  }
  {
    CaseModel m;  // int8 -> int16
    const int x = m.input({2, 6}, kI8, {0.05f, -3});
    m.op(QUANTIZE, {x}, {m.output({2, 6}, kI16, kX)});
    out.push_back(m.done("QUANTIZE", "int8_to_int16", kI16));
  }
}

}  // namespace

void int16_cases(Cases& out) {
  convolution_cases(out);
  arithmetic_cases(out);
  quantize_cases(out);
}

}  // namespace outpost::testing::conformance
