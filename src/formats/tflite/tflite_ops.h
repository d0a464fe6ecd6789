// Translation of TFLite operators (builtin code + options, or custom code + options) to IR
// nodes: op kind and attributes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "formats/tflite/tflite_schema.h"
#include "ir/graph.h"

namespace outpost::tflite {

// TFLite's name of a builtin code ("CONV_2D"), or "BUILTIN_<code>" for one we do not know.
std::string builtin_name(int32_t code);

// How many builtin codes we know the names of: codes 0 .. builtin_count() - 1.
int builtin_count();

// Whether translate_operator translates builtin `code` (in some form: an option it does not
// handle can still refuse a node). False for CUSTOM, which translates only for the custom ops
// Convolution2DTransposeBias and TFLite_Detection_PostProcess. docs/ops.md lists every code.
bool translates_builtin(int32_t code);

// Whether translate_operator translates the CUSTOM operator of this custom code.
bool translates_custom_op(const std::string& custom_code);

// The layout of builtin `code`'s options table as far as we read it, in field order: 1 or 4 (a
// scalar of that many bytes), 0 (a vector of int32) or kOptionString (a string). Empty: none.
// The verifier checks these fields, and the writer (tflite_model_data.h) copies them.
constexpr int kOptionString = -1;
std::vector<int> option_field_sizes(int32_t code);

// The sizes of the scalar option fields we read for `code`, to verify the options table
// before reading it.
bool verify_options(const Operator& op, int32_t code, const uint8_t* buffer, size_t size);

// Fills node.op and node.attrs. `custom_code` is set for CUSTOM operators.
Status translate_operator(const Operator& op, int32_t code, const std::string& custom_code, Node& node,
                          const std::string& where);

// The IR nodes a translated node (its operands settled) becomes, in execution order: itself,
// or, for a builtin the IR has no single op for, the nodes that compute it
// (tflite_builtin_rule.h; FULLY_CONNECTED with the Reshapes around it). kUnsupported for a form
// the IR cannot run, naming the operator.
Result<std::vector<Node>> lower_operator(Graph& graph, Node node, int32_t code,
                                         const std::string& where);

}  // namespace outpost::tflite
