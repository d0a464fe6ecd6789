#include "support/tflite_builder.h"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <map>

namespace outpost::testing {
namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;
using flatbuffers::uoffset_t;
using flatbuffers::voffset_t;

constexpr voffset_t slot(int field) { return static_cast<voffset_t>(4 + 2 * field); }

Offset<void> build_tensor(FlatBufferBuilder& b, const TfTensorSpec& t) {
  auto shape = b.CreateVector(t.shape);
  Offset<flatbuffers::Vector<int32_t>> signature;
  if (!t.shape_signature.empty()) signature = b.CreateVector(t.shape_signature);
  auto name = b.CreateString(t.name);
  uoffset_t quant = 0;
  if (!t.scale.empty() || !t.zero_point.empty()) {
    auto scale = b.CreateVector(t.scale);
    auto zp = b.CreateVector(t.zero_point);
    const uoffset_t start = b.StartTable();
    b.AddOffset(slot(2), scale);
    b.AddOffset(slot(3), zp);
    b.AddElement<int32_t>(slot(6), t.quantized_dimension, 0);
    quant = b.EndTable(start);
  }
  const uoffset_t start = b.StartTable();
  b.AddOffset(slot(0), shape);
  b.AddElement<int8_t>(slot(1), t.type, -1);
  b.AddElement<uint32_t>(slot(2), t.buffer, 0xffffffffu);
  b.AddOffset(slot(3), name);
  if (quant) b.AddOffset(slot(4), Offset<void>(quant));
  if (t.is_variable) b.AddElement<uint8_t>(slot(5), 1, 0);
  if (!t.shape_signature.empty()) b.AddOffset(slot(7), signature);
  return Offset<void>(b.EndTable(start));
}

Offset<void> build_operator(FlatBufferBuilder& b, const TfOperatorSpec& op, uint32_t opcode_index) {
  auto inputs = b.CreateVector(op.inputs);
  auto outputs = b.CreateVector(op.outputs);
  uoffset_t options = 0;
  if (op.options_type != 0) {
    std::vector<Offset<flatbuffers::Vector<int32_t>>> vectors;
    for (const TfOptionVector& v : op.option_vectors) vectors.push_back(b.CreateVector(v.values));
    std::vector<Offset<flatbuffers::String>> strings;
    for (const TfOptionString& s : op.option_strings) strings.push_back(b.CreateString(s.value));
    const uoffset_t start = b.StartTable();
    for (size_t i = 0; i < vectors.size(); ++i) b.AddOffset(slot(op.option_vectors[i].field), vectors[i]);
    for (size_t i = 0; i < strings.size(); ++i) b.AddOffset(slot(op.option_strings[i].field), strings[i]);
    for (const TfOptionField& f : op.options) {
      if (f.size == 1) b.AddElement<int8_t>(slot(f.field), static_cast<int8_t>(f.value), static_cast<int8_t>(~f.value));
      else b.AddElement<int32_t>(slot(f.field), f.value, ~f.value);
    }
    options = b.EndTable(start);
  }
  Offset<flatbuffers::Vector<uint8_t>> custom;
  if (!op.custom_options.empty()) custom = b.CreateVector(op.custom_options);
  const uoffset_t start = b.StartTable();
  b.AddElement<uint32_t>(slot(0), opcode_index, 0xffffffffu);
  b.AddOffset(slot(1), inputs);
  b.AddOffset(slot(2), outputs);
  if (options) {
    b.AddElement<uint8_t>(slot(3), op.options_type, 0);
    b.AddOffset(slot(4), Offset<void>(options));
  }
  if (!op.custom_options.empty()) b.AddOffset(slot(5), custom);
  return Offset<void>(b.EndTable(start));
}

}  // namespace

std::vector<uint8_t> build_tflite(const TfModelSpec& spec) {
  FlatBufferBuilder b;
  // Operator codes: one per distinct (builtin, custom) pair.
  std::map<std::pair<int32_t, std::string>, uint32_t> code_index;
  std::vector<std::pair<int32_t, std::string>> codes;
  std::vector<int32_t> versions;
  for (const auto& op : spec.operators) {
    auto key = std::make_pair(op.builtin_code, op.custom_code);
    if (!code_index.count(key)) {
      code_index[key] = static_cast<uint32_t>(codes.size());
      codes.push_back(key);
      versions.push_back(op.version);
    }
  }
  for (const TfSubgraphSpec& sg : spec.more_subgraphs)
    for (const auto& op : sg.operators) {
      auto key = std::make_pair(op.builtin_code, op.custom_code);
      if (!code_index.count(key)) {
        code_index[key] = static_cast<uint32_t>(codes.size());
        codes.push_back(key);
        versions.push_back(op.version);
      }
    }
  std::vector<Offset<void>> code_offsets;
  for (size_t c = 0; c < codes.size(); ++c) {
    const auto& [builtin, custom] = codes[c];
    Offset<flatbuffers::String> custom_name;
    if (!custom.empty()) custom_name = b.CreateString(custom);
    const uoffset_t start = b.StartTable();
    b.AddElement<int8_t>(slot(0), static_cast<int8_t>(std::min(builtin, 127)), -1);
    if (!custom.empty()) b.AddOffset(slot(1), custom_name);
    b.AddElement<int32_t>(slot(2), versions[c], 0);
    if (!spec.old_style_opcodes) b.AddElement<int32_t>(slot(3), builtin, -1);
    code_offsets.push_back(Offset<void>(b.EndTable(start)));
  }
  const auto build_subgraph = [&](const std::vector<TfTensorSpec>& tensor_specs,
                                   const std::vector<TfOperatorSpec>& operator_specs, const std::vector<int32_t>& inputs,
                                   const std::vector<int32_t>& outputs, const std::string& name) {
    std::vector<Offset<void>> tensors, operators;
    for (const auto& t : tensor_specs) tensors.push_back(build_tensor(b, t));
    for (const auto& op : operator_specs)
      operators.push_back(build_operator(b, op, code_index[{op.builtin_code, op.custom_code}]));
    auto tensors_vec = b.CreateVector(tensors);
    auto ops_vec = b.CreateVector(operators);
    auto in_vec = b.CreateVector(inputs);
    auto out_vec = b.CreateVector(outputs);
    auto sg_name = b.CreateString(name);
    uoffset_t sg_start = b.StartTable();
    b.AddOffset(slot(0), tensors_vec);
    b.AddOffset(slot(1), in_vec);
    b.AddOffset(slot(2), out_vec);
    b.AddOffset(slot(3), ops_vec);
    b.AddOffset(slot(4), sg_name);
    return Offset<void>(b.EndTable(sg_start));
  };
  std::vector<Offset<void>> buffers;
  std::vector<Offset<void>> subgraphs{build_subgraph(spec.tensors, spec.operators, spec.inputs, spec.outputs, "main")};
  for (size_t i = 0; i < spec.more_subgraphs.size(); ++i) {
    const TfSubgraphSpec& sg = spec.more_subgraphs[i];
    subgraphs.push_back(build_subgraph(sg.tensors, sg.operators, sg.inputs, sg.outputs, "subgraph_" + std::to_string(i + 1)));
  }
  std::vector<std::vector<uint8_t>> all_buffers{{}};
  all_buffers.insert(all_buffers.end(), spec.buffers.begin(), spec.buffers.end());
  for (const auto& data : all_buffers) {
    Offset<flatbuffers::Vector<uint8_t>> vec;
    if (!data.empty()) {
      b.ForceVectorAlignment(data.size(), 1, 16);  // 16-byte aligned, like the converter
      vec = b.CreateVector(data);
    }
    const uoffset_t start = b.StartTable();
    if (!data.empty()) b.AddOffset(slot(0), vec);
    buffers.push_back(Offset<void>(b.EndTable(start)));
  }
  const auto tensor_maps = [&](const std::vector<std::pair<std::string, uint32_t>>& entries) {
    std::vector<Offset<void>> maps;
    for (const auto& [name, index] : entries) {
      auto n = b.CreateString(name);
      const uoffset_t start = b.StartTable();
      b.AddOffset(slot(0), n);
      b.AddElement<uint32_t>(slot(1), index, 0xffffffffu);
      maps.push_back(Offset<void>(b.EndTable(start)));
    }
    return b.CreateVector(maps);
  };
  std::vector<Offset<void>> signatures;
  for (const TfSignatureSpec& sig : spec.signatures) {
    auto inputs = tensor_maps(sig.inputs);
    auto outputs = tensor_maps(sig.outputs);
    auto key = b.CreateString(sig.key);
    const uoffset_t start = b.StartTable();
    b.AddOffset(slot(0), inputs);
    b.AddOffset(slot(1), outputs);
    b.AddOffset(slot(2), key);
    b.AddElement<uint32_t>(slot(4), sig.subgraph, 0xffffffffu);
    signatures.push_back(Offset<void>(b.EndTable(start)));
  }
  std::vector<Offset<void>> metadata;
  for (const auto& [name, buffer] : spec.metadata) {
    auto n = b.CreateString(name);
    const uoffset_t start = b.StartTable();
    b.AddOffset(slot(0), n);
    b.AddElement<uint32_t>(slot(1), buffer, 0xffffffffu);
    metadata.push_back(Offset<void>(b.EndTable(start)));
  }
  auto signatures_vec = b.CreateVector(signatures);
  auto metadata_vec = b.CreateVector(metadata);
  auto codes_vec = b.CreateVector(code_offsets);
  auto sg_vec = b.CreateVector(subgraphs);
  auto buffers_vec = b.CreateVector(buffers);
  auto description = b.CreateString("built by tests/support/tflite_builder");
  const uoffset_t model_start = b.StartTable();
  b.AddElement<uint32_t>(slot(0), spec.version, 0xffffffffu);
  b.AddOffset(slot(1), codes_vec);
  b.AddOffset(slot(2), sg_vec);
  b.AddOffset(slot(3), description);
  b.AddOffset(slot(4), buffers_vec);
  if (!spec.metadata.empty()) b.AddOffset(slot(6), metadata_vec);
  if (!spec.signatures.empty()) b.AddOffset(slot(7), signatures_vec);
  b.Finish(Offset<void>(b.EndTable(model_start)), "TFL3");
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

TfModelSpec add_model_spec() {
  TfModelSpec spec;
  spec.tensors = {{{1, 2, 2, 1}, 0, 0, "a"}, {{1, 2, 2, 1}, 0, 0, "b"}, {{1, 2, 2, 1}, 0, 0, "sum"}};
  TfOperatorSpec add;
  add.builtin_code = 0;  // ADD
  add.inputs = {0, 1};
  add.outputs = {2};
  add.options_type = 11;  // AddOptions
  add.options = {{0, 1, 0}};
  spec.operators = {add};
  spec.inputs = {0, 1};
  spec.outputs = {2};
  return spec;
}

}  // namespace outpost::testing
