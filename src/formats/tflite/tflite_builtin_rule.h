// The TFLite builtins that import through a rule: the op the node starts as, the options it
// reads, how its operands become the IR op's (or which IR nodes it becomes), and which
// quantized forms it takes. translate_operator (tflite_ops.cc) consults these rules before its
// own switch, which keeps the builtins that came first; docs/ops.md lists both.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "formats/tflite/tflite_lowering.h"
#include "formats/tflite/tflite_schema.h"
#include "ir/graph.h"

namespace outpost::tflite {

// An operator's builtin options table, absent fields read as their defaults.
class Options {
 public:
  explicit Options(const OptionsTable* table) : table_(table) {}
  int32_t i32(int field, int32_t fallback = 0) const {
    return table_ ? table_->int_at(field, fallback) : fallback;
  }
  bool flag(int field) const { return table_ && table_->byte_at(field, 0) != 0; }
  int8_t i8(int field, int8_t fallback = 0) const {
    return table_ ? table_->byte_at(field, fallback) : fallback;
  }
  float f32(int field, float fallback) const {
    return table_ ? table_->float_at(field, fallback) : fallback;
  }
  std::vector<int64_t> ints(int field) const;

 private:
  const OptionsTable* table_;
};

// Which quantized tensors an operator takes. TFLite quantizes a tensor by giving it a scale and
// zero point; an op whose IR kernels read such values only as stored integers must not see them
// unless that reading is TFLite's too.
enum class QuantizedForm {
  kRefused,     // no quantized input or output: the IR kernels would read raw integers as reals
  kSameParams,  // moves or compares stored values: quantized inputs and outputs must share one
                // scale and zero point (TFLite's kernels require it, or copy bytes regardless)
  kAsIs,        // reads stored values by TFLite's own definition (CAST, ARG_MAX, SHAPE)
};

struct BuiltinRule {
  int32_t code;
  OpKind op;  // the IR op the translated node starts as
  // The options fields read, in field order: '1' and '4' byte sizes of scalars, '0' a vector of
  // int32 (verified before any is read).
  const char* option_fields;
  Status (*translate)(const Options& options, Node& node, const std::string& where);
  // Rewrites the node (its inputs and outputs resolved) into the IR's form, appending the
  // node or the nodes it becomes to the lowering. nullptr: the node as translated.
  Status (*lower)(Lowering& lowering, Node node, const std::string& where);
  QuantizedForm quantized;
};

std::span<const BuiltinRule> tensor_builtin_rules();     // tflite_tensor_builtins.cc
std::span<const BuiltinRule> math_builtin_rules();       // tflite_math_builtins.cc
std::span<const BuiltinRule> recurrent_builtin_rules();  // tflite_recurrent_builtins.cc
std::span<const BuiltinRule> more_builtin_rules();       // tflite_more_builtins.cc
std::span<const BuiltinRule> segment_builtin_rules();    // tflite_segment_builtins.cc

// Whether input `input` of builtin `code` is a state TFLite keeps in a variable (stateful)
// tensor across invocations, which the rule's lowering carries from run to run
// (tflite_recurrent_builtins.cc). The importer refuses variable tensors anywhere else.
bool carries_state(int32_t code, size_t input);

// The rule for `code`, or nullptr.
const BuiltinRule* find_builtin_rule(int32_t code);

// Lowers a node translated by `rule`: checks its quantized tensors against the rule's form,
// then lowers it. kUnsupported names the operator and what it lacks.
Result<std::vector<Node>> lower_by_rule(const BuiltinRule& rule, Graph& graph, Node node,
                                        const std::string& where);

// Shared by the rules: the values of input `i`, an int32/int64 tensor the IR needs as a
// constant (kUnsupported when it is computed at run time, naming `what`).
Result<std::vector<int64_t>> constant_operand(const Graph& g, const Node& n, size_t i,
                                              const std::string& what, const std::string& where);
// Whether the node has exactly `count` inputs, none absent.
bool has_inputs(const Node& n, size_t count);

}  // namespace outpost::tflite
