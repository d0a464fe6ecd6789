// The TFLite importer's working state, shared by tflite_importer.cc (tensors, operators, the
// main subgraph) and tflite_control_flow.cc (IF, WHILE, CALL_ONCE and resource variables, which
// import the other subgraphs a model holds). Internal to formats/tflite.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "formats/tflite/tflite_schema.h"
#include "formats/tflite/tflite_signatures.h"
#include "ir/graph.h"
#include "ir/unsupported_nodes.h"

namespace outpost::tflite {

// One import of a TFLite subgraph: its tensors are the values base .. base + count - 1, except
// the inputs bound to values of the scope that calls it (an IF's or a WHILE's operands).
struct SubgraphScope {
  const SubGraph* sg = nullptr;
  int32_t index = 0;  // in the model's subgraphs; the main one is the chosen signature's (or 0)
  int base = 0;
  size_t count = 0;
  std::map<int32_t, int> bound;  // tensor index -> value of the caller
  bool init = false;             // a CALL_ONCE's init subgraph: its assignments are start values
};

// A resource variable (VAR_HANDLE's container and shared_name) as the main subgraph sees it.
struct ResourceVariable {
  std::string name;
  int start = kNoValue;    // the constant a CALL_ONCE assigned it; kNoValue: none
  int state = kNoValue;    // the value a run reads before it assigns (kept across runs)
  int current = kNoValue;  // what the run assigned last; kNoValue: nothing yet
};

class Importer {
 public:
  Importer(const uint8_t* data, size_t size, std::shared_ptr<const void> keep_alive, std::string source,
           std::vector<Shape> input_shapes, std::string signature)
      : data_(data), size_(size), keep_alive_(std::move(keep_alive)), source_(std::move(source)),
        input_shapes_(std::move(input_shapes)), signature_(std::move(signature)) {}

  Result<Graph> run();
  const std::vector<TfliteSignature>& signatures() const { return signatures_; }

 private:
  Status import_tensor(const SubGraph& sg, uint32_t index);
  Status read_buffer(const Tensor& t, Value& v, const std::string& where);
  Status read_quantization(const Tensor& t, Value& v, const std::string& where);
  Status read_sparsity(const Tensor& t, Value& v, size_t value_bytes, const std::string& where);
  Status import_operator(const SubGraph& sg, uint32_t index);
  Result<int> tensor_ref(int32_t index, const std::string& where) const;
  Status bind_input(const SubGraph& sg, int32_t tensor, int id);
  Status take_variables(int32_t code, Node& node, const std::string& where) const;
  Status refuse_resources(const Node& node, const std::string& where) const;
  Result<uint32_t> choose_subgraph();
  Status name_by_signature(const TfliteSignature& signature, const SubGraph& sg);
  bool in_main() const { return scope_.index == main_; }
  std::string subgraph_prefix() const;
  bool is_variable(int id) const { return flag(variable_, id); }
  bool is_resource(int id) const { return flag(resource_, id); }
  static bool flag(const std::vector<bool>& flags, int id) {
    return id >= 0 && static_cast<size_t>(id) < flags.size() && flags[static_cast<size_t>(id)];
  }
  void add_node(Node node);
  std::string operator_where(uint32_t index) const;

  // tflite_control_flow.cc
  static bool is_control_flow_code(int32_t code);
  Status import_control_flow(const Operator& op, int32_t code, const std::string& where);
  Status import_if(const Operator& op, const std::vector<int>& in, const std::vector<int>& out,
                   const std::string& where);
  Status import_while(const Operator& op, const std::vector<int>& in, const std::vector<int>& out,
                      const std::string& where);
  Status import_call_once(const Operator& op, const std::string& where);
  Status import_var_handle(const Operator& op, const std::vector<int>& out, const std::string& where);
  Status import_read_variable(const std::vector<int>& in, const std::vector<int>& out, const std::string& where);
  Status import_assign_variable(const std::vector<int>& in, const std::string& where);
  Result<ResourceVariable*> variable_of(int resource, const std::string& where);
  // Imports subgraph `index` once more, its tensors as new values, its operators' nodes appended
  // to `nodes`. `args`, when given, are the values its inputs stand for; without, its inputs
  // are values of its own (a loop body's). Fills `inputs` and `outputs` with its values.
  Status import_subgraph(int32_t index, const std::vector<int>* args, bool init, std::vector<Node>& nodes,
                         std::vector<int>& inputs, std::vector<int>& outputs, const std::string& where);
  Status settle_variables();

  const uint8_t* data_;
  size_t size_;
  std::shared_ptr<const void> keep_alive_;
  std::string source_;
  std::vector<Shape> input_shapes_;  // bound to the graph inputs in order; empty: as declared
  std::string signature_;            // the SignatureDef's key; empty: the first, if any
  std::vector<TfliteSignature> signatures_;
  const TfliteSignature* chosen_ = nullptr;
  const Model* model_ = nullptr;
  Graph graph_;
  int32_t main_ = 0;                     // the main subgraph: the chosen signature's, or 0
  SubgraphScope scope_;                  // the subgraph being imported
  std::vector<int32_t> active_;          // the subgraphs being imported, outermost first
  std::vector<Node>* nodes_ = nullptr;   // where its operators' nodes go
  int subgraph_imports_ = 0;             // subgraphs imported so far (each use imports one anew)
  UnsupportedNodes unsupported_ops_;     // operators it cannot translate, reported together
  std::vector<bool> variable_;           // per value: a model tensor that is a variable (stateful) one
  std::vector<bool> resource_;           // per value: a model tensor that is a resource (variable handle)
  std::vector<std::string> resource_key_;  // per value: the variable its VAR_HANDLE named
  std::map<std::string, ResourceVariable> variables_;  // by container and shared_name
};

}  // namespace outpost::tflite
