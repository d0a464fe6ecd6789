#include "conformance/tflite_cases.h"

#include <map>

#include "conformance/tflite_case_model.h"

namespace outpost::testing {
namespace {

using namespace conformance;  // NOLINT: the case files' shared vocabulary

const std::map<int32_t, std::string>& names() {
  static const std::map<int32_t, std::string> kNames = {
      {EXP, "EXP"}, {LOG, "LOG"}, {SQRT, "SQRT"}, {RSQRT, "RSQRT"}, {SQUARE, "SQUARE"},
      {ABS, "ABS"}, {NEG, "NEG"}, {SIN, "SIN"}, {COS, "COS"}, {FLOOR, "FLOOR"}, {CEIL, "CEIL"},
      {ROUND, "ROUND"}, {SIGN, "SIGN"}, {ELU, "ELU"}, {RELU_N1_TO_1, "RELU_N1_TO_1"},
      {RELU_0_TO_1, "RELU_0_TO_1"}, {LOG_SOFTMAX, "LOG_SOFTMAX"}, {LOGISTIC, "LOGISTIC"},
      {TANH, "TANH"}, {RELU, "RELU"}, {HARD_SWISH, "HARD_SWISH"}, {POW, "POW"},
      {SQUARED_DIFFERENCE, "SQUARED_DIFFERENCE"}, {MAXIMUM, "MAXIMUM"}, {MINIMUM, "MINIMUM"},
      {LESS, "LESS"}, {LESS_EQUAL, "LESS_EQUAL"}, {GREATER, "GREATER"},
      {GREATER_EQUAL, "GREATER_EQUAL"}, {EQUAL, "EQUAL"}, {NOT_EQUAL, "NOT_EQUAL"},
      {LOGICAL_AND, "LOGICAL_AND"}, {LOGICAL_OR, "LOGICAL_OR"}, {LOGICAL_NOT, "LOGICAL_NOT"},
      {SUM, "SUM"}, {REDUCE_MAX, "REDUCE_MAX"}, {REDUCE_MIN, "REDUCE_MIN"},
      {REDUCE_PROD, "REDUCE_PROD"}, {ARG_MAX, "ARG_MAX"}, {ARG_MIN, "ARG_MIN"},
  };
  return kNames;
}
const std::string& name(int32_t code) { return names().at(code); }


// ---- elementwise

void unary_cases(Cases& out) {
  struct Unary {
    int32_t code;
    InputRange range;
    std::vector<int8_t> types;
  };
  const InputRange any{-3, 3}, positive{0.1, 5};
  const Unary ops[] = {
      {EXP, any, {kF32}},           {LOG, positive, {kF32}},     {SQRT, positive, {kF32}},
      {RSQRT, positive, {kF32}},    {SQUARE, any, {kF32}}, {ABS, any, {kF32, kI32}},
      {NEG, any, {kF32, kI32}},     {SIN, any, {kF32}},          {COS, any, {kF32}},
      {FLOOR, any, {kF32}},         {CEIL, any, {kF32}},         {ROUND, any, {kF32}},
      {SIGN, any, {kF32, kI32}},    {ELU, any, {kF32}},          {RELU_N1_TO_1, any, {kF32}},
      {RELU_0_TO_1, any, {kF32}},   {LOG_SOFTMAX, any, {kF32}},  {LOGISTIC, any, {kF32}},
      {TANH, any, {kF32}},          {RELU, any, {kF32}},         {HARD_SWISH, any, {kF32}},
  };
  for (const Unary& u : ops)
    for (int8_t t : u.types) {
      CaseModel m;
      const int x = m.input({2, 3, 4}, t, {}, t == kF32 ? u.range : InputRange{NAN, NAN});
      m.op(u.code, {x}, {m.output({2, 3, 4}, t)});
      out.push_back(m.done(name(u.code), "2x3x4", t));
    }
  // ROUND on exact halves: TFLite rounds them to even.
  {
    CaseModel m;
    const int x = m.floats({6}, {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f});
    m.op(ROUND, {x}, {m.output({6}, kF32)});
    out.push_back(m.done("ROUND", "halves", kF32));
  }
  for (int approximate : {0, 1}) {
    CaseModel m;
    const int x = m.input({2, 8}, kF32);
    m.op(GELU, {x}, {m.output({2, 8}, kF32)}, kGeluOptions, {{0, 1, approximate}});
    out.push_back(m.done("GELU", approximate ? "approximate" : "exact", kF32));
  }
  for (float alpha : {0.1f, 2.0f}) {
    CaseModel m;
    const int x = m.input({2, 3, 4}, kF32);
    m.op(LEAKY_RELU, {x}, {m.output({2, 3, 4}, kF32)}, kLeakyReluOptions,
         {{0, 4, float_bits(alpha)}});
    out.push_back(m.done("LEAKY_RELU", "alpha_" + std::to_string(alpha).substr(0, 3), kF32));
  }
  {
    CaseModel m;
    const int x = m.input({1, 2, 2, 3}, kF32);
    const int alpha = m.floats({3}, {0.1f, -0.5f, 2.0f});
    m.op(PRELU, {x, alpha}, {m.output({1, 2, 2, 3}, kF32)});
    out.push_back(m.done("PRELU", "per_channel_alpha", kF32));
  }
  for (int8_t t : {kU8, kI8}) {
    const Quant q = quant_of(t), qy = {0.04f, q.zero_point + 5};
    for (float alpha : {0.1f, 2.0f}) {
      CaseModel m;
      const int x = m.input({2, 3, 4}, t, q);
      m.op(LEAKY_RELU, {x}, {m.output({2, 3, 4}, t, qy)}, kLeakyReluOptions,
           {{0, 4, float_bits(alpha)}});
      out.push_back(m.done("LEAKY_RELU", "alpha_" + std::to_string(alpha).substr(0, 3), t));
    }
    CaseModel m;
    const int x = m.input({1, 2, 2, 3}, t, q);
    const Quant qa = {0.02f, t == kU8 ? 50 : -20};
    const int alpha = m.raw({3}, t, qa, t == kU8 ? std::vector<uint8_t>{55, 30, 200}
                                                 : std::vector<uint8_t>{5, 226, 100});
    m.op(PRELU, {x, alpha}, {m.output({1, 2, 2, 3}, t, qy)});
    out.push_back(m.done("PRELU", "per_channel_alpha", t));
  }
  for (int8_t t : {kBool}) {
    CaseModel m;
    const int x = m.input({2, 5}, t);
    m.op(LOGICAL_NOT, {x}, {m.output({2, 5}, t)});
    out.push_back(m.done("LOGICAL_NOT", "2x5", t));
  }
}

void binary_cases(Cases& out) {
  struct Binary {
    int32_t code;
    std::vector<int8_t> types;
    bool gives_bool;
  };
  const Binary ops[] = {
      {POW, {kF32, kI32}, false},      {SQUARED_DIFFERENCE, {kF32}, false},
      {MAXIMUM, {kF32, kI32, kU8, kI8}, false}, {MINIMUM, {kF32, kI32, kU8, kI8}, false},
      {LESS, {kF32, kI32, kU8, kI8}, true},     {LESS_EQUAL, {kF32, kI32, kI8}, true},
      {GREATER, {kF32, kI32, kU8, kI8}, true},  {GREATER_EQUAL, {kF32, kI32, kI8}, true},
      {EQUAL, {kI32, kI8, kBool}, true},        {NOT_EQUAL, {kI32, kU8, kBool}, true},
      {LOGICAL_AND, {kBool}, true},             {LOGICAL_OR, {kBool}, true},
  };
  struct Shapes {
    const char* label;
    std::vector<int32_t> a, b, y;
  };
  const Shapes shapes[] = {{"same_2x3x4", {2, 3, 4}, {2, 3, 4}, {2, 3, 4}},
                           {"broadcast_2x3x4_4", {2, 3, 4}, {4}, {2, 3, 4}},
                           {"broadcast_2x1x4_3x1", {2, 1, 4}, {3, 1}, {2, 3, 4}}};
  for (const Binary& b : ops)
    for (int8_t t : b.types)
      for (const Shapes& s : shapes) {
        CaseModel m;
        const Quant q = quant_of(t);
        InputRange r{NAN, NAN};
        if (b.code == POW) r = t == kF32 ? InputRange{0.2, 3} : InputRange{0, 4};
        if ((b.code == EQUAL || b.code == NOT_EQUAL) && t != kBool) r = {0, 3};  // equal often
        // Comparisons of 8-bit tensors also meet two scales and zero points, and a scale small
        // enough to round neighbouring values together.
        const bool compares = b.gives_bool && (t == kU8 || t == kI8);
        const Quant q2 = compares && s.label[0] == 'b' ? Quant{0.003f, q.zero_point + 1} : q;
        const int x = m.input(s.a, t, q, r), y = m.input(s.b, t, q2, r);
        m.op(b.code, {x, y}, {m.output(s.y, b.gives_bool ? int8_t{kBool} : t, b.gives_bool ? Quant{} : q)});
        out.push_back(m.done(name(b.code), s.label, t));
      }
}

// FLOOR_DIV and FLOOR_MOD over divisors of both signs (constants: never zero).
void floor_division_cases(Cases& out) {
  for (int32_t code : {FLOOR_DIV, FLOOR_MOD})
    for (int8_t t : {kF32, kI32}) {
      CaseModel m;
      const int x = m.input({2, 3, 4}, t, {}, {-20, 20});
      const int divisor = t == kF32 ? m.floats({4}, {2.5f, -1.5f, 0.7f, -3.0f})
                                    : m.ints({4}, {3, -2, 5, -7});
      m.op(code, {x, divisor}, {m.output({2, 3, 4}, t)});
      out.push_back(m.done(code == FLOOR_DIV ? "FLOOR_DIV" : "FLOOR_MOD", "signed_divisors", t));
    }
}

void select_cases(Cases& out) {
  for (int8_t t : {kF32, kI32, kI8}) {
    const Quant q = quant_of(t);
    {
      CaseModel m;
      const int c = m.input({2, 3}, kBool), x = m.input({2, 3}, t, q), y = m.input({2, 3}, t, q);
      m.op(SELECT, {c, x, y}, {m.output({2, 3}, t, q)});
      out.push_back(m.done("SELECT", "same_shapes", t));
    }
    {
      CaseModel m;  // SELECT's vector condition picks whole rows
      const int c = m.input({2}, kBool), x = m.input({2, 3}, t, q), y = m.input({2, 3}, t, q);
      m.op(SELECT, {c, x, y}, {m.output({2, 3}, t, q)});
      out.push_back(m.done("SELECT", "row_condition", t));
    }
    {
      CaseModel m;
      const int c = m.input({3}, kBool), x = m.input({2, 3}, t, q), y = m.input({1}, t, q);
      m.op(SELECT_V2, {c, x, y}, {m.output({2, 3}, t, q)});
      out.push_back(m.done("SELECT_V2", "broadcast", t));
    }
  }
  for (int8_t t : {kF32, kI32}) {
    CaseModel m;
    const int a = m.input({2, 3}, t), b = m.input({2, 3}, t), c = m.input({2, 3}, t);
    m.op(ADD_N, {a, b, c}, {m.output({2, 3}, t)});
    out.push_back(m.done("ADD_N", "three", t));
  }
}

// ---- reductions

void reduce_cases(Cases& out) {
  struct Reduce {
    int32_t code;
    std::vector<int8_t> types;
  };
  const Reduce ops[] = {{SUM, {kF32, kI32}},
                        {REDUCE_MAX, {kF32, kI32, kU8, kI8}},
                        {REDUCE_MIN, {kF32, kI32, kI8}},
                        {REDUCE_PROD, {kF32}}};
  struct Axes {
    const char* label;
    std::vector<int32_t> axes;
    std::vector<int32_t> kept, dropped;  // output shapes of [2, 3, 4]
  };
  const Axes axes[] = {{"axis_1", {1}, {2, 1, 4}, {2, 4}},
                       {"axes_0_2", {0, 2}, {1, 3, 1}, {3}},
                       {"axis_minus_1", {-1}, {2, 3, 1}, {2, 3}},
                       {"all", {0, 1, 2}, {1, 1, 1}, {}}};
  for (const Reduce& r : ops)
    for (int8_t t : r.types)
      for (const Axes& a : axes)
        for (int keep : {0, 1}) {
          CaseModel m;
          const Quant q = quant_of(t);
          const InputRange range = r.code == REDUCE_PROD ? InputRange{0.5, 1.5} : InputRange{NAN, NAN};
          const int x = m.input({2, 3, 4}, t, q, range);
          const int ax = m.ints({static_cast<int32_t>(a.axes.size())}, a.axes);
          m.op(r.code, {x, ax}, {m.output(keep ? a.kept : a.dropped, t, q)}, kReducerOptions,
               {{0, 1, keep}});
          out.push_back(m.done(name(r.code), std::string(a.label) + (keep ? "_keep" : ""), t));
        }
  for (int32_t code : {ARG_MAX, ARG_MIN})
    for (int8_t t : {kF32, kI32, kU8, kI8})
      for (int8_t index : {kI64, kI32})
        for (int32_t axis : {1, -1}) {
          CaseModel m;
          const int x = m.input({2, 3, 4}, t, quant_of(t));
          const int ax = m.ints({1}, {axis});
          const std::vector<int32_t> y = axis == 1 ? std::vector<int32_t>{2, 4}
                                                   : std::vector<int32_t>{2, 3};
          m.op(code, {x, ax}, {m.output(y, index)}, code == ARG_MAX ? kArgMaxOptions : kArgMinOptions,
               {{0, 1, index}});
          out.push_back(m.done(name(code),
                               "axis_" + std::to_string(axis) + "_to_" + (index == kI64 ? "int64" : "int32"), t));
        }
  for (int32_t axis : {1, 0}) {
    for (int flags = 0; flags < 4; ++flags) {
      CaseModel m;
      const int x = m.input({3, 4}, kF32);
      const int ax = m.ints({}, {axis});
      m.op(CUMSUM, {x, ax}, {m.output({3, 4}, kF32)}, kCumsumOptions,
           {{0, 1, flags & 1}, {1, 1, (flags >> 1) & 1}});
      out.push_back(m.done("CUMSUM", "axis_" + std::to_string(axis) + (flags & 1 ? "_exclusive" : "") +
                                         (flags & 2 ? "_reverse" : ""),
                           kF32));
    }
  }
}

// ---- matrix products and normalizations

void matmul_cases(Cases& out) {
  struct MatMul {
    const char* label;
    std::vector<int32_t> a, b, y;
    int adj_x, adj_y;
  };
  const MatMul cases[] = {{"2x3x4_2x4x5", {2, 3, 4}, {2, 4, 5}, {2, 3, 5}, 0, 0},
                          {"adj_x", {2, 4, 3}, {2, 4, 5}, {2, 3, 5}, 1, 0},
                          {"adj_y", {2, 3, 4}, {2, 5, 4}, {2, 3, 5}, 0, 1},
                          {"broadcast_3x4_2x4x5", {3, 4}, {2, 4, 5}, {2, 3, 5}, 0, 0},
                          {"broadcast_batch_2x1x3x4_3x4x2", {2, 1, 3, 4}, {3, 4, 2}, {2, 3, 3, 2}, 0, 0}};
  for (int8_t t : {kF32, kI8})
    for (const MatMul& c : cases) {
      CaseModel m;
      // int8 as the converter writes it: both operands per tensor, the output rescaled.
      const Quant qa = t == kI8 ? Quant{0.05f, -3} : Quant{}, qb = t == kI8 ? Quant{0.04f, 0} : Quant{};
      const Quant qy = t == kI8 ? Quant{0.3f, 2} : Quant{};
      const int a = m.input(c.a, t, qa), b = m.input(c.b, t, qb);
      m.op(BATCH_MATMUL, {a, b}, {m.output(c.y, t, qy)}, kBatchMatMulOptions,
           {{0, 1, c.adj_x}, {1, 1, c.adj_y}});
      out.push_back(m.done("BATCH_MATMUL", c.label, t));
    }
  {
    CaseModel m;
    const int x = m.input({1, 2, 2, 8}, kF32);
    m.op(L2_NORMALIZATION, {x}, {m.output({1, 2, 2, 8}, kF32)}, kL2NormOptions, {{0, 1, 0}});
    out.push_back(m.done("L2_NORMALIZATION", "1x2x2x8", kF32));
  }
  {
    CaseModel m;  // the epsilon bound: a row of zeros
    const int x = m.input({3, 4}, kF32, {}, {0, 0});
    m.op(L2_NORMALIZATION, {x}, {m.output({3, 4}, kF32)}, kL2NormOptions, {{0, 1, 0}});
    out.push_back(m.done("L2_NORMALIZATION", "zeros", kF32));
  }
  struct Lrn {
    int radius;
    float bias, alpha, beta;
  };
  for (const Lrn& p : {Lrn{2, 1.0f, 0.5f, 0.75f}, Lrn{1, 2.0f, 0.1f, 0.5f}, Lrn{5, 1.0f, 1e-4f, 0.75f}}) {
    CaseModel m;
    const int x = m.input({1, 3, 3, 6}, kF32);
    m.op(LOCAL_RESPONSE_NORMALIZATION, {x}, {m.output({1, 3, 3, 6}, kF32)}, kLrnOptions,
         {{0, 4, p.radius}, {1, 4, float_bits(p.bias)}, {2, 4, float_bits(p.alpha)},
          {3, 4, float_bits(p.beta)}});
    out.push_back(m.done("LOCAL_RESPONSE_NORMALIZATION", "radius_" + std::to_string(p.radius), kF32));
  }
}

void transpose_conv_cases(Cases& out) {
  struct TransposeConv {
    const char* label;
    int same, stride, kernel;
    std::vector<int32_t> in, out;  // height, width
    bool bias;
    int activation;
  };
  const TransposeConv cases[] = {
      {"same_stride_2_k3", 1, 2, 3, {4, 3}, {8, 6}, true, 0},
      {"same_stride_2_k2_relu", 1, 2, 2, {3, 3}, {6, 6}, true, 1},
      {"same_stride_2_k1", 1, 2, 1, {3, 2}, {6, 4}, true, 0},
      {"same_stride_2_k3_odd_output", 1, 2, 3, {4, 4}, {7, 8}, true, 0},
      {"valid_stride_2_k3", 0, 2, 3, {4, 4}, {9, 9}, true, 0},
      {"valid_stride_2_k3_past_natural", 0, 2, 3, {4, 4}, {10, 10}, false, 0},
      {"same_stride_1_k3_relu6", 1, 1, 3, {5, 4}, {5, 4}, true, 3}};
  // int8: per-channel symmetric weights, an int32 bias at input_scale * weight_scale[c].
  const Quant qx{0.05f, -3}, qy{0.1f, 5};
  const std::vector<float> w_scales = {0.01f, 0.015f, 0.02f, 0.025f};
  for (int8_t t : {kF32, kI8})
    for (const TransposeConv& c : cases) {
      CaseModel m;
      const int shape = m.ints({4}, {1, c.out[0], c.out[1], 4});
      const size_t count = static_cast<size_t>(4 * c.kernel * c.kernel * 3);
      const std::vector<int32_t> w_shape = {4, c.kernel, c.kernel, 3};
      int weights, bias = -1;
      if (t == kF32) {
        std::vector<float> w(count);
        for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>((i * 5) % 9) / 8.0f - 0.5f;
        weights = m.floats(w_shape, w);
        if (c.bias) bias = m.floats({4}, {0.5f, -0.25f, 0.0f, 1.0f});
      } else {
        std::vector<uint8_t> w(count);
        for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<uint8_t>(static_cast<int>((i * 37) % 201) - 100);
        weights = m.per_channel(w_shape, kI8, w_scales, 0, w);
        std::vector<float> bias_scales;
        for (float s : w_scales) bias_scales.push_back(qx.scale * s);
        if (c.bias)
          bias = m.per_channel({4}, kI32, bias_scales, 0, bytes_of(std::vector<int32_t>{400, -250, 0, 900}));
      }
      const int x = m.input({1, c.in[0], c.in[1], 3}, t, t == kI8 ? qx : Quant{});
      std::vector<int32_t> inputs = {shape, weights, x};
      if (bias >= 0) inputs.push_back(bias);
      m.op(TRANSPOSE_CONV, inputs, {m.output({1, c.out[0], c.out[1], 4}, t, t == kI8 ? qy : Quant{})},
           kTransposeConvOptions,
           {{0, 1, c.same ? 0 : 1}, {1, 4, c.stride}, {2, 4, c.stride}, {3, 1, c.activation}});
      out.push_back(m.done("TRANSPOSE_CONV", c.label, t));
    }
}

// ---- moving and indexing

void layout_cases(Cases& out) {
  for (int8_t t : {kF32, kI32, kU8, kI8, kBool}) {
    const Quant q = quant_of(t);
    {
      CaseModel m;
      const int x = m.input({2, 3, 4, 5}, t, q);
      const int perm = m.ints({4}, {0, 2, 1, 3});
      m.op(TRANSPOSE, {x, perm}, {m.output({2, 4, 3, 5}, t, q)});
      out.push_back(m.done("TRANSPOSE", "perm_0213", t));
    }
    {
      CaseModel m;
      const int x = m.input({2, 3, 4}, t, q);
      const int perm = m.ints({3}, {2, 0, 1});
      m.op(TRANSPOSE, {x, perm}, {m.output({4, 2, 3}, t, q)});
      out.push_back(m.done("TRANSPOSE", "perm_201", t));
    }
  }
  for (int8_t t : {kF32, kU8, kI8}) {
    const Quant q = quant_of(t);
    {
      CaseModel m;
      const int x = m.input({1, 4, 6, 3}, t, q);
      m.op(SPACE_TO_DEPTH, {x}, {m.output({1, 2, 3, 12}, t, q)}, kSpaceToDepthOptions, {{0, 4, 2}});
      out.push_back(m.done("SPACE_TO_DEPTH", "block_2", t));
    }
    {
      CaseModel m;
      const int x = m.input({1, 4, 4, 1}, t, q);
      const int block = m.ints({2}, {2, 2}), pads = m.ints({2, 2}, {0, 0, 0, 0});
      m.op(SPACE_TO_BATCH_ND, {x, block, pads}, {m.output({4, 2, 2, 1}, t, q)});
      out.push_back(m.done("SPACE_TO_BATCH_ND", "block_2x2", t));
    }
    {
      CaseModel m;
      const int x = m.input({2, 3, 5, 2}, t, q);
      const int block = m.ints({2}, {2, 3}), pads = m.ints({2, 2}, {1, 0, 0, 1});
      m.op(SPACE_TO_BATCH_ND, {x, block, pads}, {m.output({12, 2, 2, 2}, t, q)});
      out.push_back(m.done("SPACE_TO_BATCH_ND", "block_2x3_padded", t));
    }
    {
      CaseModel m;
      const int x = m.input({4, 2, 2, 1}, t, q);
      const int block = m.ints({2}, {2, 2}), crops = m.ints({2, 2}, {0, 0, 0, 0});
      m.op(BATCH_TO_SPACE_ND, {x, block, crops}, {m.output({1, 4, 4, 1}, t, q)});
      out.push_back(m.done("BATCH_TO_SPACE_ND", "block_2x2", t));
    }
    {
      CaseModel m;
      const int x = m.input({12, 2, 2, 2}, t, q);
      const int block = m.ints({2}, {2, 3}), crops = m.ints({2, 2}, {1, 0, 0, 1});
      m.op(BATCH_TO_SPACE_ND, {x, block, crops}, {m.output({2, 3, 5, 2}, t, q)});
      out.push_back(m.done("BATCH_TO_SPACE_ND", "block_2x3_cropped", t));
    }
  }
}

void gather_cases(Cases& out) {
  for (int8_t t : {kF32, kI32, kU8, kI8}) {
    const Quant q = quant_of(t);
    for (int32_t axis : {0, 1, -1}) {
      CaseModel m;
      const int x = m.input({3, 4, 5}, t, q);
      const int extent = axis == 0 ? 3 : axis == 1 ? 4 : 5;
      const int idx = m.ints({2, 2}, {0, extent - 1, 1, 0});
      std::vector<int32_t> y = axis == 0   ? std::vector<int32_t>{2, 2, 4, 5}
                               : axis == 1 ? std::vector<int32_t>{3, 2, 2, 5}
                                           : std::vector<int32_t>{3, 4, 2, 2};
      m.op(GATHER, {x, idx}, {m.output(y, t, q)}, kGatherOptions, {{0, 4, axis}});
      out.push_back(m.done("GATHER", "axis_" + std::to_string(axis), t));
    }
    {
      CaseModel m;
      const int x = m.input({3, 4, 5}, t, q);
      const int idx = m.ints({2, 2}, {0, 1, 2, 3});
      m.op(GATHER_ND, {x, idx}, {m.output({2, 5}, t, q)});
      out.push_back(m.done("GATHER_ND", "pairs", t));
    }
    {
      CaseModel m;
      const int ids = m.ints({3}, {2, 0, 2});
      const int table = m.input({3, 4}, t, q);
      m.op(EMBEDDING_LOOKUP, {ids, table}, {m.output({3, 4}, t, q)});
      out.push_back(m.done("EMBEDDING_LOOKUP", "rows", t));
    }
  }
}

void slice_cases(Cases& out) {
  for (int8_t t : {kF32, kI32, kI8}) {
    const Quant q = quant_of(t);
    {
      CaseModel m;
      const int x = m.input({3, 4, 5}, t, q);
      const int begin = m.ints({3}, {1, 0, 2}), size = m.ints({3}, {2, -1, 2});
      m.op(SLICE, {x, begin, size}, {m.output({2, 4, 2}, t, q)});
      out.push_back(m.done("SLICE", "size_minus_1", t));
    }
    struct Strided {
      const char* label;
      std::vector<int32_t> begin, end, strides, y;
      int begin_mask, end_mask, shrink;
    };
    const Strided cases[] = {
        {"basic", {0, 1, 0}, {3, 4, 5}, {1, 1, 2}, {3, 3, 3}, 0, 0, 0},
        {"negative_stride", {2, -1, 4}, {0, 0, 0}, {-1, -2, -1}, {2, 2, 4}, 0, 0, 0},
        {"masks", {1, 2, 1}, {2, 3, 4}, {1, 1, 1}, {2, 2, 3}, 1, 2, 0},
        {"negative_stride_masks", {0, 0, 0}, {0, 0, 0}, {-1, -1, 1}, {3, 4, 5}, 7, 7, 0},
        {"shrink_axis_0", {1, 0, 0}, {2, 4, 5}, {1, 1, 1}, {4, 5}, 0, 0, 1},
        {"shrink_axes_0_2_negative", {-1, 1, -2}, {0, 3, 0}, {1, 1, 1}, {2}, 0, 0, 5},
        {"fewer_than_rank", {1}, {3}, {1}, {2, 4, 5}, 0, 0, 0},
    };
    for (const Strided& c : cases) {
      CaseModel m;
      const int x = m.input({3, 4, 5}, t, q);
      const auto n = static_cast<int32_t>(c.begin.size());
      const int b = m.ints({n}, c.begin), e = m.ints({n}, c.end), s = m.ints({n}, c.strides);
      m.op(STRIDED_SLICE, {x, b, e, s}, {m.output(c.y, t, q)}, kStridedSliceOptions,
           {{0, 4, c.begin_mask}, {1, 4, c.end_mask}, {4, 4, c.shrink}});
      out.push_back(m.done("STRIDED_SLICE", c.label, t));
    }
    {
      CaseModel m;
      const int x = m.input({3, 4, 5}, t, q);
      const int axis = m.ints({1}, {1});
      m.op(REVERSE_V2, {x, axis}, {m.output({3, 4, 5}, t, q)});
      out.push_back(m.done("REVERSE_V2", "axis_1", t));
    }
  }
}

void split_cases(Cases& out) {
  for (int8_t t : {kF32, kI32, kU8, kI8}) {
    const Quant q = quant_of(t);
    for (int32_t axis : {1, -1}) {
      CaseModel m;
      const int ax = m.ints({}, {axis});
      const int x = m.input({2, 4, 6}, t, q);
      const std::vector<int32_t> y = axis == 1 ? std::vector<int32_t>{2, 2, 6} : std::vector<int32_t>{2, 4, 3};
      m.op(SPLIT, {ax, x}, {m.output(y, t, q), m.output(y, t, q)}, kSplitOptions, {{0, 4, 2}});
      out.push_back(m.done("SPLIT", "axis_" + std::to_string(axis), t));
    }
    {
      CaseModel m;
      const int x = m.input({2, 6}, t, q);
      const int sizes = m.ints({3}, {1, -1, 2}), ax = m.ints({}, {1});
      m.op(SPLIT_V, {x, sizes, ax}, {m.output({2, 1}, t, q), m.output({2, 3}, t, q), m.output({2, 2}, t, q)},
           kSplitVOptions, {{0, 4, 3}});
      out.push_back(m.done("SPLIT_V", "sizes_1_rest_2", t));
    }
    for (int32_t axis : {0, 1, -1}) {
      CaseModel m;
      const int x = m.input({2, 3}, t, q);
      const int y = m.input({2, 3}, t, q), z = m.input({2, 3}, t, q);
      const std::vector<int32_t> shape = axis == 0   ? std::vector<int32_t>{3, 2, 3}
                                         : axis == 1 ? std::vector<int32_t>{2, 3, 3}
                                                     : std::vector<int32_t>{2, 3, 3};
      m.op(PACK, {x, y, z}, {m.output(shape, t, q)}, kPackOptions, {{0, 4, 3}, {1, 4, axis}});
      out.push_back(m.done("PACK", "axis_" + std::to_string(axis), t));
    }
    for (int32_t axis : {0, 1}) {
      CaseModel m;
      const int x = m.input({2, 3}, t, q);
      const int count = axis == 0 ? 2 : 3;
      const std::vector<int32_t> part = axis == 0 ? std::vector<int32_t>{3} : std::vector<int32_t>{2};
      std::vector<int32_t> outs;
      for (int i = 0; i < count; ++i) outs.push_back(m.output(part, t, q));
      m.op(UNPACK, {x}, outs, kUnpackOptions, {{0, 4, count}, {1, 4, axis}});
      out.push_back(m.done("UNPACK", "axis_" + std::to_string(axis), t));
    }
  }
}

void shape_cases(Cases& out) {
  for (int8_t t : {kF32, kI32, kI8}) {
    const Quant q = quant_of(t);
    {
      CaseModel m;
      const int x = m.input({1, 3, 1, 2}, t, q);
      m.op(SQUEEZE, {x}, {m.output({3, 1, 2}, t, q)}, kSqueezeOptions, {}, {{0, {0}}});
      out.push_back(m.done("SQUEEZE", "axis_0", t));
    }
    {
      CaseModel m;
      const int x = m.input({1, 3, 1, 2}, t, q);
      m.op(SQUEEZE, {x}, {m.output({3, 2}, t, q)});
      out.push_back(m.done("SQUEEZE", "all", t));
    }
    for (int32_t axis : {0, 2, -1}) {
      CaseModel m;
      const int x = m.input({3, 2}, t, q);
      const int ax = m.ints({}, {axis});
      const std::vector<int32_t> y = axis == 0   ? std::vector<int32_t>{1, 3, 2}
                                     : axis == 2 ? std::vector<int32_t>{3, 2, 1}
                                                 : std::vector<int32_t>{3, 2, 1};
      m.op(EXPAND_DIMS, {x, ax}, {m.output(y, t, q)});
      out.push_back(m.done("EXPAND_DIMS", "axis_" + std::to_string(axis), t));
    }
    {
      CaseModel m;
      const int x = m.input({2, 3}, t, q);
      const int mult = m.ints({2}, {2, 3});
      m.op(TILE, {x, mult}, {m.output({4, 9}, t, q)});
      out.push_back(m.done("TILE", "2x3", t));
    }
    {
      CaseModel m;
      const int x = m.input({3, 1}, t, q);
      const int shape = m.ints({3}, {2, 3, 4});
      m.op(BROADCAST_TO, {x, shape}, {m.output({2, 3, 4}, t, q)});
      out.push_back(m.done("BROADCAST_TO", "3x1_to_2x3x4", t));
    }
    {
      CaseModel m;
      const int dims = m.ints({2}, {2, 3});
      const int value = m.input({}, t, q);
      m.op(FILL, {dims, value}, {m.output({2, 3}, t, q)});
      out.push_back(m.done("FILL", "2x3", t));
    }
    for (int8_t index : {kI32, kI64}) {
      CaseModel m;
      const int x = m.input({2, 3, 4}, t, q);
      m.op(SHAPE, {x}, {m.output({3}, index)}, kShapeOptions, {{0, 1, index}});
      out.push_back(m.done("SHAPE", index == kI32 ? "to_int32" : "to_int64", t));
    }
  }
  for (int8_t t : {kF32, kI32}) {
    CaseModel m;
    const int x = m.input({2, 3}, t);
    m.op(ZEROS_LIKE, {x}, {m.output({2, 3}, t)});
    out.push_back(m.done("ZEROS_LIKE", "2x3", t));
  }
  struct CastCase {
    int8_t from, to;
  };
  for (const CastCase c : {CastCase{kF32, kI32}, CastCase{kI32, kF32}, CastCase{kU8, kF32},
                           CastCase{kBool, kF32}, CastCase{kF32, kBool}, CastCase{kI32, kI64},
                           CastCase{kI64, kI32}, CastCase{kI8, kI32}}) {
    CaseModel m;
    const int x = m.input({2, 5}, c.from, {}, c.from == kF32 ? InputRange{-20, 20} : InputRange{NAN, NAN});
    m.op(CAST, {x}, {m.output({2, 5}, c.to)}, kCastOptions, {{0, 1, c.from}, {1, 1, c.to}});
    out.push_back(m.done("CAST", std::string("to_") + type_name(c.to), c.from));
  }
  for (int8_t t : {kF32, kI32, kU8}) {
    CaseModel m;
    const int x = m.input({2, 6}, t, quant_of(t));
    const int k = m.ints({}, {3});
    m.op(TOPK_V2, {x, k}, {m.output({2, 3}, t, quant_of(t)), m.output({2, 3}, kI32)});
    out.push_back(m.done("TOPK_V2", "k_3", t));
  }
  for (int32_t axis : {-1, 0}) {
    CaseModel m;
    const int idx = m.input({3}, kI32, {}, {-1, 4});  // -1 and 4 lie outside depth 4: all off
    const int depth = m.ints({}, {4});
    const int on = m.floats({}, {5.0f}), off = m.floats({}, {-1.0f});
    const std::vector<int32_t> y = axis == -1 ? std::vector<int32_t>{3, 4} : std::vector<int32_t>{4, 3};
    m.op(ONE_HOT, {idx, depth, on, off}, {m.output(y, kF32)}, kOneHotOptions, {{0, 4, axis}});
    out.push_back(m.done("ONE_HOT", "axis_" + std::to_string(axis), kF32));
  }
  {
    CaseModel m;
    const int start = m.ints({}, {2}), limit = m.ints({}, {15}), delta = m.ints({}, {3});
    m.op(RANGE, {start, limit, delta}, {m.output({5}, kI32)});
    out.push_back(m.done("RANGE", "2_15_3", kI32));
  }
  {
    CaseModel m;
    const int start = m.floats({}, {1.0f}), limit = m.floats({}, {-1.0f}), delta = m.floats({}, {-0.5f});
    m.op(RANGE, {start, limit, delta}, {m.output({4}, kF32)});
    out.push_back(m.done("RANGE", "descending", kF32));
  }
}

void pad_resize_cases(Cases& out) {
  for (int8_t t : {kF32, kI32, kU8, kI8}) {
    const Quant q = quant_of(t);
    {
      CaseModel m;
      const int x = m.input({1, 2, 3, 1}, t, q);
      const int pads = m.ints({4, 2}, {0, 0, 1, 2, 2, 0, 0, 1});
      std::vector<uint8_t> value_bytes;
      if (t == kF32) value_bytes = bytes_of(std::vector<float>{2.5f});
      if (t == kI32) value_bytes = bytes_of(std::vector<int32_t>{7});
      if (t == kU8) value_bytes = {200};
      if (t == kI8) value_bytes = {static_cast<uint8_t>(-100)};
      const int value = m.raw({}, t, q, value_bytes);
      m.op(PADV2, {x, pads, value}, {m.output({1, 5, 5, 2}, t, q)});
      out.push_back(m.done("PADV2", "value", t));
    }
    {
      CaseModel m;
      const int x = m.input({1, 3, 4, 1}, t, q);
      const int pads = m.ints({4, 2}, {0, 0, 2, 1, 1, 3, 0, 0});
      m.op(MIRROR_PAD, {x, pads}, {m.output({1, 6, 8, 1}, t, q)}, kMirrorPadOptions, {{0, 1, 0}});
      out.push_back(m.done("MIRROR_PAD", "reflect", t));
    }
  }
  for (int8_t t : {kF32, kU8, kI8}) {
    const Quant q = quant_of(t);
    struct Nearest {
      const char* label;
      int align_corners, half_pixel;
      std::vector<int32_t> size;
    };
    for (const Nearest& c : {Nearest{"up_3x5", 0, 0, {3, 5}}, Nearest{"up_align_corners", 1, 0, {5, 7}},
                             Nearest{"up_half_pixel", 0, 1, {5, 7}}, Nearest{"down_half_pixel", 0, 1, {1, 2}},
                             Nearest{"down", 0, 0, {1, 3}}}) {
      CaseModel m;
      const int x = m.input({1, 2, 4, 3}, t, q);
      const int size = m.ints({2}, c.size);
      m.op(RESIZE_NEAREST_NEIGHBOR, {x, size}, {m.output({1, c.size[0], c.size[1], 3}, t, q)},
           kResizeNearestOptions, {{0, 1, c.align_corners}, {1, 1, c.half_pixel}});
      out.push_back(m.done("RESIZE_NEAREST_NEIGHBOR", c.label, t));
    }
  }
}

// ---- recurrent layers

// UNIDIRECTIONAL_SEQUENCE_LSTM over x [batch 2, steps 4, input 3] (or time-major), 5 cells:
// each gate's weights, recurrent weights and bias (and peepholes) distinct constants. Its state
// (output_state, cell_state) is variable: the cases invoked more than once compare what the
// last invocation gives, having started from the state the ones before left.
void sequence_lstm_cases(Cases& out) {
  struct Lstm {
    const char* label;
    bool time_major, peepholes;
    float cell_clip;
    int activation;  // TFLite's fused activation: 1 RELU, 4 TANH
    int invocations;  // runs of one interpreter: the state carries over from one to the next
  };
  const int32_t batch = 2, steps = 4, input = 3, cells = 5;
  int seed = 0;
  // Values in (-0.6, 0.6), different for every tensor.
  auto values = [&](int32_t count) {
    std::vector<float> v;
    for (int32_t k = 0; k < count; ++k)
      v.push_back(0.6f * std::sin(1.7f * static_cast<float>(++seed)));
    return v;
  };
  for (const Lstm& c :
       {Lstm{"batch_major", false, false, 0, 4, 1}, Lstm{"time_major", true, false, 0, 4, 1},
        Lstm{"peepholes_cell_clip", false, true, 0.4f, 4, 1}, Lstm{"relu", false, false, 0, 1, 1},
        Lstm{"state_over_3_invocations", false, false, 0, 4, 3},
        Lstm{"time_major_state_over_2_invocations", true, true, 0.4f, 4, 2}}) {
    CaseModel m;
    const std::vector<int32_t> seq = c.time_major ? std::vector<int32_t>{steps, batch, input}
                                                  : std::vector<int32_t>{batch, steps, input};
    std::vector<int32_t> in(20, -1);
    in[0] = m.input(seq, kF32);
    for (int g = 0; g < 4; ++g) {  // TFLite's gate order i, f, c, o
      in[static_cast<size_t>(1 + g)] = m.floats({cells, input}, values(cells * input));
      in[static_cast<size_t>(5 + g)] = m.floats({cells, cells}, values(cells * cells));
      in[static_cast<size_t>(12 + g)] = m.floats({cells}, values(cells));
    }
    if (c.peepholes)
      for (int k = 9; k < 12; ++k) in[static_cast<size_t>(k)] = m.floats({cells}, values(cells));
    in[18] = m.variable({batch, cells}, kF32);
    in[19] = m.variable({batch, cells}, kF32);
    std::vector<int32_t> y = seq;
    y[2] = cells;
    m.op(UNIDIRECTIONAL_SEQUENCE_LSTM, in, {m.output(y, kF32)}, kUnidirectionalSequenceLstmOptions,
         {{0, 1, c.activation}, {1, 4, float_bits(c.cell_clip)}, {3, 1, c.time_major ? 1 : 0}});
    out.push_back(m.done("UNIDIRECTIONAL_SEQUENCE_LSTM", c.label, kF32));
    out.back().invocations = c.invocations;
  }
}

}  // namespace

std::vector<TfliteCase> tflite_conformance_cases() {
  Cases cases;
  unary_cases(cases);
  binary_cases(cases);
  floor_division_cases(cases);
  select_cases(cases);
  reduce_cases(cases);
  matmul_cases(cases);
  transpose_conv_cases(cases);
  layout_cases(cases);
  gather_cases(cases);
  slice_cases(cases);
  split_cases(cases);
  shape_cases(cases);
  pad_resize_cases(cases);
  sequence_lstm_cases(cases);
  first_builtin_cases(cases);
  control_flow_cases(cases);
  recurrent_cases(cases);
  int16_cases(cases);
  more_builtin_cases(cases);
  segment_builtin_cases(cases);
  return cases;
}

}  // namespace outpost::testing
