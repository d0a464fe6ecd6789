// The TFLite builtins that compute: elementwise functions and comparisons, activations,
// reductions, matrix products and normalizations, as rules (tflite_builtin_rule.h). Most are
// the IR's op of that concept; a few are the IR nodes TFLite's own kernel computes them with
// (RSQRT is 1 / sqrt(x), SQUARED_DIFFERENCE is (a - b) * (a - b)).
#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>

#include "formats/tflite/tflite_builtin_rule.h"

namespace outpost::tflite {
namespace {

// Builtin codes of TFLite's BuiltinOperator enum.
enum : int32_t {
  kL2Normalization = 11, kLocalResponseNormalization = 13, kReluN1To1 = 20, kExp = 47,
  kLogSoftmax = 50, kPrelu = 54, kMaximum = 55, kMinimum = 57, kLess = 58, kNeg = 59,
  kGreater = 61, kGreaterEqual = 62, kLessEqual = 63, kSelect = 64, kSin = 66, kEqual = 71,
  kNotEqual = 72, kLog = 73, kSum = 74, kSqrt = 75, kRsqrt = 76, kPow = 78, kReduceProd = 81,
  kReduceMax = 82, kLogicalOr = 84, kLogicalAnd = 86, kLogicalNot = 87, kReduceMin = 89,
  kSquare = 92, kFloor = 8, kLeakyRelu = 98, kSquaredDifference = 99, kAbs = 101, kCeil = 104,
  kAddN = 106, kCos = 108, kElu = 111, kRound = 116, kSelectV2 = 123, kBatchMatMul = 126,
  kGelu = 150, kReluZeroToOne = 152, kSign = 158, kTransposeConv = 67, kFloorDiv = 90,
  kFloorMod = 95,
};

// TFLite's fused activations, by ActivationFunctionType.
const char* const kActivations[] = {"none", "relu", "relu_n1_to_1", "relu6", "tanh"};

// ---- translations

Status keep_dims_option(const Options& o, Node& n, const std::string&) {
  n.attrs.set("keepdims", int64_t{o.flag(0)});
  n.attrs.set("noop_with_empty_axes", int64_t{1});  // TFLite's empty axes reduce nothing
  return Status::ok();
}

Status leaky_relu_options(const Options& o, Node& n, const std::string&) {
  n.attrs.set("alpha", o.f32(0, 0.2f));
  return Status::ok();
}

Status elu_options(const Options&, Node& n, const std::string&) {
  n.attrs.set("alpha", 1.0f);
  return Status::ok();
}

Status log_softmax_options(const Options&, Node& n, const std::string&) {
  n.attrs.set("axis", int64_t{-1});
  return Status::ok();
}

Status relu_n1_to_1_options(const Options&, Node& n, const std::string&) {
  n.attrs.set("min", -1.0f);
  n.attrs.set("max", 1.0f);
  return Status::ok();
}

Status relu_0_to_1_options(const Options&, Node& n, const std::string&) {
  n.attrs.set("min", 0.0f);
  n.attrs.set("max", 1.0f);
  return Status::ok();
}

Status batch_matmul_options(const Options& o, Node& n, const std::string& where) {
  if (o.flag(2))
    return unsupported(where + ": BATCH_MATMUL with asymmetric_quantize_inputs (hybrid) is not "
                       "supported");
  n.attrs.set("adj_x", int64_t{o.flag(0)});
  n.attrs.set("adj_y", int64_t{o.flag(1)});
  return Status::ok();
}

Status l2_norm_options(const Options& o, Node&, const std::string& where) {
  if (o.i8(0) != 0)
    return unsupported(where + ": L2_NORMALIZATION with a fused activation is not supported");
  return Status::ok();
}

Status lrn_options(const Options& o, Node& n, const std::string& where) {
  const int32_t radius = o.i32(0, 5);
  if (radius < 0 || radius > 4096)
    return invalid_model(where + ": radius " + std::to_string(radius) + " is out of range");
  // TFLite sums squares over [c - radius, c + radius] and scales the sum by alpha; ONNX's LRN
  // scales it by alpha / size.
  const int64_t size = 2 * int64_t{radius} + 1;
  n.attrs.set("size", size);
  n.attrs.set("alpha", o.f32(2, 1.0f) * static_cast<float>(size));
  n.attrs.set("beta", o.f32(3, 0.5f));
  n.attrs.set("bias", o.f32(1, 1.0f));
  return Status::ok();
}

Status transpose_conv_options(const Options& o, Node& n, const std::string& where) {
  const int8_t padding = o.i8(0), act = o.i8(3);
  if (padding != 0 && padding != 1)
    return invalid_model(where + ": padding " + std::to_string(padding) + " is neither SAME nor VALID");
  if (act < 0 || act > 4)
    return unsupported(where + ": fused activation " + std::to_string(act) + " is not supported");
  // Strides are checked once the node is lowered: an operator without options has none.
  n.attrs.set("strides", std::vector<int64_t>{o.i32(2), o.i32(1)});
  n.attrs.set("same", int64_t{padding == 0});
  n.attrs.set("activation", std::string(kActivations[act]));
  n.attrs.set("channels_last", int64_t{1});
  n.attrs.set("weights_layout", std::string("OHWI"));
  return Status::ok();
}

Status gelu_options(const Options& o, Node& n, const std::string&) {
  n.attrs.set("approximate", int64_t{o.flag(0)});
  return Status::ok();
}

// ---- lowerings

Status binary(const Node& n, const std::string& where) {
  if (has_inputs(n, 2)) return Status::ok();
  return invalid_model(where + ": takes two inputs, has " + std::to_string(n.inputs.size()));
}

Status unary(const Node& n, const std::string& where) {
  if (has_inputs(n, 1)) return Status::ok();
  return invalid_model(where + ": takes one input, has " + std::to_string(n.inputs.size()));
}

Status lower_unary(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(unary(n, where));
  l.add(std::move(n));
  return Status::ok();
}

Status lower_binary(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(binary(n, where));
  l.add(std::move(n));
  return Status::ok();
}

// RSQRT(x) = 1 / sqrt(x), as TFLite computes it.
Status lower_rsqrt(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(unary(n, where));
  const int root = l.intermediate_like("sqrt", n.outputs[0], l.value(n.outputs[0]).shape);
  l.add(OpKind::kSqrt, "sqrt", {n.inputs[0]}, {root});
  n.op = OpKind::kReciprocal;
  n.inputs = {root};
  l.add(std::move(n));
  return Status::ok();
}

// SQUARE(x) = x * x.
Status lower_square(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(unary(n, where));
  n.inputs = {n.inputs[0], n.inputs[0]};
  l.add(std::move(n));
  return Status::ok();
}

// SQUARED_DIFFERENCE(a, b) = (a - b) * (a - b).
Status lower_squared_difference(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(binary(n, where));
  const int d = l.intermediate_like("difference", n.outputs[0], l.value(n.outputs[0]).shape);
  l.add(OpKind::kSub, "difference", n.inputs, {d});
  n.inputs = {d, d};
  l.add(std::move(n));
  return Status::ok();
}

// FLOOR_MOD(a, b): Mod with Python's sign rule (the divisor's), for floats and integers alike.
Status floor_mod_options(const Options&, Node& n, const std::string&) {
  n.attrs.set("fmod", int64_t{0});
  return Status::ok();
}

// FLOOR_DIV(a, b): floor(a / b) for floats; for integers (a - floor_mod(a, b)) / b, a division
// that is exact, so Div's truncation gives the floor.
Status lower_floor_div(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(binary(n, where));
  const int y = n.outputs[0];
  const Shape shape = l.value(y).shape;
  const DType dtype = l.value(y).dtype;
  if (dtype == DType::kFloat32) {
    const int quotient = l.intermediate("quotient", dtype, shape);
    l.add(OpKind::kDiv, "quotient", n.inputs, {quotient});
    n.op = OpKind::kFloor;
    n.inputs = {quotient};
    l.add(std::move(n));
    return Status::ok();
  }
  const int mod = l.intermediate("mod", dtype, shape);
  l.add(OpKind::kMod, "mod", n.inputs, {mod}).attrs.set("fmod", int64_t{0});
  const int exact = l.intermediate("exact", dtype, shape);
  l.add(OpKind::kSub, "exact", {n.inputs[0], mod}, {exact});
  n.op = OpKind::kDiv;
  n.inputs = {exact, n.inputs[1]};
  l.add(std::move(n));
  return Status::ok();
}

// NOT_EQUAL(a, b) = not (a == b).
Status lower_not_equal(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(binary(n, where));
  const int eq = l.intermediate("equal", DType::kBool, l.value(n.outputs[0]).shape);
  l.add(OpKind::kEqual, "equal", n.inputs, {eq});
  n.op = OpKind::kNot;
  n.inputs = {eq};
  l.add(std::move(n));
  return Status::ok();
}

// SELECT(condition, x, y) and SELECT_V2: Where. SELECT's condition may also be a vector over x's
// first dimension, choosing whole rows: it is reshaped to [n, 1, ...] to broadcast so.
Status lower_select(Lowering& l, Node n, const std::string& where) {
  if (!has_inputs(n, 3))
    return invalid_model(where + ": takes three inputs, the condition, x and y");
  const Shape c = l.value(n.inputs[0]).shape, x = l.value(n.inputs[1]).shape;
  if (c.rank() == 1 && x.rank() > 1 && c[0] == x[0]) {
    std::vector<int64_t> rows(x.rank(), 1);
    rows[0] = c[0];
    const int r = l.intermediate("rows", DType::kBool, Shape(rows));
    l.add(OpKind::kReshape, "rows", {n.inputs[0]}, {r}).attrs.set("new_shape", rows);
    n.inputs[0] = r;
  }
  l.add(std::move(n));
  return Status::ok();
}

// ADD_N(x0, x1, ...): Sum.
Status lower_add_n(Lowering& l, Node n, const std::string& where) {
  if (n.inputs.empty() || std::count(n.inputs.begin(), n.inputs.end(), kNoValue) != 0)
    return invalid_model(where + ": takes one or more inputs, none absent");
  l.add(std::move(n));
  return Status::ok();
}

// The transpose of the last two dimensions of `id`.
int last_two_swapped(Lowering& l, int id, const std::string& suffix) {
  const Shape s = l.value(id).shape;
  std::vector<int64_t> perm, dims = s.dims();
  for (size_t k = 0; k < s.rank(); ++k) perm.push_back(static_cast<int64_t>(k));
  std::swap(perm[s.rank() - 1], perm[s.rank() - 2]);
  std::swap(dims[s.rank() - 1], dims[s.rank() - 2]);
  const int t = l.intermediate_like(suffix, id, Shape(dims));
  l.add(OpKind::kTranspose, suffix, {id}, {t}).attrs.set("perm", perm);
  return t;
}

// BATCH_MATMUL(x, y) with adj_x / adj_y: MatMul of the operands, each transposed in its last
// two dimensions where asked.
Status lower_batch_matmul(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(binary(n, where));
  for (size_t i = 0; i < 2; ++i) {
    const char* adj = i == 0 ? "adj_x" : "adj_y";
    if (n.attrs.get_int(adj, 0) == 0) continue;
    if (l.value(n.inputs[i]).shape.rank() < 2)
      return invalid_model(where + ": " + adj + " needs an operand of rank 2 or more");
    n.inputs[i] = last_two_swapped(l, n.inputs[i], i == 0 ? "x_adjoint" : "y_adjoint");
  }
  n.attrs = Attributes();
  l.add(std::move(n));
  return Status::ok();
}

// L2_NORMALIZATION(x) over the last axis: x / sqrt(max(sum(x * x), 1e-6)), TFLite's epsilon.
Status lower_l2_normalization(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(unary(n, where));
  const Shape x = l.value(n.inputs[0]).shape;
  if (x.rank() == 0) return invalid_model(where + ": takes a tensor of rank 1 or more");
  std::vector<int64_t> reduced = x.dims();
  reduced.back() = 1;
  const int sum = l.intermediate("sum_of_squares", DType::kFloat32, Shape(reduced));
  Node& s = l.add(OpKind::kReduceSumSquare, "sum_of_squares", {n.inputs[0]}, {sum});
  s.attrs.set("axes", std::vector<int64_t>{-1});
  s.attrs.set("keepdims", int64_t{1});
  const int floor = l.intermediate("bounded", DType::kFloat32, Shape(reduced));
  l.add(OpKind::kMax, "bounded", {sum, l.scalar("epsilon", DType::kFloat32, 1e-6)}, {floor});
  const int norm = l.intermediate("norm", DType::kFloat32, Shape(reduced));
  l.add(OpKind::kSqrt, "norm", {floor}, {norm});
  n.op = OpKind::kDiv;
  n.attrs = Attributes();
  n.inputs = {n.inputs[0], norm};
  l.add(std::move(n));
  return Status::ok();
}

// LOCAL_RESPONSE_NORMALIZATION over NHWC's channels: ONNX's LRN (over NCHW's) between
// Transposes.
Status lower_lrn(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(unary(n, where));
  const Shape x = l.value(n.inputs[0]).shape;
  if (x.rank() != 4) return invalid_model(where + ": takes an NHWC tensor, has " + x.to_string());
  const int nchw = l.intermediate_like("nchw", n.inputs[0], Shape{x[0], x[3], x[1], x[2]});
  l.add(OpKind::kTranspose, "nchw", {n.inputs[0]}, {nchw})
      .attrs.set("perm", std::vector<int64_t>{0, 3, 1, 2});
  const int y = n.outputs[0];
  const int normalized = l.intermediate_like("normalized", y, Shape{x[0], x[3], x[1], x[2]});
  n.inputs = {nchw};
  n.outputs = {normalized};
  l.add(std::move(n));
  l.add(OpKind::kTranspose, "nhwc", {normalized}, {y})
      .attrs.set("perm", std::vector<int64_t>{0, 2, 3, 1});
  return Status::ok();
}

// GELU(x): 0.5 x (1 + erf(x / sqrt 2)), or with `approximate` the tanh form
// 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))), as TFLite's float kernel defines them.
Status lower_gelu(Lowering& l, Node n, const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(unary(n, where));
  const int x = n.inputs[0], y = n.outputs[0];
  const Shape s = l.value(x).shape;
  auto step = [&](OpKind op, const char* name, std::vector<int> in) {
    const int out = l.intermediate(name, DType::kFloat32, s);
    l.add(op, name, std::move(in), {out});
    return out;
  };
  auto constant = [&](const char* name, double v) { return l.scalar(name, DType::kFloat32, v); };
  int inner;  // erf(x / sqrt 2) or tanh(...)
  if (n.attrs.get_int("approximate", 0) != 0) {
    const int x2 = step(OpKind::kMul, "x2", {x, x});
    const int x3 = step(OpKind::kMul, "x3", {x2, x});
    const int cubic = step(OpKind::kMul, "cubic", {x3, constant("c", 0.044715)});
    const int sum = step(OpKind::kAdd, "sum", {x, cubic});
    const int scaled = step(OpKind::kMul, "scaled", {sum, constant("k", std::sqrt(2.0 / std::numbers::pi))});
    inner = step(OpKind::kTanh, "tanh", {scaled});
  } else {
    const int scaled = step(OpKind::kMul, "scaled", {x, constant("k", 1.0 / std::numbers::sqrt2)});
    inner = step(OpKind::kErf, "erf", {scaled});
  }
  const int one_plus = step(OpKind::kAdd, "one_plus", {inner, constant("one", 1.0)});
  const int half_x = step(OpKind::kMul, "half_x", {x, constant("half", 0.5)});
  n.op = OpKind::kMul;
  n.attrs = Attributes();
  n.inputs = {half_x, one_plus};
  n.outputs = {y};
  l.add(std::move(n));
  return Status::ok();
}

// TRANSPOSE_CONV(output_shape, weights [O, kh, kw, I], x NHWC, [bias]): ConvTranspose of
// (x, weights, bias) with the output the model asks for. TFLite pads as the forward convolution
// from that output would: SAME puts floor(total / 2) before, VALID nothing; the rest of the
// natural output (in - 1) * stride + k is cut at the end, and an output larger than it is
// reached by output_padding (rows no input reaches hold the bias).
Status lower_transpose_conv(Lowering& l, Node n, const std::string& where) {
  if (n.inputs.size() < 3 || n.inputs.size() > 4 || n.inputs[0] == kNoValue ||
      n.inputs[1] == kNoValue || n.inputs[2] == kNoValue)
    return invalid_model(where + ": takes the output shape, the weights, the input and an optional bias");
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> out,
                           constant_operand(l.graph(), n, 0, "output_shape", where));
  const Shape x = l.value(n.inputs[2]).shape, w = l.value(n.inputs[1]).shape;
  if (x.rank() != 4 || w.rank() != 4 || out.size() != 4)
    return invalid_model(where + ": takes an NHWC input, OHWI weights and a 4-entry output_shape");
  if (out[0] != x[0] || out[3] != w[0] || w[3] != x[3])
    return invalid_model(where + ": output_shape " + Shape(out).to_string() + ", weights " +
                         w.to_string() + " and input " + x.to_string() + " do not agree");
  const std::vector<int64_t> strides = n.attrs.get_ints("strides");
  if (strides.size() != 2 || strides[0] <= 0 || strides[1] <= 0)
    return invalid_model(where + ": strides must be positive");
  const bool same = n.attrs.get_int("same", 0) != 0;
  std::vector<int64_t> pads(4, 0), adj(2, 0);
  for (size_t d = 0; d < 2; ++d) {
    const int64_t s = strides[d], k = w[1 + d], o = out[1 + d];
    if (o < 1) return invalid_model(where + ": output_shape must be positive");
    const int64_t forward = (o + s - 1) / s;
    const int64_t before = same ? std::max<int64_t>(0, (forward - 1) * s + k - o) / 2 : 0;
    const int64_t natural = (x[1 + d] - 1) * s + k;
    int64_t after = natural - o - before;
    if (after < 0) {
      adj[d] = -after;
      after = 0;
    }
    pads[d] = before;
    pads[2 + d] = after;
  }
  n.attrs.erase("same");
  n.attrs.set("pads", pads);
  n.attrs.set("output_padding", adj);
  n.inputs = n.inputs.size() == 4 ? std::vector<int>{n.inputs[2], n.inputs[1], n.inputs[3]}
                                  : std::vector<int>{n.inputs[2], n.inputs[1]};
  if (n.inputs.size() == 3 && n.inputs[2] == kNoValue) n.inputs.resize(2);
  l.add(std::move(n));
  return Status::ok();
}

constexpr QuantizedForm kRefused = QuantizedForm::kRefused;
constexpr QuantizedForm kSameParams = QuantizedForm::kSameParams;

// clang-format off
const BuiltinRule kRules[] = {
    // Elementwise functions of one tensor.
    {kExp, OpKind::kExp, "", nullptr, lower_unary, kRefused},
    {kLog, OpKind::kLog, "", nullptr, lower_unary, kRefused},
    {kSqrt, OpKind::kSqrt, "", nullptr, lower_unary, kRefused},
    {kRsqrt, OpKind::kReciprocal, "", nullptr, lower_rsqrt, kRefused},
    {kSquare, OpKind::kMul, "", nullptr, lower_square, kRefused},
    {kAbs, OpKind::kAbs, "", nullptr, lower_unary, kRefused},
    {kNeg, OpKind::kNeg, "", nullptr, lower_unary, kRefused},
    {kSin, OpKind::kSin, "", nullptr, lower_unary, kRefused},
    {kCos, OpKind::kCos, "", nullptr, lower_unary, kRefused},
    {kFloor, OpKind::kFloor, "", nullptr, lower_unary, kRefused},
    {kCeil, OpKind::kCeil, "", nullptr, lower_unary, kRefused},
    {kRound, OpKind::kRound, "", nullptr, lower_unary, kRefused},
    {kSign, OpKind::kSign, "", nullptr, lower_unary, kRefused},
    {kLogicalNot, OpKind::kNot, "", nullptr, lower_unary, kRefused},
    // Activations. Quantized LEAKY_RELU and PRELU run TFLite's kernels
    // (ref/leaky_relu_quantized.cc), RELU_N1_TO_1 and RELU_0_TO_1 its ReluX (ref/relu_quantized.cc).
    {kLeakyRelu, OpKind::kLeakyRelu, "4", leaky_relu_options, lower_unary, QuantizedForm::kAsIs},
    {kElu, OpKind::kElu, "", elu_options, lower_unary, kRefused},
    {kGelu, OpKind::kMul, "1", gelu_options, lower_gelu, kRefused},
    {kReluN1To1, OpKind::kClip, "", relu_n1_to_1_options, lower_unary, QuantizedForm::kAsIs},
    {kReluZeroToOne, OpKind::kClip, "", relu_0_to_1_options, lower_unary, QuantizedForm::kAsIs},
    {kPrelu, OpKind::kPRelu, "", nullptr, lower_binary, QuantizedForm::kAsIs},
    {kLogSoftmax, OpKind::kLogSoftmax, "", log_softmax_options, lower_unary, kRefused},
    // Elementwise functions of two tensors, comparisons and selection. Quantized comparisons
    // rescale both sides as TFLite's (ref/comparison_quantized.cc).
    {kPow, OpKind::kPow, "", nullptr, lower_binary, kRefused},
    {kSquaredDifference, OpKind::kMul, "", nullptr, lower_squared_difference, kRefused},
    {kMaximum, OpKind::kMax, "", nullptr, lower_binary, kSameParams},
    {kMinimum, OpKind::kMin, "", nullptr, lower_binary, kSameParams},
    {kLess, OpKind::kLess, "", nullptr, lower_binary, QuantizedForm::kAsIs},
    {kLessEqual, OpKind::kLessOrEqual, "", nullptr, lower_binary, QuantizedForm::kAsIs},
    {kGreater, OpKind::kGreater, "", nullptr, lower_binary, QuantizedForm::kAsIs},
    {kGreaterEqual, OpKind::kGreaterOrEqual, "", nullptr, lower_binary, QuantizedForm::kAsIs},
    {kEqual, OpKind::kEqual, "", nullptr, lower_binary, QuantizedForm::kAsIs},
    {kNotEqual, OpKind::kNot, "", nullptr, lower_not_equal, QuantizedForm::kAsIs},
    {kLogicalAnd, OpKind::kAnd, "", nullptr, lower_binary, kRefused},
    {kLogicalOr, OpKind::kOr, "", nullptr, lower_binary, kRefused},
    {kSelect, OpKind::kWhere, "", nullptr, lower_select, kSameParams},
    {kSelectV2, OpKind::kWhere, "", nullptr, lower_select, kSameParams},
    {kAddN, OpKind::kSum, "", nullptr, lower_add_n, kRefused},
    {kFloorMod, OpKind::kMod, "", floor_mod_options, lower_binary, kRefused},
    {kFloorDiv, OpKind::kDiv, "", nullptr, lower_floor_div, kRefused},
    // Reductions: the axes tensor becomes the attribute (tflite_operands.cc).
    {kSum, OpKind::kReduceSum, "1", keep_dims_option, nullptr, kRefused},
    {kReduceProd, OpKind::kReduceProd, "1", keep_dims_option, nullptr, kRefused},
    {kReduceMax, OpKind::kReduceMax, "1", keep_dims_option, nullptr, kSameParams},
    {kReduceMin, OpKind::kReduceMin, "1", keep_dims_option, nullptr, kSameParams},
    // Matrix products and normalizations.
    // Quantized: uint8/int8 per tensor (ref/batch_matmul_quantized.cc).
    {kBatchMatMul, OpKind::kMatMul, "111", batch_matmul_options, lower_batch_matmul,
     QuantizedForm::kAsIs},
    {kL2Normalization, OpKind::kDiv, "1", l2_norm_options, lower_l2_normalization, kRefused},
    {kLocalResponseNormalization, OpKind::kLRN, "4444", lrn_options, lower_lrn, kRefused},
    // Quantized: int8 with per-channel weights (ref/transpose_conv2d_quantized.cc).
    {kTransposeConv, OpKind::kConvTranspose, "14411", transpose_conv_options, lower_transpose_conv,
     QuantizedForm::kAsIs},
};
// clang-format on

}  // namespace

std::span<const BuiltinRule> math_builtin_rules() { return kRules; }

}  // namespace outpost::tflite
