// Dropout. In inference (no training_mode, or false) it is the identity with the mask all true.
// In training it zeroes each element with probability `ratio` and scales the rest by
// 1 / (1 - ratio): the draws come from the random generator of ONNX's reference (numpy), which
// Outpost cannot reproduce, so only ratio 0, again the identity, is supported. training_mode and
// ratio are read where they are known: constants when the kernel is made (a random Dropout is
// refused at load), model inputs in every run (a run that asks for random draws fails, with
// kUnsupported naming the node, rather than give a wrong answer).
#include <cstring>
#include <optional>

#include "backends/ref/onnx_common.h"
#include "backends/ref/onnx_kernel_factories.h"
#include "ir/op_schema.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

constexpr size_t kRatio = 1, kTrainingMode = 2;
constexpr double kDefaultRatio = 0.5;  // ONNX's, when the ratio operand is absent

// The first element of a float operand (float16, float32 or float64) as a double.
double float_at(DType d, const void* data) {
  if (d == DType::kFloat16) return half_to_float(*static_cast<const uint16_t*>(data));
  if (d == DType::kFloat64) return *static_cast<const double*>(data);
  return *static_cast<const float*>(data);
}

// Whether a training-mode Dropout of this ratio draws random numbers.
bool random(double ratio) { return ratio != 0; }

// The operands' checks, so that the kernel only ever reads one element of each.
Status check_operands(const Graph& g, const Node& n) {
  if (has_input(n, kRatio)) {
    const Value& r = input_of(g, n, kRatio);
    if (r.dtype != DType::kFloat16 && r.dtype != DType::kFloat32 && r.dtype != DType::kFloat64)
      return not_handled(g, n, std::string("ratio of dtype ") + dtype_name(r.dtype) +
                                   " is not supported (a float scalar)");
    if (r.shape.num_elements().value_or(0) != 1)
      return not_handled(g, n, "ratio " + r.shape.to_string() + " is not a scalar");
  }
  if (has_input(n, kTrainingMode)) {
    const Value& t = input_of(g, n, kTrainingMode);
    if (t.dtype != DType::kBool)
      return not_handled(g, n, std::string("training_mode of dtype ") + dtype_name(t.dtype) +
                                   " is not supported (a bool scalar)");
    if (t.shape.num_elements().value_or(0) != 1)
      return not_handled(g, n, "training_mode " + t.shape.to_string() + " is not a scalar");
  }
  return Status::ok();
}

// The refusal of a training-mode Dropout that would draw random numbers.
Status random_dropout(const Graph& g, const Node& n) {
  return not_handled(g, n,
                     "Dropout in training mode with a non-zero ratio draws random numbers, and "
                     "Outpost cannot reproduce the draws of ONNX's reference (numpy); only ratio "
                     "0 (the identity) is supported");
}

// An operand's value when it is a constant, nullopt when the model feeds it.
std::optional<bool> constant_training(const Graph& g, const Node& n) {
  if (!has_input(n, kTrainingMode)) return false;
  const Value& t = input_of(g, n, kTrainingMode);
  if (!t.is_constant()) return std::nullopt;
  return t.constant.bytes[0] != 0;
}
std::optional<double> constant_ratio(const Graph& g, const Node& n) {
  if (!has_input(n, kRatio)) return kDefaultRatio;
  const Value& r = input_of(g, n, kRatio);
  if (!r.is_constant()) return std::nullopt;
  return float_at(r.dtype, r.constant.bytes);
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_dropout(const Node& node, const Graph& graph) {
  OUTPOST_RETURN_IF_ERROR(check_operands(graph, node));
  if (output_of(graph, node).dtype != input_of(graph, node, 0).dtype)
    return not_handled(graph, node, "input and output dtypes differ");
  const std::optional<bool> training = constant_training(graph, node);
  const std::optional<double> ratio = constant_ratio(graph, node);
  if (training.value_or(false) && ratio && random(*ratio)) return random_dropout(graph, node);
  // What a model input decides is read in every run. A refusal then carries the node's origin
  // (its ONNX op and opset), which the session adds to load-time errors only.
  const bool train_per_run = !training, ratio_per_run = !ratio;
  const bool known_training = training.value_or(false);
  const double known_ratio = ratio.value_or(0);
  const bool mask = node.outputs.size() > 1;
  const Status refusal = with_origin(random_dropout(graph, node), node);
  return make_checked_kernel([=](std::span<const TensorView> in, std::span<const TensorView> out) {
    const bool train = train_per_run ? *in[kTrainingMode].as<const bool>() : known_training;
    if (train) {
      const double r = ratio_per_run ? float_at(in[kRatio].dtype, in[kRatio].data) : known_ratio;
      if (random(r)) return refusal;
    }
    const size_t bytes = static_cast<size_t>(out[0].num_elements()) * dtype_size(out[0].dtype);
    if (out[0].data != in[0].data && bytes) std::memmove(out[0].data, in[0].data, bytes);
    if (mask) std::memset(out[1].data, 1, static_cast<size_t>(out[1].num_elements()));
    return Status::ok();
  });
}

}  // namespace outpost
