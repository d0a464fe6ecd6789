// Conformance cases of the builtins the TFLite importer translated before its rules: the
// convolutions, pools, fully connected layers, elementwise arithmetic, activations, softmax,
// concatenation, reshape, mean, pad, resize, depth-to-space and (de)quantization, in float32
// and in the quantized forms TFLite's converter writes (uint8 per tensor; int8 with per-channel
// weights and int32 bias).
#include <cstdint>
#include <vector>

#include "conformance/tflite_case_model.h"

namespace outpost::testing::conformance {
namespace {

// Deterministic constant data.
std::vector<float> float_weights(size_t n) {
  std::vector<float> w(n);
  for (size_t i = 0; i < n; ++i) w[i] = static_cast<float>((i * 7) % 13) / 12.0f - 0.5f;
  return w;
}
std::vector<uint8_t> byte_weights(size_t n, int lo, int hi) {
  std::vector<uint8_t> w(n);
  for (size_t i = 0; i < n; ++i)
    w[i] = static_cast<uint8_t>(lo + static_cast<int>((i * 37) % static_cast<size_t>(hi - lo + 1)));
  return w;
}
std::vector<uint8_t> int32_bias(size_t n) {
  std::vector<int32_t> b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<int32_t>(i * 97) - 150;
  return bytes_of(b);
}

// The parameters of one quantized-convolution case: x, weights (per tensor, or per output
// channel along `w_dim`), y.
struct ConvQuant {
  Quant x, y;
  std::vector<float> w_scales;
  int64_t w_zero_point;
  int32_t w_dim;
};

ConvQuant conv_quant(int8_t t, size_t channels, int32_t w_dim) {
  if (t == kU8) return {{0.05f, 128}, {0.1f, 100}, {0.02f}, 120, 0};
  std::vector<float> scales;
  for (size_t c = 0; c < channels; ++c) scales.push_back(0.01f + 0.005f * static_cast<float>(c));
  return {{0.05f, -3}, {0.1f, 5}, scales, 0, w_dim};
}

// Weights of `shape` (`count` values) in `t`, quantized as `q` says; their bias in int32 (or
// float for float32).
struct Weights {
  int w = -1, b = -1;
};
Weights weights(CaseModel& m, int8_t t, std::vector<int32_t> shape, size_t count, size_t channels,
                const ConvQuant& q) {
  if (t == kF32)
    return {m.floats(shape, float_weights(count)),
            m.floats({static_cast<int32_t>(channels)}, float_weights(channels))};
  Weights r;
  if (t == kU8) {
    r.w = m.raw(shape, kU8, {q.w_scales[0], q.w_zero_point}, byte_weights(count, 80, 170));
    r.b = m.raw({static_cast<int32_t>(channels)}, kI32, {q.x.scale * q.w_scales[0], 0},
                int32_bias(channels));
    return r;
  }
  r.w = m.per_channel(shape, kI8, q.w_scales, q.w_dim, byte_weights(count, -100, 100));
  std::vector<float> bias_scales;
  for (float s : q.w_scales) bias_scales.push_back(q.x.scale * s);
  r.b = m.per_channel({static_cast<int32_t>(channels)}, kI32, bias_scales, 0, int32_bias(channels));
  return r;
}

void convolution_cases(Cases& out) {
  struct Conv {
    const char* label;
    int same, stride, kernel, dilation, activation;
  };
  const Conv convs[] = {{"same_k3_s1", 1, 1, 3, 1, 0},      {"valid_k3_s2_relu", 0, 2, 3, 1, 1},
                        {"same_k1_s1_relu6", 1, 1, 1, 1, 3}, {"same_k3_s2", 1, 2, 3, 1, 0},
                        {"valid_k3_dilation_2", 0, 1, 3, 2, 0}};
  for (int8_t t : {kF32, kU8, kI8})
    for (const Conv& c : convs) {
      const int in = 7, ic = 3, oc = 4;
      const int reach = (c.kernel - 1) * c.dilation + 1;
      const int o = c.same ? (in + c.stride - 1) / c.stride : (in - reach) / c.stride + 1;
      {
        CaseModel m;
        const ConvQuant q = conv_quant(t, oc, 0);
        const int x = m.input({1, in, in, ic}, t, q.x);
        const Weights w = weights(m, t, {oc, c.kernel, c.kernel, ic},
                                  static_cast<size_t>(oc * c.kernel * c.kernel * ic), oc, q);
        m.op(CONV_2D, {x, w.w, w.b}, {m.output({1, o, o, oc}, t, q.y)}, kConv2DOptions,
             {{0, 1, c.same ? 0 : 1}, {1, 4, c.stride}, {2, 4, c.stride}, {3, 1, c.activation},
              {4, 4, c.dilation}, {5, 4, c.dilation}});
        out.push_back(m.done("CONV_2D", c.label, t));
      }
      {
        CaseModel m;
        const ConvQuant q = conv_quant(t, ic * 2, 3);
        const int x = m.input({1, in, in, ic}, t, q.x);
        const Weights w = weights(m, t, {1, c.kernel, c.kernel, ic * 2},
                                  static_cast<size_t>(c.kernel * c.kernel * ic * 2), ic * 2, q);
        m.op(DEPTHWISE_CONV_2D, {x, w.w, w.b}, {m.output({1, o, o, ic * 2}, t, q.y)},
             kDepthwiseConv2DOptions,
             {{0, 1, c.same ? 0 : 1}, {1, 4, c.stride}, {2, 4, c.stride}, {3, 4, 2},
              {4, 1, c.activation}, {5, 4, c.dilation}, {6, 4, c.dilation}});
        out.push_back(m.done("DEPTHWISE_CONV_2D", std::string(c.label) + "_multiplier_2", t));
      }
    }
  for (int8_t t : {kF32, kU8, kI8})
    for (int activation : {0, 1}) {
      CaseModel m;
      const ConvQuant q = conv_quant(t, 5, 0);
      const int x = m.input({2, 8}, t, q.x);
      const Weights w = weights(m, t, {5, 8}, 40, 5, q);
      m.op(FULLY_CONNECTED, {x, w.w, w.b}, {m.output({2, 5}, t, q.y)}, kFullyConnectedOptions,
           {{0, 1, activation}});
      out.push_back(m.done("FULLY_CONNECTED", activation ? "relu" : "plain", t));
    }
}

void pool_cases(Cases& out) {
  struct Pool {
    const char* label;
    int same, stride, filter;
  };
  for (int32_t code : {AVERAGE_POOL_2D, MAX_POOL_2D})
    for (int8_t t : {kF32, kU8, kI8})
      for (const Pool& p : {Pool{"valid_2x2_s2", 0, 2, 2}, Pool{"same_3x3_s1", 1, 1, 3},
                            Pool{"same_3x3_s2", 1, 2, 3}}) {
        CaseModel m;
        const Quant q = quant_of(t);
        const int in = 7;
        const int o = p.same ? (in + p.stride - 1) / p.stride : (in - p.filter) / p.stride + 1;
        const int x = m.input({1, in, in, 3}, t, q);
        m.op(code, {x}, {m.output({1, o, o, 3}, t, q)}, kPool2DOptions,
             {{0, 1, p.same ? 0 : 1}, {1, 4, p.stride}, {2, 4, p.stride}, {3, 4, p.filter},
              {4, 4, p.filter}});
        out.push_back(m.done(code == AVERAGE_POOL_2D ? "AVERAGE_POOL_2D" : "MAX_POOL_2D", p.label, t));
      }
}

// ADD, SUB, MUL, DIV: each input and the output with its own scale, as the converter writes.
void arithmetic_cases(Cases& out) {
  struct Arithmetic {
    int32_t code;
    const char* name;
    uint8_t options;
    std::vector<int8_t> types;
  };
  const Arithmetic ops[] = {{ADD, "ADD", kAddOptions, {kF32, kI32, kU8, kI8}},
                            {SUB, "SUB", kSubOptions, {kF32, kI32, kU8, kI8}},
                            {MUL, "MUL", kMulOptions, {kF32, kI32, kU8, kI8}},
                            {DIV, "DIV", kDivOptions, {kF32}}};
  for (const Arithmetic& a : ops)
    for (int8_t t : a.types)
      for (int broadcast : {0, 1})
        for (int activation : {0, 1}) {
          CaseModel m;
          const bool q8 = t == kU8 || t == kI8;
          const int64_t zp = t == kU8 ? 128 : 0;
          const Quant qa = q8 ? Quant{0.05f, zp} : Quant{}, qb = q8 ? Quant{0.03f, zp - 10} : Quant{};
          const Quant qy = q8 ? Quant{a.code == MUL ? 0.2f : 0.08f, zp + 3} : Quant{};
          const InputRange range = a.code == DIV ? InputRange{0.5, 3} : InputRange{NAN, NAN};
          const int x = m.input({2, 3, 4}, t, qa, range);
          const int y = m.input(broadcast ? std::vector<int32_t>{4} : std::vector<int32_t>{2, 3, 4}, t,
                                qb, range);
          m.op(a.code, {x, y}, {m.output({2, 3, 4}, t, qy)}, a.options, {{0, 1, activation}});
          out.push_back(m.done(a.name, std::string(broadcast ? "broadcast" : "same") +
                                           (activation ? "_relu" : ""),
                               t));
        }
}

// Activations with the output quantization TFLite requires of them.
void activation_cases(Cases& out) {
  struct Activation {
    int32_t code;
    const char* name;
    Quant u8_out, i8_out;  // scale 0: the input's
  };
  const Activation ops[] = {{LOGISTIC, "LOGISTIC", {1.0f / 256, 0}, {1.0f / 256, -128}},
                            {TANH, "TANH", {1.0f / 128, 128}, {1.0f / 128, 0}},
                            {HARD_SWISH, "HARD_SWISH", {0.03f, 20}, {0.03f, -100}},
                            {RELU, "RELU", {}, {}},
                            {RELU6, "RELU6", {}, {}},
                            {RELU_N1_TO_1, "RELU_N1_TO_1", {}, {}},
                            {RELU_0_TO_1, "RELU_0_TO_1", {0.005f, 0}, {0.005f, -120}}};
  for (const Activation& a : ops)
    for (int8_t t : {kF32, kU8, kI8}) {
      CaseModel m;
      const Quant q = quant_of(t);
      const Quant required = t == kU8 ? a.u8_out : a.i8_out;
      const Quant qy = t == kF32 ? Quant{} : required.scale != 0 ? required : q;
      const int x = m.input({2, 3, 4}, t, q, {-8, 8});
      m.op(a.code, {x}, {m.output({2, 3, 4}, t, qy)});
      out.push_back(m.done(a.name, "wide_range", t));
    }
  for (int8_t t : {kF32, kU8, kI8})
    for (float beta : {1.0f, 0.5f}) {
      CaseModel m;
      const Quant q = quant_of(t);
      const Quant qy = t == kU8 ? Quant{1.0f / 256, 0} : t == kI8 ? Quant{1.0f / 256, -128} : Quant{};
      const int x = m.input({2, 10}, t, q);
      m.op(SOFTMAX, {x}, {m.output({2, 10}, t, qy)}, kSoftmaxOptions, {{0, 4, float_bits(beta)}});
      out.push_back(m.done("SOFTMAX", beta == 1.0f ? "beta_1" : "beta_0.5", t));
    }
}

void tensor_cases(Cases& out) {
  for (int8_t t : {kF32, kU8, kI8})
    for (int32_t axis : {1, -1}) {
      CaseModel m;
      const Quant q = quant_of(t);
      // uint8 inputs of another scale are rescaled; TFLite's default path refuses that in int8.
      const Quant q2 = t == kU8 ? Quant{0.07f, q.zero_point + 4} : q;
      const int a = m.input({2, 3, 2}, t, q), b = m.input({2, 3, 2}, t, q2);
      const std::vector<int32_t> y = axis == 1 ? std::vector<int32_t>{2, 6, 2} : std::vector<int32_t>{2, 3, 4};
      m.op(CONCATENATION, {a, b}, {m.output(y, t, q)}, kConcatenationOptions, {{0, 4, axis}});
      out.push_back(m.done("CONCATENATION", "axis_" + std::to_string(axis), t));
    }
  for (int8_t t : {kF32, kI8}) {
    CaseModel m;
    const Quant q = quant_of(t);
    const int x = m.input({2, 3, 4}, t, q);
    const int shape = m.ints({2}, {4, 6});
    m.op(RESHAPE, {x, shape}, {m.output({4, 6}, t, q)});
    out.push_back(m.done("RESHAPE", "2x3x4_to_4x6", t));
  }
  for (int8_t t : {kF32, kU8, kI8}) {
    CaseModel m;
    const Quant q = quant_of(t);
    const Quant qy = t == kF32 ? Quant{} : Quant{0.03f, q.zero_point + 2};
    const int x = m.input({1, 4, 5, 3}, t, q);
    const int axes = m.ints({2}, {1, 2});
    m.op(MEAN, {x, axes}, {m.output({1, 1, 1, 3}, t, qy)}, kReducerOptions, {{0, 1, 1}});
    out.push_back(m.done("MEAN", "axes_1_2_keep", t));
  }
  for (int8_t t : {kF32, kU8, kI8}) {
    CaseModel m;
    const Quant q = quant_of(t);
    const int x = m.input({1, 2, 3, 2}, t, q);
    const int pads = m.ints({4, 2}, {0, 0, 1, 2, 0, 1, 0, 0});
    m.op(PAD, {x, pads}, {m.output({1, 5, 4, 2}, t, q)});
    out.push_back(m.done("PAD", "hw", t));
  }
  for (int8_t t : {kF32, kI8}) {
    CaseModel m;
    const Quant q = quant_of(t);
    const int x = m.input({1, 2, 3, 8}, t, q);
    m.op(DEPTH_TO_SPACE, {x}, {m.output({1, 4, 6, 2}, t, q)}, kDepthToSpaceOptions, {{0, 4, 2}});
    out.push_back(m.done("DEPTH_TO_SPACE", "block_2", t));
  }
  struct Resize {
    const char* label;
    int align_corners, half_pixel;
  };
  for (int8_t t : {kF32, kU8, kI8})
    for (const Resize& r : {Resize{"asymmetric", 0, 0}, Resize{"align_corners", 1, 0},
                            Resize{"half_pixel", 0, 1}}) {
      CaseModel m;
      const Quant q = quant_of(t);
      const int x = m.input({1, 3, 4, 2}, t, q);
      const int size = m.ints({2}, {5, 7});
      m.op(RESIZE_BILINEAR, {x, size}, {m.output({1, 5, 7, 2}, t, q)}, kResizeBilinearOptions,
           {{2, 1, r.align_corners}, {3, 1, r.half_pixel}});
      out.push_back(m.done("RESIZE_BILINEAR", r.label, t));
    }
  for (int8_t t : {kU8, kI8}) {
    CaseModel m;
    const int x = m.input({2, 6}, kF32);
    m.op(QUANTIZE, {x}, {m.output({2, 6}, t, quant_of(t))});
    out.push_back(m.done("QUANTIZE", "from_float32", t));
    CaseModel d;
    const int q = d.input({2, 6}, t, quant_of(t));
    d.op(DEQUANTIZE, {q}, {d.output({2, 6}, kF32)});
    out.push_back(d.done("DEQUANTIZE", "to_float32", t));
  }
  {
    CaseModel m;  // int8 -> int8 with another scale: TFLite's requantizing QUANTIZE
    const int x = m.input({2, 6}, kI8, {0.05f, -3});
    m.op(QUANTIZE, {x}, {m.output({2, 6}, kI8, {0.11f, 7})});
    out.push_back(m.done("QUANTIZE", "requantize", kI8));
  }
}

}  // namespace

void first_builtin_cases(Cases& out) {
  convolution_cases(out);
  pool_cases(out);
  arithmetic_cases(out);
  activation_cases(out);
  tensor_cases(out);
}

}  // namespace outpost::testing::conformance
