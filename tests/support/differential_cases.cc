#include "support/differential_cases.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <utility>

#include "support/bilinear_resize.h"
#include "support/conv_attrs.h"
#include "support/pool_attrs.h"

namespace outpost::testing {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kFloat32:
      return "float32";
    case Kind::kUInt8:
      return "uint8";
    case Kind::kInt8:
      return "int8";
    case Kind::kInt8PerChannel:
      return "int8_per_channel";
  }
  return "?";
}

DType dtype_of(Kind k) {
  return k == Kind::kFloat32 ? DType::kFloat32 : k == Kind::kUInt8 ? DType::kUInt8 : DType::kInt8;
}

Kind kind_of(const OpCase& c) {
  const Node& n = c.graph.nodes[0];
  const DType x = c.graph.value(n.inputs[0]).dtype;
  if (x == DType::kUInt8) return Kind::kUInt8;
  if (x != DType::kInt8) return Kind::kFloat32;
  for (int id : n.inputs)
    if (id != kNoValue && c.graph.value(id).quant.per_channel()) return Kind::kInt8PerChannel;
  return Kind::kInt8;
}

namespace {

std::string dims(const Shape& s) { return s.to_string(); }

void add(std::vector<Variant>& out, Result<OpCase> c, std::string label, bool channels_last = false,
         int in_place = -1) {
  if (!c.is_ok()) {
    ADD_FAILURE() << "case " << label << " does not build: " << c.status().message();
    return;
  }
  out.push_back({std::move(label), std::move(*c), channels_last, in_place});
}

// ---- Quantized data ----

QuantParams activation_quant(Kind k, Rng& rng) {
  const float scale = uniform(0.005f, 0.05f, rng);
  return per_tensor(scale,
                    k == Kind::kUInt8 ? uniform_int(64, 192, rng) : uniform_int(-64, 63, rng));
}

Tensor activation(Kind k, const Shape& s, const QuantParams& q, Rng& rng, float range = 1.0f) {
  if (k == Kind::kFloat32) return random_floats(s, -range, range, rng);
  return k == Kind::kUInt8 ? random_ints(DType::kUInt8, s, 0, 255, q, rng)
                           : random_ints(DType::kInt8, s, -128, 127, q, rng);
}

// Weights whose channel dimension `axis` has `channels` entries (per-channel scales along it).
Tensor weights(Kind k, const Shape& s, int axis, Rng& rng) {
  const int64_t channels = s[static_cast<size_t>(axis)];
  switch (k) {
    case Kind::kFloat32:
      return random_floats(s, -1.0f, 1.0f, rng);
    case Kind::kUInt8:
      return random_ints(DType::kUInt8, s, 0, 255,
                         per_tensor(uniform(0.002f, 0.02f, rng), uniform_int(100, 156, rng)), rng);
    case Kind::kInt8:
      return random_ints(DType::kInt8, s, -127, 127, per_tensor(uniform(0.002f, 0.02f, rng), 0),
                         rng);
    case Kind::kInt8PerChannel: {
      QuantParams q;
      q.axis = axis;
      for (int64_t c = 0; c < channels; ++c) {
        q.scale.push_back(uniform(0.002f, 0.02f, rng));
        q.zero_point.push_back(0);
      }
      return random_ints(DType::kInt8, s, -127, 127, q, rng);
    }
  }
  return {};
}

// A bias of `channels` entries: float, or int32 around the accumulator's spread.
Tensor bias(Kind k, int64_t channels, int64_t depth, Rng& rng) {
  if (k == Kind::kFloat32) return random_floats(Shape{channels}, -1.0f, 1.0f, rng);
  const int64_t spread = static_cast<int64_t>(4000.0 * std::sqrt(static_cast<double>(depth)));
  return random_ints(DType::kInt32, Shape{channels}, -spread, spread, {}, rng);
}

// The output quantization of a product summed over `depth` terms: about 40 steps per standard
// deviation of the accumulator, times a random factor, around a random zero point.
QuantParams product_quant(Kind k, const QuantParams& x, const QuantParams& w, int64_t depth,
                          Rng& rng) {
  double w_scale = 0;
  for (float s : w.scale) w_scale += s;
  w_scale /= static_cast<double>(w.scale.size());
  const double scale = x.scale[0] * w_scale * 135.0 * std::sqrt(static_cast<double>(depth)) *
                       uniform(0.5f, 2.0f, rng);
  return per_tensor(static_cast<float>(scale),
                    k == Kind::kUInt8 ? uniform_int(64, 192, rng) : uniform_int(-64, 63, rng));
}

// relu_n1_to_1's [-1, 1] spans at least 16 steps of a quantized output: a coarser scale leaves
// one or two values, which XNNPACK refuses (output_min must be below output_max) and which would
// test nothing.
QuantParams fit_activation(QuantParams q, const std::string& activation) {
  if (!q.empty() && activation == "relu_n1_to_1") q.scale[0] = std::min(q.scale[0], 0.125f);
  return q;
}

OpOutput output_of_kind(Kind k, QuantParams q = {}) {
  return k == Kind::kFloat32 ? OpOutput{} : OpOutput{dtype_of(k), std::move(q)};
}

// Random shapes per group, beside the fixed edge cases (their seed is the group's name).
constexpr int kRandomCases = 24;

constexpr int64_t kChannels[] = {1, 3, 4, 7, 8, 9, 16, 17, 31, 33};
constexpr const char* kActivations[] = {"none", "relu", "relu6", "relu_n1_to_1"};

int64_t any_channels(Rng& rng) { return kChannels[uniform_int(0, std::size(kChannels) - 1, rng)]; }

}  // namespace

// ---- TFLite's Conv2D and DepthwiseConv2D (NHWC; OHWI or [1, H, W, C*M] weights) ----

namespace {

struct ConvShape {
  int64_t in_c, out_c;  // DepthwiseConv2D: out_c is the depth multiplier
  int64_t h, w, kh, kw, sh = 1, sw = 1, dh = 1, dw = 1;
  const char* padding = "valid";
  const char* activation = "none";
  int64_t batch = 1;
  bool bias = true;
};

const ConvShape kConvShapes[] = {
    {1, 1, 1, 1, 1, 1},
    {3, 8, 7, 9, 3, 3, 1, 1, 1, 1, "same", "relu"},
    {4, 16, 8, 8, 3, 3, 2, 2, 1, 1, "same", "relu6"},
    {7, 9, 5, 6, 1, 1},
    {8, 17, 11, 7, 3, 5, 2, 1},
    {16, 31, 6, 6, 3, 3, 1, 1, 2, 2, "same"},
    {17, 33, 9, 9, 5, 5, 3, 3, 1, 1, "valid", "relu_n1_to_1"},
    {33, 7, 3, 3, 3, 3, 1, 1, 1, 1, "same", "none", 2},
    {9, 4, 1, 1, 1, 1, 1, 1, 1, 1, "same"},
    {31, 1, 13, 2, 1, 2, 1, 1, 1, 1, "valid", "none", 1, false},
};

ConvShape random_conv(Rng& rng, bool depthwise) {
  ConvShape c{any_channels(rng),       depthwise ? uniform_int(1, 3, rng) : any_channels(rng),
              uniform_int(1, 13, rng), uniform_int(1, 13, rng),
              uniform_int(1, 5, rng),  uniform_int(1, 5, rng)};
  c.sh = uniform_int(1, 3, rng);
  c.sw = uniform_int(1, 3, rng);
  c.dh = uniform_int(1, 2, rng);
  c.dw = uniform_int(1, 2, rng);
  c.padding = uniform_int(0, 1, rng) ? "same" : "valid";
  c.activation = kActivations[uniform_int(0, 3, rng)];
  c.batch = uniform_int(1, 2, rng);
  c.bias = uniform_int(0, 3, rng) != 0;
  if (std::string(c.padding) == "valid") {  // the dilated window must fit
    c.h = std::max(c.h, (c.kh - 1) * c.dh + 1);
    c.w = std::max(c.w, (c.kw - 1) * c.dw + 1);
  }
  return c;
}

// TFLite's CONV_2D, or DEPTHWISE_CONV_2D when `depthwise`, as imported: channels-last Convs with
// the weights in TFLite's layouts.
std::vector<Variant> tflite_conv_form_cases(bool depthwise, Kind k, Rng& rng) {
  std::vector<ConvShape> shapes(std::begin(kConvShapes), std::end(kConvShapes));
  if (depthwise) shapes.back().out_c = 1;
  if (depthwise) shapes[1].out_c = 2;  // depth multipliers 1, 2 and 3 among the fixed ones
  if (depthwise) shapes[3].out_c = 3;
  for (ConvShape& c : shapes)
    if (depthwise && c.out_c > 3) c.out_c = 1;
  for (int i = 0; i < kRandomCases; ++i) shapes.push_back(random_conv(rng, depthwise));
  std::vector<Variant> out;
  for (ConvShape c : shapes) {
    // One output channel has one scale, which is per-tensor: per-channel cases get two.
    if (k == Kind::kInt8PerChannel && c.out_c == 1 && (!depthwise || c.in_c == 1)) c.out_c = 2;
    const int64_t out_c = depthwise ? c.in_c * c.out_c : c.out_c;
    const Shape x_shape{c.batch, c.h, c.w, c.in_c};
    const Shape w_shape =
        depthwise ? Shape{1, c.kh, c.kw, out_c} : Shape{out_c, c.kh, c.kw, c.in_c};
    const int64_t depth = depthwise ? c.kh * c.kw : c.kh * c.kw * c.in_c;
    const QuantParams xq = k == Kind::kFloat32 ? QuantParams{} : activation_quant(k, rng);
    Tensor w = weights(k, w_shape, depthwise ? 3 : 0, rng);
    const QuantParams yq =
        k == Kind::kFloat32
            ? QuantParams{}
            : fit_activation(product_quant(k, xq, w.quant, depth, rng), c.activation);
    Attributes a = depthwise ? nhwc_depthwise_attrs(c.in_c, 1, 1, c.padding, c.activation)
                             : nhwc_conv_attrs(1, 1, c.padding, c.activation);
    a.set("strides", std::vector<int64_t>{c.sh, c.sw});
    a.set("dilations", std::vector<int64_t>{c.dh, c.dw});
    std::vector<OpInput> in{{activation(k, x_shape, xq, rng)}, {std::move(w), true}};
    in.push_back(c.bias ? OpInput{bias(k, out_c, depth, rng), true} : absent_input());
    std::ostringstream label;
    label << (depthwise ? "dw x" : "conv x") << dims(x_shape) << " w" << dims(w_shape) << " s"
          << c.sh << "x" << c.sw << " d" << c.dh << "x" << c.dw << " " << c.padding << " "
          << c.activation << (c.bias ? " bias" : "");
    add(out, make_case(OpKind::kConv, a, in, {output_of_kind(k, yq)}), label.str());
  }
  return out;
}

}  // namespace

// ---- ONNX Conv (NCHW, OIHW weights), run channels-last by the fast backends ----

namespace {

struct OnnxConv {
  int64_t in_c, out_c, group, h, w, kh, kw;
  std::vector<int64_t> strides{1, 1}, dilations{1, 1}, pads{0, 0, 0, 0};
  const char* auto_pad = "NOTSET";
  const char* activation = "none";  // none, relu, relu6, clip (-1..1), swish
  int64_t batch = 1;
  bool bias = true;
};

OnnxConv random_onnx_conv(Rng& rng, bool grouped) {
  OnnxConv c{any_channels(rng),       any_channels(rng),       1,
             uniform_int(1, 13, rng), uniform_int(1, 13, rng), uniform_int(1, 5, rng),
             uniform_int(1, 5, rng)};
  if (grouped && uniform_int(0, 1, rng)) {  // depthwise, multiplier 1 or 2
    c.group = c.in_c;
    c.out_c = c.in_c * uniform_int(1, 2, rng);
  }
  c.strides = {uniform_int(1, 3, rng), uniform_int(1, 3, rng)};
  c.dilations = {uniform_int(1, 2, rng), uniform_int(1, 2, rng)};
  for (int d = 0; d < 2; ++d) {
    const int64_t k = d == 0 ? c.kh : c.kw;
    c.pads[static_cast<size_t>(d)] = uniform_int(0, k - 1, rng);
    c.pads[static_cast<size_t>(d + 2)] = uniform_int(0, k - 1, rng);
    int64_t& extent = d == 0 ? c.h : c.w;
    const int64_t window = (k - 1) * c.dilations[static_cast<size_t>(d)] + 1;
    const int64_t padded =
        extent + c.pads[static_cast<size_t>(d)] + c.pads[static_cast<size_t>(d + 2)];
    if (padded < window) extent += window - padded;
  }
  c.batch = uniform_int(1, 2, rng);
  c.bias = uniform_int(0, 3, rng) != 0;
  return c;
}

// Quantized kinds are the Conv a QLinearConv lowers to (`requantize` real, no activation).
std::vector<Variant> onnx_conv_cases(const std::vector<OnnxConv>& shapes, Rng& rng,
                                     Kind k = Kind::kFloat32) {
  std::vector<Variant> out;
  for (OnnxConv c : shapes) {
    if (k != Kind::kFloat32) c.activation = "none";
    // One output channel has one scale, which is per-tensor: per-channel cases get two.
    if (k == Kind::kInt8PerChannel && c.out_c == 1) c.out_c = 2;
    const Shape x_shape{c.batch, c.in_c, c.h, c.w};
    const Shape w_shape{c.out_c, c.in_c / c.group, c.kh, c.kw};
    Attributes a;
    if (k != Kind::kFloat32) a.set("requantize", std::string("real"));
    a.set("group", c.group);
    a.set("strides", c.strides);
    a.set("dilations", c.dilations);
    if (std::string(c.auto_pad) == "NOTSET")
      a.set("pads", c.pads);
    else
      a.set("auto_pad", std::string(c.auto_pad));
    const std::string act = c.activation;
    if (act == "relu" || act == "relu6" || act == "clip") {
      a.set("activation_min", act == "clip" ? -1.0f : 0.0f);
      a.set("activation_max", act == "relu" ? INFINITY : act == "relu6" ? 6.0f : 1.0f);
    } else if (act == "swish") {
      a.set("swish", int64_t{1});
    }
    const int64_t depth = (c.in_c / c.group) * c.kh * c.kw;
    const QuantParams xq = k == Kind::kFloat32 ? QuantParams{} : activation_quant(k, rng);
    Tensor w = weights(k, w_shape, 0, rng);
    const QuantParams yq =
        k == Kind::kFloat32 ? QuantParams{} : product_quant(k, xq, w.quant, depth, rng);
    std::vector<OpInput> in{{activation(k, x_shape, xq, rng)}, {std::move(w), true}};
    in.push_back(c.bias ? OpInput{bias(k, c.out_c, depth, rng), true} : absent_input());
    std::ostringstream label;
    label << "x" << dims(x_shape) << " w" << dims(w_shape) << " group " << c.group << " s"
          << c.strides[0] << "x" << c.strides[1] << " d" << c.dilations[0] << "x" << c.dilations[1]
          << " pads " << c.pads[0] << "," << c.pads[1] << "," << c.pads[2] << "," << c.pads[3]
          << " " << c.auto_pad << " " << act << (c.bias ? " bias" : "");
    add(out, make_case(OpKind::kConv, a, in, {output_of_kind(k, yq)}), label.str(),
        /*channels_last=*/true);
  }
  return out;
}

}  // namespace

std::vector<Variant> xnnpack_conv_cases(OpKind, Kind kind, Rng& rng) {
  std::vector<Variant> out = tflite_conv_form_cases(/*depthwise=*/false, kind, rng);
  for (Variant& v : tflite_conv_form_cases(/*depthwise=*/true, kind, rng))
    out.push_back(std::move(v));
  std::vector<OnnxConv> shapes = {
      {1, 1, 1, 1, 1, 1, 1},
      {3, 8, 1, 7, 9, 3, 3, {1, 1}, {1, 1}, {1, 1, 1, 1}, "NOTSET", "relu"},
      {4, 6, 2, 8, 8, 3, 3, {2, 2}, {1, 1}, {0, 0, 0, 0}, "SAME_UPPER", "relu6"},  // grouped
      {7, 7, 7, 5, 6, 3, 3, {1, 1}, {1, 1}, {1, 1, 1, 1}, "NOTSET", "clip"},       // depthwise
      {8, 16, 8, 11, 7, 5, 5, {2, 1}, {1, 1}, {2, 1, 0, 2}},                       // depthwise x2
      {16, 31, 1, 6, 6, 3, 3, {1, 1}, {2, 2}, {0, 0, 0, 0}, "SAME_LOWER"},
      {17, 33, 1, 9, 9, 1, 1, {1, 1}, {1, 1}, {0, 0, 0, 0}, "NOTSET", "relu"},
      {33, 9, 3, 4, 5, 1, 3, {3, 2}, {1, 1}, {0, 1, 0, 1}, "NOTSET", "none", 2},
      {9, 4, 1, 1, 1, 1, 1, {1, 1}, {1, 1}, {0, 0, 0, 0}, "VALID", "none", 1, false},
  };
  for (int i = 0; i < kRandomCases; ++i) shapes.push_back(random_onnx_conv(rng, /*grouped=*/true));
  // Float: ONNX's Conv; quantized: the Conv an ONNX QLinearConv lowers to.
  for (Variant& v : onnx_conv_cases(shapes, rng, kind)) out.push_back(std::move(v));
  return out;
}

// oneDNN takes group 1 only; 16 or more input channels and a spatial kernel compute in its
// blocked layout, the rest on NHWC as it is: both paths are here.
std::vector<Variant> onednn_onnx_conv_cases(OpKind, Kind, Rng& rng) {
  std::vector<OnnxConv> shapes = {
      {1, 1, 1, 1, 1, 1, 1},
      {3, 8, 1, 7, 9, 3, 3, {1, 1}, {1, 1}, {1, 1, 1, 1}, "NOTSET", "relu"},
      {4, 16, 1, 8, 8, 3, 3, {2, 2}, {1, 1}, {0, 0, 0, 0}, "SAME_UPPER", "relu6"},
      {16, 16, 1, 6, 6, 3, 3, {1, 1}, {1, 1}, {1, 1, 1, 1}, "NOTSET", "swish"},
      {17, 33, 1, 9, 9, 3, 3, {1, 1}, {2, 2}, {2, 2, 2, 2}, "NOTSET", "clip"},
      {31, 7, 1, 11, 7, 5, 3, {2, 1}, {1, 1}, {2, 1, 0, 1}},
      {33, 9, 1, 5, 5, 1, 1, {1, 1}, {1, 1}, {0, 0, 0, 0}, "NOTSET", "swish", 2},
      {32, 64, 1, 7, 7, 3, 3, {1, 1}, {1, 1}, {0, 0, 0, 0}, "SAME_LOWER", "relu"},
      {9, 4, 1, 1, 1, 1, 1, {1, 1}, {1, 1}, {0, 0, 0, 0}, "VALID", "none", 1, false},
  };
  for (int i = 0; i < kRandomCases; ++i) {
    OnnxConv c = random_onnx_conv(rng, /*grouped=*/false);
    c.activation = std::vector<const char*>{"none", "relu", "relu6", "clip",
                                            "swish"}[static_cast<size_t>(uniform_int(0, 4, rng))];
    shapes.push_back(c);
  }
  return onnx_conv_cases(shapes, rng);
}

// oneDNN's int8 convolutions (CPUs with VNNI): TFLite's CONV_2D and DEPTHWISE_CONV_2D (depth
// multiplier 1) forms and the group-1 or depthwise Conv an ONNX QLinearConv lowers to, with zero
// points that pad, strides, dilations and fused activations.
std::vector<Variant> onednn_int8_conv_cases(OpKind, Kind kind, Rng& rng) {
  std::vector<Variant> out = tflite_conv_form_cases(/*depthwise=*/false, kind, rng);
  for (Variant& v : tflite_conv_form_cases(/*depthwise=*/true, kind, rng)) {
    const Node& n = v.ref.graph.nodes[0];  // multiplier 1: as many outputs as input channels
    if (v.ref.graph.value(n.inputs[1]).shape[3] == v.ref.graph.value(n.inputs[0]).shape[3])
      out.push_back(std::move(v));
  }
  std::vector<OnnxConv> shapes = {
      {7, 7, 7, 5, 6, 3, 3, {1, 1}, {1, 1}, {1, 1, 1, 1}, "NOTSET", "clip"},  // depthwise
      {16, 16, 16, 11, 7, 5, 5, {2, 1}, {1, 1}, {2, 1, 0, 2}},                // depthwise
      {33, 33, 33, 9, 9, 3, 3, {2, 2}, {2, 2}, {0, 0, 0, 0}, "SAME_UPPER", "relu6"},
      {1, 1, 1, 1, 1, 1, 1},
      {3, 8, 1, 7, 9, 3, 3, {1, 1}, {1, 1}, {1, 1, 1, 1}, "NOTSET", "relu"},
      {4, 16, 1, 8, 8, 3, 3, {2, 2}, {1, 1}, {0, 0, 0, 0}, "SAME_UPPER", "relu6"},
      {17, 33, 1, 9, 9, 3, 3, {1, 1}, {2, 2}, {2, 2, 2, 2}, "NOTSET", "clip"},
      {31, 7, 1, 11, 7, 5, 3, {2, 1}, {1, 1}, {2, 1, 0, 1}},
      {64, 32, 1, 7, 7, 1, 1, {1, 1}, {1, 1}, {0, 0, 0, 0}, "NOTSET", "relu", 2},
      {9, 4, 1, 1, 1, 1, 1, {1, 1}, {1, 1}, {0, 0, 0, 0}, "VALID", "none", 1, false},
  };
  for (int i = 0; i < kRandomCases; ++i) shapes.push_back(random_onnx_conv(rng, /*grouped=*/false));
  for (Variant& v : onnx_conv_cases(shapes, rng, kind)) out.push_back(std::move(v));
  return out;
}

// ---- Gemm of TFLite's FULLY_CONNECTED form: x [rows, I] · wᵀ, weights [O, I] (transB) ----

namespace {

std::vector<Variant> fully_connected_form_cases(Kind k, Rng& rng) {
  struct Fc {
    Shape x;
    int64_t units;
    const char* activation = "none";
    bool bias = true;
  };
  std::vector<Fc> shapes = {
      {Shape{1, 1}, 1},
      {Shape{3, 7}, 9, "relu"},
      {Shape{6, 16}, 17},
      {Shape{5, 33}, 31, "relu6"},
      {Shape{1, 8}, 4, "relu_n1_to_1", false},
      {Shape{8, 9}, 8},
      {Shape{17, 17}, 33},
      {Shape{12, 4}, 16},
  };
  for (int i = 0; i < kRandomCases; ++i)
    shapes.push_back({Shape{uniform_int(1, 9, rng), any_channels(rng)}, any_channels(rng),
                      kActivations[uniform_int(0, 3, rng)], uniform_int(0, 3, rng) != 0});
  std::vector<Variant> out;
  for (const Fc& f : shapes) {
    const int64_t depth = f.x[1];
    const QuantParams xq = k == Kind::kFloat32 ? QuantParams{} : activation_quant(k, rng);
    Tensor w = weights(k, Shape{f.units, depth}, 0, rng);
    const QuantParams yq =
        k == Kind::kFloat32
            ? QuantParams{}
            : fit_activation(product_quant(k, xq, w.quant, depth, rng), f.activation);
    Attributes a;
    a.set("transB", int64_t{1});
    a.set("activation", std::string(f.activation));
    std::vector<OpInput> in{{activation(k, f.x, xq, rng)}, {std::move(w), true}};
    in.push_back(f.bias ? OpInput{bias(k, f.units, depth, rng), true} : absent_input());
    std::ostringstream label;
    label << "fc x" << dims(f.x) << " units " << f.units << " " << f.activation
          << (f.bias ? " bias" : "");
    add(out, make_case(OpKind::kGemm, a, in, {output_of_kind(k, yq)}), label.str());
  }
  return out;
}

}  // namespace

// ---- ONNX Gemm, MaxPool, GlobalAveragePool (float32) ----

std::vector<Variant> gemm_cases(OpKind, Kind kind, Rng& rng) {
  std::vector<Variant> out = fully_connected_form_cases(kind, rng);
  if (kind != Kind::kFloat32) return out;
  struct G {
    int64_t m, k, n;
    bool trans_b;
    int bias;  // 0 none, 1 [N], 2 [1, N]
  };
  std::vector<G> shapes = {{1, 1, 1, false, 0},   {2, 3, 4, true, 1},    {5, 7, 8, false, 1},
                           {17, 16, 17, true, 2}, {3, 33, 31, false, 2}, {4, 9, 1, true, 0}};
  for (int i = 0; i < kRandomCases; ++i)
    shapes.push_back({uniform_int(1, 17, rng), any_channels(rng), any_channels(rng),
                      uniform_int(0, 1, rng) != 0, static_cast<int>(uniform_int(0, 2, rng))});
  for (const G& s : shapes) {
    Attributes a;
    a.set("transB", static_cast<int64_t>(s.trans_b));
    const Shape b_shape = s.trans_b ? Shape{s.n, s.k} : Shape{s.k, s.n};
    std::vector<OpInput> in{{random_floats(Shape{s.m, s.k}, -1, 1, rng)},
                            {random_floats(b_shape, -1, 1, rng), true}};
    if (s.bias)
      in.push_back({random_floats(s.bias == 1 ? Shape{s.n} : Shape{1, s.n}, -1, 1, rng), true});
    std::ostringstream label;
    label << "a[" << s.m << "," << s.k << "] b" << dims(b_shape) << (s.trans_b ? " transB" : "")
          << (s.bias == 0   ? ""
              : s.bias == 1 ? " c[N]"
                            : " c[1,N]");
    add(out, make_case(OpKind::kGemm, a, in, {OpOutput{}}), label.str());
  }
  return out;
}

namespace {

// The windows of the 2-D pool cases: channel counts around the kernels' tiles, explicit, SAME
// and VALID pads, ceil_mode, batches.
struct PoolShape {
  int64_t c, h, w, kh, kw, sh, sw;
  std::vector<int64_t> pads;
  int64_t ceil_mode = 0;
  const char* auto_pad = "NOTSET";
  int64_t batch = 1;
};

std::vector<PoolShape> pool_shapes(Rng& rng) {
  std::vector<PoolShape> shapes = {
      {1, 2, 2, 2, 2, 1, 1, {0, 0, 0, 0}},
      {3, 7, 9, 3, 3, 2, 2, {1, 1, 1, 1}},
      {4, 8, 8, 2, 2, 2, 2, {0, 0, 0, 0}},
      {7, 5, 6, 3, 3, 1, 1, {0, 0, 0, 0}, 0, "SAME_UPPER"},
      {8, 11, 7, 5, 3, 2, 1, {2, 1, 2, 1}},
      {16, 6, 6, 3, 3, 2, 2, {0, 0, 0, 0}, 1},
      {17, 9, 9, 3, 3, 3, 3, {1, 0, 0, 1}, 1},
      {31, 13, 2, 1, 2, 1, 2, {0, 0, 0, 0}, 0, "VALID"},
      {33, 3, 3, 3, 3, 1, 1, {0, 0, 0, 0}, 0, "SAME_LOWER", 2},
  };
  for (int i = 0; i < kRandomCases; ++i) {
    PoolShape p{any_channels(rng),       uniform_int(2, 13, rng),
                uniform_int(2, 13, rng), uniform_int(2, 5, rng),
                uniform_int(1, 5, rng),  uniform_int(1, 3, rng),
                uniform_int(1, 3, rng),  {}};
    p.kh = std::min(p.kh, p.h);
    p.kw = std::min(p.kw, p.w);
    p.pads = {uniform_int(0, p.kh - 1, rng), uniform_int(0, p.kw - 1, rng),
              uniform_int(0, p.kh - 1, rng), uniform_int(0, p.kw - 1, rng)};
    p.ceil_mode = uniform_int(0, 1, rng);
    p.batch = uniform_int(1, 2, rng);
    shapes.push_back(p);
  }
  return shapes;
}

Attributes pool_attributes(const PoolShape& p) {
  Attributes a;
  a.set("kernel_shape", std::vector<int64_t>{p.kh, p.kw});
  a.set("strides", std::vector<int64_t>{p.sh, p.sw});
  if (std::string(p.auto_pad) == "NOTSET")
    a.set("pads", p.pads);
  else
    a.set("auto_pad", std::string(p.auto_pad));
  a.set("ceil_mode", p.ceil_mode);
  return a;
}

std::string pool_label(const Shape& x, const PoolShape& p) {
  std::ostringstream label;
  label << "x" << dims(x) << " k" << p.kh << "x" << p.kw << " s" << p.sh << "x" << p.sw
        << " pads " << p.pads[0] << "," << p.pads[1] << "," << p.pads[2] << "," << p.pads[3]
        << " " << p.auto_pad << (p.ceil_mode ? " ceil" : "");
  return label.str();
}

}  // namespace

// Quantized kinds: one quantization on both sides, as TFLite's int8 MAX_POOL_2D has it.
std::vector<Variant> max_pool_cases(OpKind, Kind k, Rng& rng) {
  std::vector<Variant> out;
  for (const PoolShape& p : pool_shapes(rng)) {
    const Shape x{p.batch, p.c, p.h, p.w};
    const QuantParams q = k == Kind::kFloat32 ? QuantParams{} : activation_quant(k, rng);
    add(out, make_case(OpKind::kMaxPool, pool_attributes(p), {{activation(k, x, q, rng)}}, {output_of_kind(k, q)}),
        pool_label(x, p), /*channels_last=*/true);
  }
  return out;
}

std::vector<Variant> average_pool_cases(OpKind, Kind, Rng& rng) {
  std::vector<Variant> out;
  const char* activations[] = {"none", "relu", "relu6", "relu_n1_to_1"};
  int i = 0;
  for (const PoolShape& p : pool_shapes(rng)) {
    const Shape x{p.batch, p.c, p.h, p.w};
    add(out, make_case(OpKind::kAveragePool, pool_attributes(p), {{random_floats(x, -1, 1, rng)}},
                       {OpOutput{}}),
        pool_label(x, p), /*channels_last=*/true);
    // TFLite's AVERAGE_POOL_2D: NHWC as imported, SAME or VALID, a fused activation.
    const char* activation = activations[i % 4];
    const bool same = i++ % 2 == 0;
    const Shape nhwc{p.batch, p.h, p.w, p.c};
    std::ostringstream label;
    label << "nhwc" << dims(nhwc) << " k" << p.kh << "x" << p.kw << " s" << p.sh << "x" << p.sw
          << (same ? " SAME " : " VALID ") << activation;
    add(out,
        make_case(OpKind::kAveragePool,
                  nhwc_pool_attrs(p.kh, p.kw, p.sh, p.sw, same ? "same" : "valid", activation),
                  {{random_floats(nhwc, -8, 8, rng)}}, {OpOutput{}}),
        label.str(), /*channels_last=*/false);
  }
  // Pads counted where there are none to count: XNNPACK takes it.
  const PoolShape p{5, 6, 6, 2, 2, 2, 2, {0, 0, 0, 0}};
  Attributes a = pool_attributes(p);
  a.set("count_include_pad", int64_t{1});
  const Shape x{1, 5, 6, 6};
  add(out, make_case(OpKind::kAveragePool, a, {{random_floats(x, -1, 1, rng)}}, {OpOutput{}}),
      pool_label(x, p) + " count_include_pad", /*channels_last=*/true);
  return out;
}

std::vector<Variant> bilinear_resize_cases(OpKind, Kind, Rng& rng) {
  struct R {
    int64_t n, h, w, c, out_h, out_w;
  };
  std::vector<R> sizes = {{1, 1, 1, 1, 3, 5},   {1, 2, 2, 3, 4, 4},  {1, 4, 6, 8, 8, 12},
                          {2, 5, 3, 7, 9, 11},  {1, 8, 8, 16, 4, 4}, {1, 7, 9, 17, 3, 2},
                          {1, 16, 16, 33, 32, 32}, {1, 3, 3, 4, 1, 1}};
  for (int i = 0; i < kRandomCases; ++i)
    sizes.push_back({uniform_int(1, 2, rng), uniform_int(1, 12, rng), uniform_int(1, 12, rng),
                     any_channels(rng), uniform_int(1, 24, rng), uniform_int(1, 24, rng)});
  std::vector<Variant> out;
  // TFLite's three conventions: half_pixel_centers, align_corners, neither.
  const std::pair<bool, bool> modes[] = {{false, true}, {true, false}, {false, false}};
  for (const R& r : sizes)
    for (const auto& [align_corners, half_pixel] : modes) {
      const Shape x{r.n, r.h, r.w, r.c};
      std::ostringstream label;
      label << "nhwc" << dims(x) << " -> " << r.out_h << "x" << r.out_w
            << (align_corners ? " align_corners" : half_pixel ? " half_pixel" : " asymmetric");
      add(out,
          make_case(OpKind::kResize, bilinear_resize_attrs(align_corners, half_pixel),
                    bilinear_resize_inputs({random_floats(x, -4, 4, rng)}, r.out_h, r.out_w),
                    {OpOutput{}}),
          label.str(), /*channels_last=*/false);
    }
  return out;
}

std::vector<Variant> transpose_conv_cases(OpKind, Kind, Rng& rng) {
  struct T {
    int64_t n, h, w, ci, co, kh, kw, sh, sw;
    const char* padding;  // "same", "valid" or "explicit" (pads and output_padding)
  };
  std::vector<T> shapes = {{1, 1, 1, 1, 1, 1, 1, 1, 1, "valid"},   {1, 2, 2, 3, 4, 2, 2, 2, 2, "same"},
                           {1, 4, 4, 8, 16, 3, 3, 2, 2, "same"},   {2, 3, 5, 7, 9, 3, 3, 1, 1, "valid"},
                           {1, 8, 8, 16, 8, 4, 4, 2, 2, "explicit"}, {1, 5, 3, 17, 3, 2, 3, 2, 1, "same"},
                           {1, 6, 6, 33, 31, 3, 3, 3, 3, "explicit"}};
  const char* paddings[] = {"same", "valid", "explicit"};
  for (int i = 0; i < kRandomCases; ++i) {
    T t{uniform_int(1, 2, rng),  uniform_int(1, 9, rng),  uniform_int(1, 9, rng),
        any_channels(rng),       any_channels(rng),       uniform_int(1, 4, rng),
        uniform_int(1, 4, rng),  uniform_int(1, 3, rng),  uniform_int(1, 3, rng),
        paddings[uniform_int(0, 2, rng)]};
    shapes.push_back(t);
  }
  const char* activations[] = {"none", "relu", "relu6", "relu_n1_to_1"};
  std::vector<Variant> out;
  int i = 0;
  for (const T& t : shapes) {
    Attributes a;
    a.set("channels_last", int64_t{1});
    a.set("weights_layout", std::string("OHWI"));
    a.set("strides", std::vector<int64_t>{t.sh, t.sw});
    const std::string padding = t.padding;
    std::vector<int64_t> pads(4, 0), adjust(2, 0);
    if (padding == "explicit") {
      // TFLite's importer: the pads of the output it asks for, and an output past the natural
      // one reached by output_padding (less than a stride).
      pads = {uniform_int(0, t.kh - 1, rng), uniform_int(0, t.kw - 1, rng),
              uniform_int(0, t.kh - 1, rng), uniform_int(0, t.kw - 1, rng)};
      adjust = {uniform_int(0, t.sh - 1, rng), uniform_int(0, t.sw - 1, rng)};
      a.set("pads", pads);
      a.set("output_padding", adjust);
    } else {
      a.set("auto_pad", std::string(padding == "same" ? "SAME_UPPER" : "VALID"));
    }
    const char* activation = activations[i++ % 4];
    a.set("activation", std::string(activation));
    const Shape x{t.n, t.h, t.w, t.ci}, w{t.co, t.kh, t.kw, t.ci};
    std::vector<OpInput> in{{random_floats(x, -1, 1, rng)}, {random_floats(w, -1, 1, rng), true}};
    const bool bias = i % 3 != 0;
    if (bias) in.push_back({random_floats(Shape{t.co}, -1, 1, rng), true});
    std::ostringstream label;
    label << "nhwc" << dims(x) << " w" << dims(w) << " s" << t.sh << "x" << t.sw << " " << padding;
    if (padding == "explicit")
      label << " pads " << pads[0] << "," << pads[1] << "," << pads[2] << "," << pads[3]
            << " adjust " << adjust[0] << "," << adjust[1];
    label << " " << activation << (bias ? "" : " no bias");
    add(out, make_case(OpKind::kConvTranspose, a, in, {OpOutput{}}), label.str(),
        /*channels_last=*/false);
  }
  return out;
}

std::vector<Variant> global_average_pool_cases(OpKind, Kind, Rng& rng) {
  const Shape shapes[] = {Shape{1, 1, 1, 1},  Shape{2, 3, 5, 7},   Shape{1, 16, 1, 1},
                          Shape{1, 17, 9, 9}, Shape{2, 33, 4, 3},  Shape{1, 8, 13, 1},
                          Shape{2, 7, 11},    Shape{1, 9, 2, 3, 4}};
  std::vector<Variant> out;
  for (const Shape& s : shapes)
    for (bool channels_last : {false, true}) {
      if (channels_last && s.rank() != 4) continue;
      add(out,
          make_case(OpKind::kGlobalAveragePool, {}, {{random_floats(s, -1, 1, rng)}}, {OpOutput{}}),
          "x" + dims(s) + (channels_last ? " channels_last" : ""), channels_last);
    }
  return out;
}

// ---- Elementwise ops ----

namespace {

// Sizes around XNNPACK's elementwise tiles (8 and 16 floats per AVX2 / AVX-512 vector, 4x
// unrolled) and a few shaped tensors.
const Shape kElementwiseShapes[] = {Shape{1},          Shape{3},       Shape{4},   Shape{7},
                                    Shape{8},          Shape{9},       Shape{16},  Shape{17},
                                    Shape{31},         Shape{33},      Shape{63},  Shape{65},
                                    Shape{2, 3, 5, 7}, Shape{1, 1000}, Shape{4099}};

Tensor scalar(float v) {
  Tensor t = Tensor::allocate(DType::kFloat32, Shape{}).value();
  *t.data_as<float>() = v;
  return t;
}

}  // namespace

std::vector<Variant> unary_cases(OpKind op, Kind, Rng& rng) {
  std::vector<Variant> out;
  // Clip's bounds: constant scalar inputs, either absent (NaN here).
  const std::pair<float, float> bounds[] = {
      {-1.0f, 1.0f}, {0.0f, NAN}, {NAN, 0.5f}, {-2.5f, 6.0f}, {NAN, NAN}};
  int i = 0;
  for (const Shape& s : kElementwiseShapes) {
    std::vector<OpInput> in{{random_floats(s, -8.0f, 8.0f, rng)}};
    std::string label = "x" + dims(s);
    if (op == OpKind::kClip) {
      const auto [lo, hi] = bounds[static_cast<size_t>(i) % std::size(bounds)];
      in.push_back(std::isnan(lo) ? absent_input() : OpInput{scalar(lo), true});
      in.push_back(std::isnan(hi) ? absent_input() : OpInput{scalar(hi), true});
      label += " min " + (std::isnan(lo) ? std::string("none") : std::to_string(lo)) + " max " +
               (std::isnan(hi) ? std::string("none") : std::to_string(hi));
    }
    const bool in_place = i++ % 2 == 1;
    add(out, make_case(op, {}, in, {OpOutput{}}), label + (in_place ? " in place" : ""), false,
        in_place ? 0 : -1);
  }
  if (op == OpKind::kClip) {  // the older form, bounds as attributes: TFLite's RELU6
    Attributes relu6;
    relu6.set("min", 0.0f);
    relu6.set("max", 6.0f);
    const Shape s{2, 3, 5, 7};
    add(out, make_case(op, relu6, {{random_floats(s, -8.0f, 8.0f, rng)}}, {OpOutput{}}),
        "x" + dims(s) + " attributes min 0 max 6", false, -1);
  }
  return out;
}

// ONNX's form of a conversion's parameters: a constant scalar scale and zero point.
std::vector<OpInput> conversion_operands(const QuantParams& q, DType integer) {
  Tensor zp = Tensor::allocate(integer, Shape{}).value();
  if (integer == DType::kUInt8) *zp.data_as<uint8_t>() = static_cast<uint8_t>(q.zero_point[0]);
  else *zp.data_as<int8_t>() = static_cast<int8_t>(q.zero_point[0]);
  return {{scalar(q.scale[0]), true}, {std::move(zp), true}};
}

std::vector<Variant> convert_cases(OpKind op, Kind kind, Rng& rng) {
  std::vector<Variant> out;
  Attributes tflite;  // TFLite's QUANTIZE rounds half away from zero; ONNX's half to even
  tflite.set("rounding", std::string("half_away_from_zero"));
  int i = 0;
  for (const Shape& s : kElementwiseShapes) {
    // Alternately TFLite's form (parameters on the values) and ONNX's (operands).
    const bool onnx = i % 2 == 1;
    const std::string form = onnx ? " (ONNX operands)" : "";
    if (op == OpKind::kQuantize) {
      // Alternately uint8 and int8, over about 300 steps: some inputs saturate either way.
      const Kind to = (i / 2) % 2 == 0 ? Kind::kUInt8 : Kind::kInt8;
      const QuantParams q = activation_quant(to, rng);
      const float range = q.scale[0] * 150.0f;
      std::vector<OpInput> in{{random_floats(s, -range, range, rng)}};
      if (onnx)
        for (OpInput& operand : conversion_operands(q, dtype_of(to))) in.push_back(std::move(operand));
      add(out, make_case(op, onnx ? Attributes{} : tflite, in, {onnx ? OpOutput{dtype_of(to)} : output_of_kind(to, q)}),
          std::string("x") + dims(s) + " to " + kind_name(to) + form);
    } else {
      const QuantParams q = activation_quant(kind, rng);
      std::vector<OpInput> in{{activation(kind, s, q, rng)}};
      if (onnx)
        for (OpInput& operand : conversion_operands(q, dtype_of(kind))) in.push_back(std::move(operand));
      add(out, make_case(op, {}, in, {OpOutput{}}), std::string("x") + dims(s) + " from " + kind_name(kind) + form);
    }
    ++i;
  }
  return out;
}

namespace {

// Operand shapes: equal, one broadcast along trailing or leading axes, both broadcast, a scalar,
// rank 6 (XNNPACK's limit).
const std::pair<Shape, Shape> kBinaryShapes[] = {
    {Shape{1}, Shape{1}},
    {Shape{7}, Shape{7}},
    {Shape{17}, Shape{17}},
    {Shape{33}, Shape{33}},
    {Shape{2, 3, 5, 7}, Shape{2, 3, 5, 7}},
    {Shape{1, 1000}, Shape{1, 1000}},
    {Shape{2, 3, 5, 7}, Shape{7}},
    {Shape{16}, Shape{2, 3, 5, 16}},
    {Shape{2, 1, 5, 1}, Shape{1, 3, 1, 9}},
    {Shape{}, Shape{4, 9}},
    {Shape{4, 9}, Shape{1}},
    {Shape{1, 2, 1, 2, 1, 3}, Shape{2, 1, 2, 1, 3, 1}},
    {Shape{3, 1}, Shape{1, 31}},
    {Shape{2, 8, 8, 17}, Shape{1, 1, 1, 17}},
};

}  // namespace

std::vector<Variant> binary_cases(OpKind op, Kind k, Rng& rng) {
  std::vector<Variant> out;
  int i = 0;
  for (const auto& [a_shape, b_shape] : kBinaryShapes) {
    for (int constant = 0; constant < 3; ++constant) {  // none, a, b
      const int n = i++;
      QuantParams aq, bq, yq;
      if (k != Kind::kFloat32) {
        aq = activation_quant(k, rng);
        bq = activation_quant(k, rng);
        const float y_scale = op == OpKind::kMul
                                  ? aq.scale[0] * bq.scale[0] * 137.0f * uniform(0.5f, 2.0f, rng)
                                  : (aq.scale[0] + bq.scale[0]) * uniform(0.5f, 1.5f, rng);
        yq = fit_activation(per_tensor(y_scale, activation_quant(k, rng).zero_point[0]),
                            kActivations[n % 4]);
      }
      Attributes attrs;
      const char* act = kActivations[n % 4];
      attrs.set("activation", std::string(act));
      std::vector<OpInput> in{{activation(k, a_shape, aq, rng, 4.0f), constant == 1},
                              {activation(k, b_shape, bq, rng, 4.0f), constant == 2}};
      Result<OpCase> c = make_case(op, attrs, in, {output_of_kind(k, yq)});
      // In place over a non-constant operand of the output's shape (float32 only, as planned).
      int in_place = -1;
      if (c.is_ok() && k == Kind::kFloat32 && n % 2 == 0) {
        const Shape& y = c->graph.value(c->graph.nodes[0].outputs[0]).shape;
        for (int operand = 0; operand < 2 && in_place < 0; ++operand)
          if (constant != operand + 1 && (operand == 0 ? a_shape : b_shape) == y)
            in_place = operand;
      }
      std::ostringstream label;
      label << "a" << dims(a_shape) << (constant == 1 ? " (constant)" : "") << " b" << dims(b_shape)
            << (constant == 2 ? " (constant)" : "") << " " << act
            << (in_place >= 0 ? " in place over " + std::string(in_place == 0 ? "a" : "b") : "");
      add(out, std::move(c), label.str(), false, in_place);
    }
  }
  return out;
}

std::vector<std::vector<OpInput>> canonical_inputs(Kind k, Rng& rng) {
  const Shape x4{2, 8, 8, 8};  // 8 divides by every block size and group below
  const QuantParams xq = k == Kind::kFloat32 ? QuantParams{} : activation_quant(k, rng);
  auto x = [&](const Shape& s) { return activation(k, s, xq, rng); };
  auto w = [&](const Shape& s, int axis) { return OpInput{weights(k, s, axis, rng), true}; };
  auto c8 = [&] { return OpInput{random_floats(Shape{8}, 0.5f, 1.0f, rng), true}; };
  auto ints32 = [](Shape s, std::vector<int32_t> v) { return OpInput{make_typed(s, v), true}; };
  auto ints64 = [](Shape s, std::vector<int64_t> v) { return OpInput{make_typed(s, v), true}; };
  const OpInput b{bias(k, 8, 72, rng), true};
  return {
      // Elementwise, pools, activations, reductions without operands.
      {{x(x4)}},
      {{x(x4)}, {x(x4)}},
      {{x(x4)}, {x(x4), true}},
      {{x(x4)}, {x(Shape{8}), true}},
      {{x(x4)}, {x(Shape{}), true}},
      {{x(x4)},
       {random_floats(Shape{}, -1, 0, rng), true},
       {random_floats(Shape{}, 0, 1, rng), true}},  // Clip
      // Convolutions.
      {{x(x4)}, w(Shape{8, 8, 3, 3}, 0)},
      {{x(x4)}, w(Shape{8, 8, 3, 3}, 0), b},
      {{x(x4)}, w(Shape{8, 1, 3, 3}, 0), b},  // ONNX depthwise (group 8)
      {{x(x4)}, w(Shape{8, 3, 3, 8}, 0), b},  // TFLite OHWI
      {{x(x4)}, w(Shape{1, 3, 3, 8}, 3), b},  // TFLite depthwise
      // Matrix products.
      {{x(Shape{8, 8})}, w(Shape{8, 8}, 0)},
      {{x(Shape{8, 8})}, w(Shape{8, 8}, 0), b},
      // Ops with integer operands: shapes, paddings, axes, sizes, starts and ends, repeats.
      {{x(x4)}, ints32(Shape{2}, {16, 64})},                                   // Reshape
      {{x(x4)}, ints64(Shape{2}, {16, 64})},                                   // ONNX Reshape
      {{x(x4)}, ints32(Shape{4, 2}, {0, 0, 1, 1, 1, 1, 0, 0})},                // Pad
      {{x(x4)}, ints64(Shape{8}, {0, 0, 1, 1, 0, 0, 1, 1})},                   // ONNX Pad
      {{x(x4)}, ints32(Shape{2}, {1, 2})},                                     // Mean
      {{x(x4)}, absent_input(), absent_input(), ints64(Shape{4}, {2, 16, 16, 8})},  // Resize, sizes
      {{x(x4)}, ints64(Shape{4}, {1, 1, 2, 2})},                               // Expand, Tile
      {{x(x4)}, ints64(Shape{1}, {0}), ints64(Shape{1}, {4})},                 // Slice
      {{x(x4)}, absent_input(), {make_tensor(Shape{4}, {1, 1, 2, 2}), true}},  // Resize
      {{x(x4)}, {make_tensor(Shape{}, {0.1f}), true}},                         // DequantizeLinear
      // Normalizations.
      {{x(x4)}, c8(), c8()},
      {{x(x4)}, c8(), c8(), c8(), c8()},
  };
}

std::vector<Attributes> canonical_attributes() {
  Attributes plain;
  Attributes window;  // what pools and convolutions of either format read
  window.set("kernel_shape", std::vector<int64_t>{3, 3});
  Attributes depthwise;
  depthwise.set("group", int64_t{8});
  Attributes block;
  block.set("blocksize", int64_t{2});   // DepthToSpace, SpaceToDepth
  block.set("size", int64_t{3});        // LRN
  return {plain, window, depthwise, block};
}

OpOutput canonical_output(Kind k, Rng& rng) {
  return output_of_kind(k, k == Kind::kFloat32 ? QuantParams{} : activation_quant(k, rng));
}

}  // namespace outpost::testing
