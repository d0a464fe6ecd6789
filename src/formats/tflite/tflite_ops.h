// Translation of TFLite operators (builtin code + options, or custom code + options) to IR
// nodes: op kind and attributes.
#pragma once

#include <optional>
#include <string>

#include "formats/tflite/tflite_schema.h"
#include "ir/graph.h"

namespace outpost::tflite {

// TFLite's name of a builtin code ("CONV_2D"), or "BUILTIN_<code>" for one we do not know.
std::string builtin_name(int32_t code);

// The sizes of the scalar option fields we read for `code`, to verify the options table
// before reading it.
bool verify_options(const Operator& op, int32_t code, const uint8_t* buffer, size_t size);

// Fills node.op and node.attrs. `custom_code` is set for CUSTOM operators.
Status translate_operator(const Operator& op, int32_t code, const std::string& custom_code, Node& node,
                          const std::string& where);

}  // namespace outpost::tflite
