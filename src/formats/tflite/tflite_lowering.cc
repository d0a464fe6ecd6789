#include "formats/tflite/tflite_lowering.h"

#include <cstring>
#include <utility>

#include "ir/int64_constant.h"

namespace outpost::tflite {

int Lowering::intermediate(const std::string& suffix, DType dtype, Shape shape, QuantParams quant) {
  Value v;
  v.name = name(suffix);
  v.dtype = dtype;
  v.quant = std::move(quant);
  v.shape = std::move(shape);
  return graph_.add_value(std::move(v));
}

int Lowering::intermediate_like(const std::string& suffix, int like, Shape shape) {
  const Value& v = graph_.value(like);
  return intermediate(suffix, v.dtype, std::move(shape), v.quant);
}

int Lowering::int64s(const std::string& suffix, const std::vector<int64_t>& values) {
  return add_int64_constant(graph_, name(suffix), values);
}

// Zeros up to this size are a constant made here. Larger ones are an Expand of one zero: a
// model's numbers decide the size (NON_MAX_SUPPRESSION's max_output_size), and a hostile one asks
// for gigabytes (fuzz_tflite oom-79f54041), which constant folding materializes only within its
// limit and the session otherwise computes in its arena, under SessionOptions::max_arena_bytes.
constexpr size_t kZerosConstantBytes = size_t{64} << 10;

int Lowering::zeros(const std::string& suffix, DType dtype, const Shape& shape) {
  const int id = intermediate(suffix, dtype, shape);
  const size_t bytes = static_cast<size_t>(shape.num_elements().value_or(0)) * dtype_size(dtype);
  if (bytes <= kZerosConstantBytes) {
    set_owned_constant(graph_.value(id), std::vector<uint8_t>(bytes));
    return id;
  }
  add(OpKind::kExpand, suffix, {scalar(suffix + "_zero", dtype, 0), int64s(suffix + "_shape", shape.dims())},
      {id});
  return id;
}

int Lowering::scalar(const std::string& suffix, DType dtype, double value) {
  Value v;
  v.name = name(suffix);
  v.dtype = dtype;
  v.shape = Shape(std::vector<int64_t>{});
  std::vector<uint8_t> bytes(dtype_size(dtype));
  auto put = [&](auto x) { std::memcpy(bytes.data(), &x, sizeof x); };
  switch (dtype) {
    case DType::kFloat32: put(static_cast<float>(value)); break;
    case DType::kFloat64: put(value); break;
    case DType::kInt32: put(static_cast<int32_t>(value)); break;
    case DType::kInt64: put(static_cast<int64_t>(value)); break;
    case DType::kInt8: put(static_cast<int8_t>(value)); break;
    case DType::kUInt8: put(static_cast<uint8_t>(value)); break;
    case DType::kInt16: put(static_cast<int16_t>(value)); break;
    case DType::kUInt16: put(static_cast<uint16_t>(value)); break;
    case DType::kUInt32: put(static_cast<uint32_t>(value)); break;
    case DType::kBool: put(static_cast<uint8_t>(value != 0)); break;
    default: break;  // callers ask only for the dtypes above
  }
  set_owned_constant(v, std::move(bytes));
  return graph_.add_value(std::move(v));
}

Node& Lowering::add(OpKind op, const std::string& suffix, std::vector<int> inputs,
                    std::vector<int> outputs) {
  Node n;
  n.op = op;
  n.name = name(suffix);
  n.source_index = from_.source_index;
  n.origin = from_.origin;
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  nodes_.push_back(std::move(n));
  return nodes_.back();
}

Node& Lowering::add(Node node) {
  nodes_.push_back(std::move(node));
  return nodes_.back();
}

void Lowering::cast_output_from_int64(size_t i) {
  const int declared = nodes_.back().outputs[i];
  if (graph_.value(declared).dtype == DType::kInt64) return;
  const int wide = intermediate("int64_" + std::to_string(i), DType::kInt64,
                                graph_.value(declared).shape);
  nodes_.back().outputs[i] = wide;
  const auto to = static_cast<int64_t>(graph_.value(declared).dtype);
  add(OpKind::kCast, "cast_" + std::to_string(i), {wide}, {declared}).attrs.set("to_dtype", to);
}

Status activation_option(int8_t code, Node& n, const std::string& where) {
  if (code < 0 || code > 4)
    return unsupported(where + ": fused activation " + std::to_string(code) + " is not supported");
  n.attrs.set("fused_activation", int64_t{code});
  return Status::ok();
}

void add_activated(Lowering& l, OpKind op, const std::string& name, std::vector<int> inputs, int y,
                   int64_t activation, Attributes attrs) {
  const int to = activation == 0 ? y : l.intermediate_like(name, y, l.value(y).shape);
  l.add(op, name, std::move(inputs), {to}).attrs = std::move(attrs);
  if (activation == 0) return;
  if (activation == 1) {
    l.add(OpKind::kRelu, "activation", {to}, {y});
  } else if (activation == 4) {
    l.add(OpKind::kTanh, "activation", {to}, {y});
  } else {
    Node& clip = l.add(OpKind::kClip, "activation", {to}, {y});
    clip.attrs.set("min", activation == 2 ? -1.0f : 0.0f);
    clip.attrs.set("max", activation == 2 ? 1.0f : 6.0f);
  }
}

}  // namespace outpost::tflite
