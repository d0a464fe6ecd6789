// ONNX importer: reads a ModelProto (opsets 6 to 21 of the default domain) from bytes into the
// IR, with the protobuf classes of Debian's libonnx-dev. Initializers are referenced in place in
// the parsed message (kept alive by the constants), or in mapped external data files next to the
// model. What changed between opsets is settled into attributes here (onnx_op_map.cc). Every
// index, name and size is checked: a truncated or hostile file is an error naming the model,
// node and field.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace outpost {

// How the graph inputs of sequence or optional type are bound (SessionOptions::sequence_lengths,
// ::absent_inputs): a sequence input of length n becomes the tensor inputs "NAME[0]" ...
// "NAME[n-1]", in the graph's inputs where it stands; an optional input is absent (no input:
// the graph sees an empty optional) or its element.
struct OnnxBindings {
  std::map<std::string, int> sequence_lengths;
  std::set<std::string> absent_inputs;
};

// `source` is the model's path (external data files are looked up next to it) or a name.
// `input_shapes` binds the graph inputs, in order, to those shapes (ir/input_shapes.h); inputs
// beyond it keep their declared shapes, a symbolic dimension -1.
// `external_data_files` false: no file is read, and a tensor in external data is kInvalidModel
// naming its location (a bundle's model).
Result<Graph> import_onnx(const uint8_t* data, size_t size, const std::string& source,
                          const std::vector<Shape>& input_shapes = {},
                          bool external_data_files = true, const OnnxBindings& bindings = {});

}  // namespace outpost
