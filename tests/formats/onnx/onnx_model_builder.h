// Builds small ONNX models in code with the generated onnx:: protobuf classes, for the importer
// tests.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstring>
#include <string>
#include <vector>

namespace outpost::testing {

inline onnx::ModelProto onnx_model(int64_t opset = 13) {
  onnx::ModelProto m;
  m.set_ir_version(7);
  m.set_producer_name("outpost-test");
  auto* o = m.add_opset_import();
  o->set_domain("");
  o->set_version(opset);
  m.mutable_graph()->set_name("test");
  return m;
}

inline void add_io(onnx::ValueInfoProto* v, const std::string& name, int elem_type,
                   const std::vector<int64_t>& dims) {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(elem_type);
  auto* shape = t->mutable_shape();
  for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
}

inline void add_input(onnx::ModelProto& m, const std::string& name,
                      const std::vector<int64_t>& dims, int elem_type = onnx::TensorProto::FLOAT) {
  add_io(m.mutable_graph()->add_input(), name, elem_type, dims);
}

inline void add_output(onnx::ModelProto& m, const std::string& name,
                       int elem_type = onnx::TensorProto::FLOAT) {
  auto* v = m.mutable_graph()->add_output();
  v->set_name(name);
  v->mutable_type()->mutable_tensor_type()->set_elem_type(elem_type);
}

inline onnx::NodeProto* add_node(onnx::ModelProto& m, const std::string& op,
                                 const std::vector<std::string>& inputs,
                                 const std::vector<std::string>& outputs,
                                 const std::string& name = "") {
  auto* n = m.mutable_graph()->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (const auto& i : inputs) n->add_input(i);
  for (const auto& o : outputs) n->add_output(o);
  return n;
}

inline void set_int_attr(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

inline void set_ints_attr(onnx::NodeProto* n, const std::string& name,
                          const std::vector<int64_t>& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

inline void set_strings_attr(onnx::NodeProto* n, const std::string& name,
                             const std::vector<std::string>& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRINGS);
  for (const std::string& x : v) a->add_strings(x);
}

// A float initializer, in raw_data (`raw`) or in float_data.
inline onnx::TensorProto* add_float_initializer(onnx::ModelProto& m, const std::string& name,
                                                const std::vector<int64_t>& dims,
                                                const std::vector<float>& values, bool raw = true) {
  auto* t = m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  if (raw) {
    std::string bytes(values.size() * 4, '\0');
    if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    t->set_raw_data(bytes);
  } else {
    for (float v : values) t->add_float_data(v);
  }
  return t;
}

inline onnx::TensorProto* add_int64_initializer(onnx::ModelProto& m, const std::string& name,
                                                const std::vector<int64_t>& dims,
                                                const std::vector<int64_t>& values) {
  auto* t = m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  for (int64_t d : dims) t->add_dims(d);
  for (int64_t v : values) t->add_int64_data(v);
  return t;
}

// A graph input (or, `output`, output) of type sequence<tensor>, optional<tensor> or
// optional<sequence<tensor>>; `dims` empty with `shaped` false declares no element shape.
inline void add_composite_io(onnx::ModelProto& m, const std::string& name, bool sequence,
                             bool optional, const std::vector<int64_t>& dims, bool shaped = true,
                             int elem_type = onnx::TensorProto::FLOAT, bool output = false) {
  auto* v = output ? m.mutable_graph()->add_output() : m.mutable_graph()->add_input();
  v->set_name(name);
  onnx::TypeProto* type = v->mutable_type();
  if (optional) type = type->mutable_optional_type()->mutable_elem_type();
  if (sequence) type = type->mutable_sequence_type()->mutable_elem_type();
  auto* t = type->mutable_tensor_type();
  t->set_elem_type(elem_type);
  if (!shaped) return;
  auto* shape = t->mutable_shape();
  for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
}

inline std::vector<uint8_t> serialize(const onnx::ModelProto& m) {
  std::string s;
  m.SerializeToString(&s);
  return std::vector<uint8_t>(s.begin(), s.end());
}

}  // namespace outpost::testing
