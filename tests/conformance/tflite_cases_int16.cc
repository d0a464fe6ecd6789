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
  for (size_t i = 0; i < n; ++i)
    w[i] = static_cast<uint8_t>(-100 + static_cast<int>((i * 37) % 201));
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
  for (size_t c = 0; c < channels; ++c)
    bias_scales.push_back(kX.scale * scales[per_channel ? c : 0]);
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
      const int x = m.input({4, 16}, kI16, kX);
      const Weights w = weights_16x8(m, {24, 16}, 384, 24, 0, per_channel != 0);
      m.op(FULLY_CONNECTED, {x, w.w, w.b}, {m.output({4, 24}, kI16, {0.01f, 0})},
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

// ADD and SUB with pot_scale_int16 left at its default (true) and scales that are not powers of
// two: TFLite runs the general path then too.
void default_options_cases(Cases& out) {
  for (int32_t code : {ADD, SUB}) {
    CaseModel m;
    const int x = m.input({2, 3, 4}, kI16, kX), y = m.input({2, 3, 4}, kI16, {0.00015f, 0});
    m.op(code, {x, y}, {m.output({2, 3, 4}, kI16, {0.0004f, 0})},
         code == ADD ? kAddOptions : kSubOptions, {{0, 1, 0}});
    out.push_back(m.done(code == ADD ? "ADD" : "SUB", "pot_scale_int16_default", kI16));
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

void pool_cases(Cases& out) {
  struct Pool {
    const char* label;
    int same, stride, filter;
  };
  for (int32_t code : {AVERAGE_POOL_2D, MAX_POOL_2D})
    for (const Pool& p : {Pool{"valid_2x2_s2", 0, 2, 2}, Pool{"same_3x3_s1", 1, 1, 3}}) {
      CaseModel m;
      const int in = 7;
      const int o = p.same ? (in + p.stride - 1) / p.stride : (in - p.filter) / p.stride + 1;
      const int x = m.input({1, in, in, 3}, kI16, kX);
      m.op(code, {x}, {m.output({1, o, o, 3}, kI16, kX)}, kPool2DOptions,
           {{0, 1, p.same ? 0 : 1}, {1, 4, p.stride}, {2, 4, p.stride}, {3, 4, p.filter},
            {4, 4, p.filter}});
      out.push_back(
          m.done(code == AVERAGE_POOL_2D ? "AVERAGE_POOL_2D" : "MAX_POOL_2D", p.label, kI16));
    }
}

// Activations, with the output quantization TFLite requires of int16 (1/32768 for the
// functions into [-1, 1] and [0, 1]).
void activation_cases(Cases& out) {
  struct Activation {
    int32_t code;
    const char* name;
    Quant y;
  };
  for (const Activation& a : {Activation{LOGISTIC, "LOGISTIC", {1.0f / 32768, 0}},
                              Activation{TANH, "TANH", {1.0f / 32768, 0}},
                              Activation{RELU, "RELU", {0.00025f, 0}},
                              Activation{RELU6, "RELU6", kX}}) {
    CaseModel m;
    const int x = m.input({2, 3, 4}, kI16, kX);
    m.op(a.code, {x}, {m.output({2, 3, 4}, kI16, a.y)});
    out.push_back(m.done(a.name, "wide_range", kI16));
  }
  for (float alpha : {0.1f, 2.0f}) {
    CaseModel m;
    const int x = m.input({2, 3, 4}, kI16, kX);
    m.op(LEAKY_RELU, {x}, {m.output({2, 3, 4}, kI16, {0.0003f, 0})}, kLeakyReluOptions,
         {{0, 4, float_bits(alpha)}});
    out.push_back(m.done("LEAKY_RELU", "alpha_" + std::to_string(alpha).substr(0, 3), kI16));
  }
  for (float beta : {1.0f, 0.5f}) {
    CaseModel m;
    const int x = m.input({2, 10}, kI16, kX);
    m.op(SOFTMAX, {x}, {m.output({2, 10}, kI16, {1.0f / 32768, 0})}, kSoftmaxOptions,
         {{0, 4, float_bits(beta)}});
    out.push_back(m.done("SOFTMAX", beta == 1.0f ? "beta_1" : "beta_0.5", kI16));
  }
  {
    CaseModel m;
    const int x = m.input({1, 4, 5, 3}, kI16, kX);
    const int axes = m.ints({2}, {1, 2});
    m.op(MEAN, {x, axes}, {m.output({1, 1, 1, 3}, kI16, {0.00013f, 0})}, kReducerOptions,
         {{0, 1, 1}});
    out.push_back(m.done("MEAN", "axes_1_2_keep", kI16));
  }
}

// Ops that move or compare stored values: every tensor with the activations' quantization.
// (TFLite's DEPTH_TO_SPACE, SPACE_TO_DEPTH and RELU_N1_TO_1 have no int16 kernel.)
void mover_cases(Cases& out) {
  auto one = [&](const char* op, const char* label, auto build) {
    CaseModel m;
    build(m);
    out.push_back(m.done(op, label, kI16));
  };
  one("RESHAPE", "2x3x4_to_4x6", [](CaseModel& m) {
    const int x = m.input({2, 3, 4}, kI16, kX);
    m.op(RESHAPE, {x, m.ints({2}, {4, 6})}, {m.output({4, 6}, kI16, kX)});
  });
  one("TRANSPOSE", "perm_021", [](CaseModel& m) {
    const int x = m.input({2, 3, 4}, kI16, kX);
    m.op(TRANSPOSE, {x, m.ints({3}, {0, 2, 1})}, {m.output({2, 4, 3}, kI16, kX)});
  });
  for (int32_t axis : {1, -1}) {
    CaseModel m;
    const int a = m.input({2, 3, 2}, kI16, kX), b = m.input({2, 3, 2}, kI16, kX);
    const std::vector<int32_t> y =
        axis == 1 ? std::vector<int32_t>{2, 6, 2} : std::vector<int32_t>{2, 3, 4};
    m.op(CONCATENATION, {a, b}, {m.output(y, kI16, kX)}, kConcatenationOptions, {{0, 4, axis}});
    out.push_back(m.done("CONCATENATION", "axis_" + std::to_string(axis), kI16));
  }
  one("SQUEEZE", "axis_0", [](CaseModel& m) {
    const int x = m.input({1, 3, 1, 2}, kI16, kX);
    m.op(SQUEEZE, {x}, {m.output({3, 1, 2}, kI16, kX)}, kSqueezeOptions, {}, {{0, {0}}});
  });
  one("EXPAND_DIMS", "axis_1", [](CaseModel& m) {
    const int x = m.input({3, 2}, kI16, kX);
    m.op(EXPAND_DIMS, {x, m.ints({}, {1})}, {m.output({3, 1, 2}, kI16, kX)});
  });
  one("SLICE", "size_minus_1", [](CaseModel& m) {
    const int x = m.input({3, 4, 5}, kI16, kX);
    m.op(SLICE, {x, m.ints({3}, {1, 0, 2}), m.ints({3}, {2, -1, 2})},
         {m.output({2, 4, 2}, kI16, kX)});
  });
  one("STRIDED_SLICE", "basic", [](CaseModel& m) {
    const int x = m.input({3, 4, 5}, kI16, kX);
    m.op(STRIDED_SLICE, {x, m.ints({3}, {0, 1, 0}), m.ints({3}, {3, 4, 5}), m.ints({3}, {1, 1, 2})},
         {m.output({3, 3, 3}, kI16, kX)}, kStridedSliceOptions, {{0, 4, 0}, {1, 4, 0}, {4, 4, 0}});
  });
  one("GATHER", "axis_1", [](CaseModel& m) {
    const int x = m.input({3, 4}, kI16, kX);
    m.op(GATHER, {x, m.ints({2}, {3, 1})}, {m.output({3, 2}, kI16, kX)}, kGatherOptions,
         {{0, 4, 1}});
  });
  one("PAD", "hw", [](CaseModel& m) {
    const int x = m.input({1, 2, 3, 2}, kI16, kX);
    m.op(PAD, {x, m.ints({4, 2}, {0, 0, 1, 2, 0, 1, 0, 0})}, {m.output({1, 5, 4, 2}, kI16, kX)});
  });
  one("SPLIT", "axis_1", [](CaseModel& m) {
    const int ax = m.ints({}, {1});
    const int x = m.input({2, 4, 6}, kI16, kX);
    m.op(SPLIT, {ax, x}, {m.output({2, 2, 6}, kI16, kX), m.output({2, 2, 6}, kI16, kX)},
         kSplitOptions, {{0, 4, 2}});
  });
  one("PACK", "axis_1", [](CaseModel& m) {
    const int x = m.input({2, 3}, kI16, kX), y = m.input({2, 3}, kI16, kX);
    m.op(PACK, {x, y}, {m.output({2, 2, 3}, kI16, kX)}, kPackOptions, {{0, 4, 2}, {1, 4, 1}});
  });
  one("TILE", "2x3", [](CaseModel& m) {
    const int x = m.input({2, 3}, kI16, kX);
    m.op(TILE, {x, m.ints({2}, {2, 3})}, {m.output({4, 9}, kI16, kX)});
  });
  for (int32_t code : {MAXIMUM, MINIMUM}) {
    CaseModel m;
    const int a = m.input({2, 3, 4}, kI16, kX), b = m.input({4}, kI16, kX);
    m.op(code, {a, b}, {m.output({2, 3, 4}, kI16, kX)});
    out.push_back(m.done(code == MAXIMUM ? "MAXIMUM" : "MINIMUM", "broadcast", kI16));
  }
}

// The other int16 forms: resize, mean and max over an axis, the 16x8 transpose convolution, and
// one Outpost refuses.
void other_cases(Cases& out) {
  auto one = [&](const char* op, const char* label, auto build) {
    CaseModel m;
    build(m);
    out.push_back(m.done(op, label, kI16));
  };
  one("RESIZE_BILINEAR", "asymmetric", [](CaseModel& m) {
    const int x = m.input({1, 3, 4, 2}, kI16, kX);
    m.op(RESIZE_BILINEAR, {x, m.ints({2}, {5, 7})}, {m.output({1, 5, 7, 2}, kI16, kX)},
         kResizeBilinearOptions, {{2, 1, 0}, {3, 1, 0}});
  });
  one("MEAN", "axis_2", [](CaseModel& m) {
    const int x = m.input({2, 3, 4}, kI16, kX);
    m.op(MEAN, {x, m.ints({1}, {2})}, {m.output({2, 3}, kI16, {0.00013f, 0})}, kReducerOptions,
         {{0, 1, 0}});
  });
  // TFLite has an int16 BATCH_MATMUL; Outpost refuses it by name (kept: it once ran through a
  // kernel that read the stored values as reals).
  one("BATCH_MATMUL", "refused", [](CaseModel& m) {
    const int a = m.input({2, 3}, kI16, kX), b = m.input({3, 4}, kI16, kX);
    m.op(BATCH_MATMUL, {a, b}, {m.output({2, 4}, kI16, {0.001f, 0})}, kBatchMatMulOptions, {});
  });
  one("REDUCE_MAX", "axis_2", [](CaseModel& m) {
    const int x = m.input({2, 3, 4}, kI16, kX);
    m.op(REDUCE_MAX, {x, m.ints({1}, {2})}, {m.output({2, 3}, kI16, kX)}, kReducerOptions,
         {{0, 1, 0}});
  });
  one("TRANSPOSE_CONV", "valid_k3_s1", [](CaseModel& m) {
    const int x = m.input({1, 3, 3, 2}, kI16, kX);
    const Weights w = weights_16x8(m, {4, 3, 3, 2}, 72, 4, 0);
    m.op(TRANSPOSE_CONV, {m.ints({4}, {1, 5, 5, 4}), w.w, x, w.b},
         {m.output({1, 5, 5, 4}, kI16, {0.004f, 0})}, kTransposeConvOptions,
         {{0, 1, 1}, {1, 4, 1}, {2, 4, 1}});
  });
}

}  // namespace

void int16_cases(Cases& out) {
  convolution_cases(out);
  arithmetic_cases(out);
  default_options_cases(out);
  quantize_cases(out);
  pool_cases(out);
  activation_cases(out);
  mover_cases(out);
  other_cases(out);
}

}  // namespace outpost::testing::conformance
