// TFLite's control flow and resource variables, onto the IR's If and Loop (ir/control_flow.h)
// and its kept state (Graph::state_updates).
//
// IF (cond, args...) runs subgraph then_subgraph_index or else_subgraph_index on args: an If
// whose branches are those subgraphs imported with their inputs bound to args. WHILE (v...)
// runs `while cond(v): v = body(v)`, cond tested before each iteration: a Loop without trip
// count whose first condition is the cond subgraph on v, and whose body computes body(v) and
// then cond on what body gave. Each use of a subgraph imports it anew, with values of its own.
//
// Resource variables: VAR_HANDLE names a variable (container, shared_name), READ_VARIABLE
// reads it, ASSIGN_VARIABLE writes it; the variable lives on from one invocation to the next.
// CALL_ONCE runs its init subgraph before the first invocation: the constants it assigns are the
// variables' start values. In the main subgraph a read before any assignment reads the state the
// run before left (the start value at first and after Session::reset_state); after an assignment
// it reads what was assigned; the last assignment is the state the next run starts from.
// Variables inside WHILE and IF subgraphs, and start values computed by the init subgraph, are
// refused by name.
#include <algorithm>
#include <string>

#include "formats/tflite/tflite_importer_impl.h"
#include "formats/tflite/tflite_ops.h"

namespace outpost::tflite {
namespace {

enum ControlFlowCode : int32_t {
  kIf = 118, kWhile = 119, kCallOnce = 129, kVarHandle = 142, kReadVariable = 143, kAssignVariable = 144,
};

// Subgraphs nest no deeper than this (a WHILE in an IF in a WHILE ...), and are imported at most
// this many times in all (each use imports its subgraph anew, so nesting multiplies them).
constexpr size_t kMaxSubgraphDepth = 16;
constexpr int kMaxSubgraphImports = 4096;

int32_t option(const Operator& op, int field) {
  return op.builtin_options() ? op.builtin_options()->int_at(field, 0) : 0;
}

std::string option_string(const Operator& op, int field) {
  const String* s = op.builtin_options() ? op.builtin_options()->string_at(field) : nullptr;
  return s ? s->str() : "";
}

int add_scalar(Graph& g, const std::string& name, DType dtype) {
  Value v;
  v.name = name;
  v.dtype = dtype;
  v.shape = Shape{};
  return g.add_value(std::move(v));
}

std::string describe(const Value& v) { return std::string(dtype_name(v.dtype)) + " " + v.shape.to_string(); }

}  // namespace

bool Importer::is_control_flow_code(int32_t code) {
  return code == kIf || code == kWhile || code == kCallOnce || code == kVarHandle || code == kReadVariable ||
         code == kAssignVariable;
}

Status Importer::import_control_flow(const Operator& op, int32_t code, const std::string& where) {
  std::vector<int> in, out;
  if (op.inputs())
    for (int32_t t : *op.inputs()) {
      OUTPOST_ASSIGN_OR_RETURN(int id, tensor_ref(t, where + " input"));
      in.push_back(id);
    }
  if (op.outputs())
    for (int32_t t : *op.outputs()) {
      OUTPOST_ASSIGN_OR_RETURN(int id, tensor_ref(t, where + " output"));
      if (id == kNoValue) return invalid_model(where + ": output index -1");
      if (graph_.value(id).producer >= 0)
        return invalid_model(where + ": tensor '" + graph_.value(id).name + "' is written twice");
      out.push_back(id);
    }
  switch (code) {
    case kIf: return import_if(op, in, out, where);
    case kWhile: return import_while(op, in, out, where);
    case kCallOnce: return import_call_once(op, where);
    case kVarHandle: return import_var_handle(op, out, where);
    case kReadVariable: return import_read_variable(in, out, where);
    default: return import_assign_variable(in, where);
  }
}

Status Importer::import_subgraph(int32_t index, const std::vector<int>* args, bool init, std::vector<Node>& nodes,
                                 std::vector<int>& inputs, std::vector<int>& outputs, const std::string& where) {
  const auto* subgraphs = model_->subgraphs();
  if (index < 0 || static_cast<uint32_t>(index) >= subgraphs->size())
    return invalid_model(where + ": refers to subgraph " + std::to_string(index) + ", but the model has subgraphs 0.." +
                         std::to_string(subgraphs->size() - 1));
  // The main subgraph (the chosen signature's, not always 0) is active from the start.
  if (std::find(active_.begin(), active_.end(), index) != active_.end())
    return unsupported(where + ": subgraph " + std::to_string(index) +
                       " calls itself (recursion), which Outpost does not support");
  if (active_.size() >= kMaxSubgraphDepth)
    return unsupported(where + ": subgraphs nest deeper than " + std::to_string(kMaxSubgraphDepth) + " levels");
  if (++subgraph_imports_ > kMaxSubgraphImports)
    return unsupported(where + ": its nested control flow calls subgraphs more than " +
                       std::to_string(kMaxSubgraphImports) + " times in all, beyond what Outpost imports");
  const SubGraph* sg = subgraphs->Get(static_cast<flatbuffers::uoffset_t>(index));
  if (!sg->tensors() || !sg->inputs() || !sg->outputs())
    return invalid_model(where + ": subgraph " + std::to_string(index) + " lacks tensors, inputs or outputs");
  if (args && args->size() != sg->inputs()->size())
    return invalid_model(where + ": passes " + std::to_string(args->size()) + " values to subgraph " +
                         std::to_string(index) + ", which takes " + std::to_string(sg->inputs()->size()));
  SubgraphScope saved = std::move(scope_);
  std::vector<Node>* saved_nodes = nodes_;
  scope_ = SubgraphScope{};
  scope_.sg = sg;
  scope_.index = index;
  scope_.base = static_cast<int>(graph_.values.size());
  scope_.init = init;
  active_.push_back(index);
  nodes_ = &nodes;
  auto import = [&]() -> Status {
    for (uint32_t i = 0; i < sg->tensors()->size(); ++i) OUTPOST_RETURN_IF_ERROR(import_tensor(*sg, i));
    scope_.count = sg->tensors()->size();
    for (size_t k = 0; k < sg->inputs()->size(); ++k) {
      const int32_t t = sg->inputs()->Get(static_cast<flatbuffers::uoffset_t>(k));
      OUTPOST_ASSIGN_OR_RETURN(int own, tensor_ref(t, "subgraph inputs"));
      if (own == kNoValue) return invalid_model(where + ": subgraph " + std::to_string(index) + " has input index -1");
      if (is_resource(own)) return unsupported(where + ": subgraph " + std::to_string(index) +
                                               " takes a resource (a variable's handle), which is not supported");
      if (args) scope_.bound[t] = (*args)[k];
      inputs.push_back(args ? (*args)[k] : own);
    }
    if (sg->operators())
      for (uint32_t i = 0; i < sg->operators()->size(); ++i) OUTPOST_RETURN_IF_ERROR(import_operator(*sg, i));
    for (int32_t t : *sg->outputs()) {
      OUTPOST_ASSIGN_OR_RETURN(int id, tensor_ref(t, "subgraph outputs"));
      if (id == kNoValue) return invalid_model(where + ": subgraph " + std::to_string(index) + " has output index -1");
      outputs.push_back(id);
    }
    return Status::ok();
  };
  const Status imported = import();
  scope_ = std::move(saved);
  nodes_ = saved_nodes;
  active_.pop_back();
  return imported;
}

namespace {

// Values handed from one scope to another (a WHILE's operands to its body, a body's results
// back, a branch's results to the IF's outputs) must agree in type: the subgraph's kernels are
// made for its own tensors' types, and a value of another width would be read or written past
// its end.
Status same_dtypes(const Graph& g, const std::vector<int>& from, const std::vector<int>& to,
                   const std::string& where, const std::string& what) {
  for (size_t k = 0; k < from.size() && k < to.size(); ++k) {
    const DType a = g.value(from[k]).dtype, b = g.value(to[k]).dtype;
    if (a != b)
      return invalid_model(where + ": " + what + " " + std::to_string(k) + " is " + dtype_name(a) +
                           " on one side and " + dtype_name(b) + " on the other");
  }
  return Status::ok();
}

}  // namespace

Status Importer::import_if(const Operator& op, const std::vector<int>& in, const std::vector<int>& out,
                           const std::string& where) {
  if (in.empty() || in[0] == kNoValue) return invalid_model(where + ": IF needs its condition as input 0");
  const std::vector<int> args(in.begin() + 1, in.end());
  for (int id : args) {
    if (id == kNoValue) return invalid_model(where + ": an operand is absent (index -1)");
    if (is_resource(id)) return unsupported(where + ": passes a resource (a variable's handle) to its branches, which is not supported");
  }
  Node n;
  n.op = OpKind::kIf;
  n.name = out.empty() ? "if" : graph_.value(out[0]).name;
  n.inputs = {in[0]};
  n.outputs = out;
  for (const int field : {0, 1}) {
    auto branch = std::make_shared<Subgraph>();
    std::vector<int> inputs;
    OUTPOST_RETURN_IF_ERROR(import_subgraph(option(op, field), &args, false, branch->nodes, inputs, branch->outputs, where));
    if (branch->outputs.size() != out.size())
      return invalid_model(where + ": its " + (field == 0 ? "then" : "else") + " subgraph " +
                           std::to_string(option(op, field)) + " gives " + std::to_string(branch->outputs.size()) +
                           " outputs, the IF has " + std::to_string(out.size()));
    OUTPOST_RETURN_IF_ERROR(same_dtypes(graph_, branch->outputs, out, where,
                                        field == 0 ? "then-output" : "else-output"));
    n.subgraphs.push_back(std::move(branch));
  }
  add_node(std::move(n));
  return Status::ok();
}

Status Importer::import_while(const Operator& op, const std::vector<int>& in, const std::vector<int>& out,
                              const std::string& where) {
  if (in.size() != out.size() || in.empty())
    return invalid_model(where + ": WHILE has " + std::to_string(in.size()) + " inputs and " +
                         std::to_string(out.size()) + " outputs; it needs as many of each, at least one");
  for (int id : in) {
    if (id == kNoValue) return invalid_model(where + ": an operand is absent (index -1)");
    if (is_resource(id)) return unsupported(where + ": carries a resource (a variable's handle) through the loop, which is not supported");
  }
  const int32_t cond = option(op, 0), body_index = option(op, 1);
  // The first test, on the operands, where the WHILE stands.
  std::vector<int> ignored, first;
  OUTPOST_RETURN_IF_ERROR(import_subgraph(cond, &in, false, *nodes_, ignored, first, where + " condition"));
  if (first.size() != 1)
    return invalid_model(where + ": its condition subgraph " + std::to_string(cond) + " gives " +
                         std::to_string(first.size()) + " outputs, not one");
  OUTPOST_RETURN_IF_ERROR(same_dtypes(graph_, in, out, where, "loop value"));
  // The body: the body subgraph, then the condition on what it gave.
  const std::string name = graph_.value(out[0]).name;
  auto body = std::make_shared<Subgraph>();
  body->inputs = {add_scalar(graph_, name + "/iteration", DType::kInt64), add_scalar(graph_, name + "/condition", DType::kBool)};
  std::vector<int> carried, next;
  OUTPOST_RETURN_IF_ERROR(import_subgraph(body_index, nullptr, false, body->nodes, carried, next, where + " body"));
  if (carried.size() != in.size() || next.size() != in.size())
    return invalid_model(where + ": its body subgraph " + std::to_string(body_index) + " takes " +
                         std::to_string(carried.size()) + " values and gives " + std::to_string(next.size()) +
                         "; the WHILE carries " + std::to_string(in.size()));
  OUTPOST_RETURN_IF_ERROR(same_dtypes(graph_, in, carried, where, "body input"));
  OUTPOST_RETURN_IF_ERROR(same_dtypes(graph_, in, next, where, "body output"));
  std::vector<int> again;
  OUTPOST_RETURN_IF_ERROR(import_subgraph(cond, &next, false, body->nodes, ignored, again, where + " condition"));
  body->inputs.insert(body->inputs.end(), carried.begin(), carried.end());
  body->outputs = {again.at(0)};
  body->outputs.insert(body->outputs.end(), next.begin(), next.end());
  Node n;
  n.op = OpKind::kLoop;
  n.name = name;
  n.inputs = {kNoValue, first[0]};
  n.inputs.insert(n.inputs.end(), in.begin(), in.end());
  n.outputs = out;
  n.subgraphs = {std::move(body)};
  add_node(std::move(n));
  return Status::ok();
}

Status Importer::import_call_once(const Operator& op, const std::string& where) {
  if (!in_main())
    return unsupported(where + ": CALL_ONCE inside a WHILE or IF subgraph is not supported");
  std::vector<Node> unused;  // the init subgraph's start values are constants (import_assign_variable)
  std::vector<int> inputs, outputs;
  OUTPOST_RETURN_IF_ERROR(import_subgraph(option(op, 0), nullptr, true, unused, inputs, outputs, where));
  if (!inputs.empty() || !outputs.empty())
    return invalid_model(where + ": its init subgraph " + std::to_string(option(op, 0)) +
                         " has inputs or outputs; TFLite requires none");
  return Status::ok();
}

Status Importer::import_var_handle(const Operator& op, const std::vector<int>& out, const std::string& where) {
  if (out.size() != 1 || !is_resource(out[0]))
    return invalid_model(where + ": VAR_HANDLE gives one resource tensor");
  const std::string container = option_string(op, 0), shared_name = option_string(op, 1);
  const std::string key = container + '\n' + shared_name;
  resource_key_.resize(graph_.values.size());
  resource_key_[static_cast<size_t>(out[0])] = key;
  ResourceVariable& v = variables_[key];
  v.name = container.empty() ? shared_name : container + "/" + shared_name;
  // The output stays without a producer: it is no value of the IR.
  return Status::ok();
}

Result<ResourceVariable*> Importer::variable_of(int resource, const std::string& where) {
  if (!is_resource(resource)) return invalid_model(where + ": input 0 is not a resource tensor");
  if (!in_main() && !scope_.init)
    return unsupported(where + ": resource variables inside a WHILE or IF subgraph are not supported");
  const size_t id = static_cast<size_t>(resource);
  if (id >= resource_key_.size() || resource_key_[id].empty())
    return unsupported(where + ": its resource tensor '" + graph_.value(resource).name +
                       "' comes from no VAR_HANDLE before it in this subgraph");
  return &variables_[resource_key_[id]];
}

Status Importer::import_read_variable(const std::vector<int>& in, const std::vector<int>& out, const std::string& where) {
  if (in.size() != 1 || out.size() != 1 || is_resource(out[0]))
    return invalid_model(where + ": READ_VARIABLE takes one handle and gives one tensor");
  OUTPOST_ASSIGN_OR_RETURN(ResourceVariable * var, variable_of(in[0], where));
  int source = var->current;
  if (scope_.init) {
    source = var->start;
    if (source == kNoValue)
      return unsupported(where + ": reads variable '" + var->name + "' before the init subgraph assigns it");
  } else if (source == kNoValue) {
    if (var->state == kNoValue) {
      Value v = graph_.value(out[0]);
      v.name = "variable '" + var->name + "'";
      v.constant = {};
      v.producer = -1;
      var->state = graph_.add_value(std::move(v));
    }
    source = var->state;
  }
  Node n;
  n.op = OpKind::kIdentity;
  n.name = graph_.value(out[0]).name;
  n.inputs = {source};
  n.outputs = out;
  add_node(std::move(n));
  return Status::ok();
}

Status Importer::import_assign_variable(const std::vector<int>& in, const std::string& where) {
  if (in.size() != 2 || in[1] == kNoValue || is_resource(in[1]))
    return invalid_model(where + ": ASSIGN_VARIABLE takes a handle and a tensor");
  OUTPOST_ASSIGN_OR_RETURN(ResourceVariable * var, variable_of(in[0], where));
  if (!scope_.init) {
    var->current = in[1];
    return Status::ok();
  }
  if (!graph_.value(in[1]).is_constant())
    return unsupported(where + ": the init subgraph computes the start value of variable '" + var->name +
                       "'; only constants are supported as start values");
  var->start = in[1];
  return Status::ok();
}

// Each variable the main subgraph reads before assigning it becomes a kept state: it starts from
// the value CALL_ONCE gave, and takes the last assignment after each run. One it never assigns
// is that constant.
Status Importer::settle_variables() {
  for (auto& [key, var] : variables_) {
    if (var.state == kNoValue) continue;
    Value& state = graph_.value(var.state);
    if (var.start == kNoValue)
      return unsupported(source_ + ": READ_VARIABLE reads variable '" + var.name +
                         "' before anything assigns it (no CALL_ONCE gives it a start value)");
    const Value& start = graph_.value(var.start);
    if (start.dtype != state.dtype || start.shape != state.shape)
      return unsupported(source_ + ": variable '" + var.name + "' starts as " + describe(start) + " but is read as " +
                         describe(state) + "; a variable that changes its type or shape is not supported");
    if (var.current == kNoValue) {
      state.constant = start.constant;
      continue;
    }
    const Value& last = graph_.value(var.current);
    if (last.dtype != state.dtype || last.shape != state.shape)
      return unsupported(source_ + ": variable '" + var.name + "' is assigned " + describe(last) + " but read as " +
                         describe(state) + "; a variable that changes its type or shape is not supported");
    int next = var.current;
    const bool input = std::find(graph_.inputs.begin(), graph_.inputs.end(), next) != graph_.inputs.end();
    if (last.is_constant() || input) {
      // The next state is a value the run writes, not the constant or input it copies.
      Value copy = last;
      copy.name = state.name + "/next";
      copy.constant = {};
      copy.producer = -1;
      next = graph_.add_value(std::move(copy));
      Node n;
      n.op = OpKind::kIdentity;
      n.name = graph_.value(next).name;
      n.inputs = {var.current};
      n.outputs = {next};
      add_node(std::move(n));
    }
    graph_.state_updates.push_back({var.state, next, var.start});
  }
  return Status::ok();
}

}  // namespace outpost::tflite
