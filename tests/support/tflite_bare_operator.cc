#include "support/tflite_bare_operator.h"

#include <flatbuffers/flatbuffers.h>

#include "formats/tflite/tflite_ops.h"

namespace outpost::testing {

Status translate_bare_operator(int32_t code, const std::string& custom_code) {
  flatbuffers::FlatBufferBuilder builder;
  const flatbuffers::uoffset_t start = builder.StartTable();
  builder.Finish(flatbuffers::Offset<tflite::Operator>(builder.EndTable(start)));
  const auto* op = flatbuffers::GetRoot<tflite::Operator>(builder.GetBufferPointer());
  Node node;
  return tflite::translate_operator(*op, code, custom_code, node, "bare operator");
}

}  // namespace outpost::testing
