#include "formats/onnx/onnx_fp16_writer.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <exception>
#include <unordered_set>

#include "core/float16.h"
#include "formats/onnx/onnx_graph_index.h"
#include "formats/onnx/onnx_tensor.h"

namespace outpost {
namespace {

constexpr float kLargestHalf = 65504.0f;

bool default_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }


// The tensor as float16 bits, or nothing when a finite value is beyond float16's range (it would
// become an infinity). `error` receives the largest rounding error relative to max |w|.
std::optional<std::vector<uint16_t>> as_half(const Tensor& t, double& error) {
  const float* w = t.data_as<float>();
  const int64_t n = t.num_elements();
  float largest = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (std::isfinite(w[i]) && std::fabs(w[i]) > kLargestHalf) return std::nullopt;
    if (std::isfinite(w[i])) largest = std::max(largest, std::fabs(w[i]));
  }
  std::vector<uint16_t> half(static_cast<size_t>(n));
  error = 0;
  for (int64_t i = 0; i < n; ++i) {
    half[static_cast<size_t>(i)] = float_to_half(w[i]);
    if (largest > 0 && std::isfinite(w[i]))
      error = std::max(error, std::fabs(static_cast<double>(half_to_float(half[static_cast<size_t>(i)])) - w[i]) / largest);
  }
  return half;
}

}  // namespace

Result<std::string> write_onnx_fp16_weights(const onnx::ModelProto& model, const std::string& source,
                                            OnnxFp16Summary* summary) {
  int64_t opset = 0;
  for (const auto& o : model.opset_import())
    if (default_domain(o.domain())) opset = o.version();
  if (opset < 6) return unsupported(source + ": opset " + std::to_string(opset) + " is older than Cast's current form (6)");
  OnnxFp16Summary s;
  try {
    onnx::ModelProto out = model;
    onnx::GraphProto& g = *out.mutable_graph();
    std::unordered_set<std::string> graph_inputs, names;
    for (const auto& i : g.input()) graph_inputs.insert(i.name());
    for (const auto& t : g.initializer()) names.insert(t.name());
    for (const auto& n : g.node())
      for (const auto& o : n.output()) names.insert(o);
    std::vector<onnx::NodeProto> casts;
    for (auto& t : *g.mutable_initializer()) {
      if (t.data_type() != onnx::TensorProto::FLOAT || onnx_element_count(t) < kMinFp16Elements ||
          t.data_location() == onnx::TensorProto::EXTERNAL || graph_inputs.count(t.name()))
        continue;  // an initializer that is also a graph input may be overridden by the caller: left as it is
      OUTPOST_ASSIGN_OR_RETURN(Tensor w, onnx_tensor_to_tensor(t, t.name()));
      double error = 0;
      auto half = as_half(w, error);
      if (!half) {
        s.kept.push_back(t.name());
        continue;
      }
      s.largest_relative_error = std::max(s.largest_relative_error, error);
      const std::string name = t.name();
      std::string half_name = name + "_fp16";
      for (int k = 1; names.count(half_name); ++k) half_name = name + "_fp16_" + std::to_string(k);
      names.insert(half_name);
      t.set_name(half_name);
      t.set_data_type(onnx::TensorProto::FLOAT16);
      t.clear_float_data();
      t.set_raw_data(half->data(), half->size() * sizeof(uint16_t));
      onnx::NodeProto cast;
      cast.set_op_type("Cast");
      cast.set_name(name + "_to_float32");
      cast.add_input(half_name);
      cast.add_output(name);
      auto* to = cast.add_attribute();
      to->set_name("to");
      to->set_type(onnx::AttributeProto::INT);
      to->set_i(onnx::TensorProto::FLOAT);
      casts.push_back(std::move(cast));
      ++s.converted;
    }
    // The Casts first, so that the nodes stay in an order where each reads what is written.
    google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
    for (auto& c : casts) *nodes.Add() = std::move(c);
    for (const auto& n : g.node()) *nodes.Add() = n;
    g.mutable_node()->Swap(&nodes);
    std::string bytes;
    if (!out.SerializeToString(&bytes)) return internal_error("the fp16 ONNX model could not be serialized");
    if (summary) *summary = s;
    return bytes;
  } catch (const std::exception& e) {
    return internal_error(std::string("writing the fp16 ONNX model failed: ") + e.what());
  }
}

}  // namespace outpost
