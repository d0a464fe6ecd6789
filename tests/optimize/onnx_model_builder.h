// Small ONNX models built in code for the optimizer's tests: the importer tests' builder
// (tests/formats/onnx/onnx_model_builder.h) behind one object, with seeded random weights.
#pragma once

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "formats/onnx/onnx_model_builder.h"
#include "outpost/session.h"

namespace outpost::testing {

class ModelBuilder {
 public:
  explicit ModelBuilder(int64_t opset = 13) : model_(onnx_model(opset)) {}

  void input(const std::string& name, const std::vector<int64_t>& dims) { add_input(model_, name, dims); }
  void output(const std::string& name, const std::vector<int64_t>& dims) {
    add_io(model_.mutable_graph()->add_output(), name, onnx::TensorProto::FLOAT, dims);
  }
  // A float initializer (in float_data) of values in [-1, 1] * `amplitude`, seeded by its name.
  void weights(const std::string& name, const std::vector<int64_t>& dims, float amplitude = 0.5f) {
    std::mt19937 rng(static_cast<unsigned>(std::hash<std::string>{}(name)));
    std::uniform_real_distribution<float> u(-amplitude, amplitude);
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    std::vector<float> values(static_cast<size_t>(n));
    for (float& v : values) v = u(rng);
    add_float_initializer(model_, name, dims, values, /*raw=*/false);
  }
  void scalar(const std::string& name, float v) { add_float_initializer(model_, name, {}, {v}, /*raw=*/false); }
  onnx::NodeProto* node(const std::string& op, const std::string& name, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs) {
    return add_node(model_, op, inputs, outputs, name);
  }
  static void int_attribute(onnx::NodeProto* n, const std::string& name, int64_t v) { set_int_attr(n, name, v); }
  static void ints_attribute(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
    set_ints_attr(n, name, v);
  }

  onnx::GraphProto& graph() { return *model_.mutable_graph(); }
  const onnx::ModelProto& model() const { return model_; }

 private:
  onnx::ModelProto model_;
};

// A session over a serialized model, on one thread.
inline Result<std::unique_ptr<Session>> open_onnx_bytes(const std::string& bytes, const std::string& name = "test.onnx") {
  auto owned = std::make_shared<std::string>(bytes);
  SessionOptions o;
  o.threads = 1;
  return Session::open_buffer(reinterpret_cast<const uint8_t*>(owned->data()), owned->size(), owned, name, o);
}

}  // namespace outpost::testing
