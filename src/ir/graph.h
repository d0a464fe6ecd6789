// The IR: a Graph of Nodes over Values. Both importers emit it; passes, the planner and the
// backends consume it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ir/attributes.h"
#include "ir/op_kind.h"
#include "ir/sparsity.h"
#include "outpost/composite_value.h"
#include "outpost/dtype.h"
#include "outpost/quant_params.h"
#include "outpost/shape.h"
#include "outpost/status.h"

namespace outpost {

constexpr int kNoValue = -1;  // an absent optional input

// Bytes of a constant: a view into the mapped model file or into storage the graph owns.
struct ConstantData {
  const uint8_t* bytes = nullptr;
  size_t size = 0;
  std::shared_ptr<const void> keep_alive;  // owns `bytes` (or the file they live in)

  bool present() const { return bytes != nullptr || keep_alive != nullptr; }
};

struct Value {
  int id = 0;
  std::string name;
  DType dtype = DType::kFloat32;
  Shape shape;
  QuantParams quant;
  ConstantData constant;                      // set for weights and other constants
  std::shared_ptr<const Sparsity> sparsity;  // set for sparse constants (input of Densify)
  int producer = -1;                          // index of the producing node, -1 if none
  // False when the model did not say the dtype (ONNX may leave intermediate values untyped):
  // shape inference then gives it the producer's first input dtype unless the op sets one.
  bool dtype_known = true;

  bool is_constant() const { return constant.present(); }
  template <typename T>
  const T* constant_as() const {
    return reinterpret_cast<const T*>(constant.bytes);
  }
};

struct Subgraph;

struct Node {
  OpKind op = OpKind::kAdd;
  std::string name;         // from the model, for messages
  int source_index = 0;     // operator index in the source model, for messages
  // What the importer made this node from, appended to messages about it: "[ONNX op 'Pad'
  // (domain ai.onnx, opset 11) at model.onnx: node 3 ('pad0')]". Empty when describe() says
  // enough.
  std::string origin;
  std::vector<int> inputs;  // value ids; kNoValue for an absent optional input
  std::vector<int> outputs;
  Attributes attrs;
  // The graphs a control-flow node holds (If: then, else; Loop, Scan: the body).
  std::vector<std::shared_ptr<const Subgraph>> subgraphs;

  // "node 12 (Conv2D 'conv1')" for error messages.
  std::string describe() const;
};

// A graph a control-flow node holds: nodes over the enclosing Graph's value table. Its inputs
// are values of its own (Loop's iteration number and condition, Scan's slices, the loop-carried
// values); a value it reads from an enclosing scope is that value's id.
struct Subgraph {
  std::vector<int> inputs;
  std::vector<Node> nodes;
  std::vector<int> outputs;
};

class Graph {
 public:
  std::vector<Value> values;
  std::vector<Node> nodes;  // in a valid execution order
  std::vector<int> inputs;
  std::vector<int> outputs;
  std::string source;  // model path or name, for messages
  // Per graph input, as the model declares it: its shape with -1 where a dimension may vary
  // (ONNX's symbolic dimensions, TFLite's shape_signature), and the names ONNX gives such
  // dimensions ("batch"; empty where it gives none). The inputs' values hold the shapes bound for
  // this import (ir/input_shapes.h), or the declared ones.
  std::vector<Shape> input_signatures;
  std::vector<std::vector<std::string>> input_dim_names;
  // The graph inputs and outputs of sequence or optional type (ONNX), as the importer bound or
  // resolved them onto tensor inputs and outputs (outpost/composite_value.h). A sequence input
  // whose length is not bound leaves the graph with no nodes and no outputs: it cannot be
  // imported until it is.
  std::vector<CompositeValue> composite_inputs, composite_outputs;
  // Set when the inputs were bound to shapes other than those the file declares (a TFLite
  // batch resized, an ONNX symbolic dimension given): the shapes the file declares for the
  // other values may be those it was traced or converted with, and shape inference neither
  // checks against nor reads them.
  bool declared_shapes_stale = false;
  // Set by shape inference when an output shape depends on the data of a value that is not a
  // constant, i.e. on the model's input data (NonZero's count, NonMaxSuppression's boxes, a
  // Reshape whose shape is computed from the input): the id of that value. Such a model cannot
  // be planned ahead; the session evaluates it with each run's data (runtime/session.cc).
  int shape_waits_for = kNoValue;
  // State the model keeps from one run to the next (TFLite's variable tensors): `state` is read
  // as it was left by the run before (zeros before the first), and after each run it takes what
  // `next` holds then. Neither is a constant, a graph input or a graph output. `start`, when
  // set, is a constant of the state's dtype and shape that it starts from (and goes back to on
  // Session::reset_state) instead of zeros: a TFLite resource variable's CALL_ONCE value.
  struct StateUpdate {
    int state = kNoValue;
    int next = kNoValue;
    int start = kNoValue;
  };
  std::vector<StateUpdate> state_updates;

  int add_value(Value v);
  const Value& value(int id) const { return values[static_cast<size_t>(id)]; }
  Value& value(int id) { return values[static_cast<size_t>(id)]; }
  const Value* input_value(const Node& node, size_t i) const;  // nullptr if absent

  // Checks structure: ids in range, each value produced once, nodes in execution order,
  // graph outputs produced. Importers call it before returning.
  Status validate() const;
};

// Stores `bytes` in memory owned by the value (64-byte aligned).
void set_owned_constant(Value& value, std::vector<uint8_t> bytes);

}  // namespace outpost
