#include "formats/tflite/tflite_model_data.h"

#include <flatbuffers/flatbuffers.h>

#include <cstring>

#include "formats/tflite/tflite_model.h"
#include "formats/tflite/tflite_ops.h"

namespace outpost::tflite {
namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::uoffset_t;

template <typename T>
std::vector<T> copy_of(const Vector<T>* v) {
  std::vector<T> out;
  if (!v) return out;
  out.reserve(v->size());
  for (flatbuffers::uoffset_t i = 0; i < v->size(); ++i) out.push_back(element(*v, i));
  return out;
}

std::string text_of(const String* s) { return s ? s->str() : std::string(); }

// An options table read field by field in the layout `sizes` (verify_options checked it).
struct OptionsReader : OptionsTable {
  std::vector<OptionFieldData> read(const std::vector<int>& sizes) const {
    std::vector<OptionFieldData> fields(sizes.size());
    for (size_t i = 0; i < sizes.size(); ++i) {
      const int f = static_cast<int>(i);
      OptionFieldData& d = fields[i];
      d.size = sizes[i];
      d.present = present(f);
      if (!d.present) continue;
      if (d.size == 1) d.bits = static_cast<uint8_t>(byte_at(f, 0));
      if (d.size == 4) d.bits = static_cast<uint32_t>(int_at(f, 0));
      if (d.size == 0) d.ints = copy_of(ints_at(f));
      if (d.size == kOptionString) d.text = text_of(string_at(f));
    }
    return fields;
  }
};

Result<TensorData> read_tensor(const Tensor& t, const std::string& where) {
  if (t.sparsity()) return unsupported(where + ": a sparse tensor; optimize does not rewrite sparse models");
  TensorData d;
  d.shape = copy_of(t.shape());
  d.shape_signature = copy_of(t.shape_signature());
  d.type = t.type();
  d.buffer = t.buffer();
  d.name = text_of(t.name());
  if (const QuantizationParameters* q = t.quantization()) {
    d.scale = copy_of(q->scale());
    d.zero_point = copy_of(q->zero_point());
    d.quantized_dimension = q->quantized_dimension();
  }
  d.is_variable = t.is_variable();
  return d;
}

Result<OperatorData> read_operator(const Operator& op, const ModelData& m, const uint8_t* data, size_t size,
                                   const std::string& where) {
  OperatorData d;
  d.opcode_index = op.opcode_index();
  if (d.opcode_index >= m.codes.size()) return invalid_model(where + ": operator code index out of range");
  d.inputs = copy_of(op.inputs());
  d.outputs = copy_of(op.outputs());
  d.custom_options = copy_of(op.custom_options());
  const int32_t code = m.codes[d.opcode_index].builtin;
  if (!op.builtin_options()) return d;
  const std::vector<int> sizes = option_field_sizes(code);
  if (sizes.empty())
    return unsupported(where + ": the options of " + builtin_name(code) +
                       " have a layout optimize does not know, so it cannot write them back");
  if (!verify_options(op, code, data, size)) return invalid_model(where + ": its options table is corrupt");
  d.options_type = op.builtin_options_type();
  d.options = static_cast<const OptionsReader*>(op.builtin_options())->read(sizes);
  return d;
}

// Every tensor index of the subgraph's operators, inputs and outputs names one of its tensors
// (-1: an absent optional operand), so that rewriting never indexes past them.
Status check_indices(const SubgraphData& g, const std::string& where) {
  const auto in_range = [&](int32_t t, bool optional) {
    return (optional && t == -1) || (t >= 0 && static_cast<size_t>(t) < g.tensors.size());
  };
  for (size_t k = 0; k < g.operators.size(); ++k) {
    for (int32_t t : g.operators[k].inputs)
      if (!in_range(t, true)) return invalid_model(where + " operator " + std::to_string(k) + ": input tensor " +
                                                   std::to_string(t) + " is out of range");
    for (int32_t t : g.operators[k].outputs)
      if (!in_range(t, false)) return invalid_model(where + " operator " + std::to_string(k) + ": output tensor " +
                                                    std::to_string(t) + " is out of range");
  }
  for (const auto* list : {&g.inputs, &g.outputs})
    for (int32_t t : *list)
      if (!in_range(t, false)) return invalid_model(where + ": graph tensor " + std::to_string(t) + " is out of range");
  return Status::ok();
}

Offset<void> write_tensor(FlatBufferBuilder& b, const TensorData& t) {
  auto shape = b.CreateVector(t.shape);
  Offset<Vector<int32_t>> signature;
  if (!t.shape_signature.empty()) signature = b.CreateVector(t.shape_signature);
  auto name = b.CreateString(t.name);
  uoffset_t quant = 0;
  if (!t.scale.empty()) {
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
  b.AddElement<int8_t>(slot(1), t.type, 0);
  b.AddElement<uint32_t>(slot(2), t.buffer, 0);
  b.AddOffset(slot(3), name);
  if (quant) b.AddOffset(slot(4), Offset<void>(quant));
  if (t.is_variable) b.AddElement<uint8_t>(slot(5), 1, 0);
  if (!t.shape_signature.empty()) b.AddOffset(slot(7), signature);
  return Offset<void>(b.EndTable(start));
}

Offset<void> write_operator(FlatBufferBuilder& b, const OperatorData& op) {
  auto inputs = b.CreateVector(op.inputs);
  auto outputs = b.CreateVector(op.outputs);
  uoffset_t options = 0;
  if (op.options_type != 0) {
    std::vector<uoffset_t> children(op.options.size(), 0);
    for (size_t i = 0; i < op.options.size(); ++i) {
      const OptionFieldData& f = op.options[i];
      if (f.present && f.size == 0) children[i] = b.CreateVector(f.ints).o;
      if (f.present && f.size == kOptionString) children[i] = b.CreateString(f.text).o;
    }
    const uoffset_t start = b.StartTable();
    for (size_t i = 0; i < op.options.size(); ++i) {
      const OptionFieldData& f = op.options[i];
      const auto s = slot(static_cast<int>(i));
      if (!f.present) continue;
      if (f.size == 1) b.AddElement<uint8_t>(s, static_cast<uint8_t>(f.bits), static_cast<uint8_t>(~f.bits));
      if (f.size == 4) b.AddElement<uint32_t>(s, f.bits, ~f.bits);
      if (children[i]) b.AddOffset(s, Offset<void>(children[i]));
    }
    options = b.EndTable(start);
  }
  Offset<Vector<uint8_t>> custom;
  if (!op.custom_options.empty()) custom = b.CreateVector(op.custom_options);
  const uoffset_t start = b.StartTable();
  b.AddElement<uint32_t>(slot(0), op.opcode_index, 0xffffffffu);
  b.AddOffset(slot(1), inputs);
  b.AddOffset(slot(2), outputs);
  if (options) {
    b.AddElement<uint8_t>(slot(3), op.options_type, 0);
    b.AddOffset(slot(4), Offset<void>(options));
  }
  if (!op.custom_options.empty()) b.AddOffset(slot(5), custom);
  return Offset<void>(b.EndTable(start));
}

Offset<void> write_subgraph(FlatBufferBuilder& b, const SubgraphData& g) {
  std::vector<Offset<void>> tensors, operators;
  for (const auto& t : g.tensors) tensors.push_back(write_tensor(b, t));
  for (const auto& op : g.operators) operators.push_back(write_operator(b, op));
  auto tensors_vec = b.CreateVector(tensors);
  auto ops_vec = b.CreateVector(operators);
  auto in = b.CreateVector(g.inputs);
  auto out = b.CreateVector(g.outputs);
  auto name = b.CreateString(g.name);
  const uoffset_t start = b.StartTable();
  b.AddOffset(slot(0), tensors_vec);
  b.AddOffset(slot(1), in);
  b.AddOffset(slot(2), out);
  b.AddOffset(slot(3), ops_vec);
  b.AddOffset(slot(4), name);
  return Offset<void>(b.EndTable(start));
}

Offset<void> write_tensor_map(FlatBufferBuilder& b, const std::pair<std::string, uint32_t>& m) {
  auto name = b.CreateString(m.first);
  const uoffset_t start = b.StartTable();
  b.AddOffset(slot(0), name);
  b.AddElement<uint32_t>(slot(1), m.second, 0xffffffffu);
  return Offset<void>(b.EndTable(start));
}

Offset<void> write_signature(FlatBufferBuilder& b, const SignatureData& s) {
  std::vector<Offset<void>> in, out;
  for (const auto& m : s.inputs) in.push_back(write_tensor_map(b, m));
  for (const auto& m : s.outputs) out.push_back(write_tensor_map(b, m));
  auto in_vec = b.CreateVector(in);
  auto out_vec = b.CreateVector(out);
  auto key = b.CreateString(s.key);
  const uoffset_t start = b.StartTable();
  b.AddOffset(slot(0), in_vec);
  b.AddOffset(slot(1), out_vec);
  b.AddOffset(slot(2), key);
  b.AddElement<uint32_t>(slot(4), s.subgraph, 0xffffffffu);
  return Offset<void>(b.EndTable(start));
}

}  // namespace

uint32_t ModelData::code_index(int32_t code, int32_t version) {
  for (size_t i = 0; i < codes.size(); ++i)
    if (codes[i].builtin == code && codes[i].custom.empty()) {
      codes[i].version = std::max(codes[i].version, version);
      return static_cast<uint32_t>(i);
    }
  codes.push_back({code, "", version});
  return static_cast<uint32_t>(codes.size() - 1);
}

uint32_t ModelData::add_buffer(std::vector<uint8_t> bytes) {
  buffers.push_back(std::move(bytes));
  return static_cast<uint32_t>(buffers.size() - 1);
}

Result<ModelData> read_model_data(const uint8_t* data, size_t size, const std::string& source) {
  OUTPOST_ASSIGN_OR_RETURN(const Model* model, verified_model(data, size, source));
  ModelData m;
  m.version = model->version();
  m.description = text_of(model->description());
  if (auto* codes = model->operator_codes())
    for (const OperatorCode* c : *codes)
      m.codes.push_back({builtin_code_of(*c), text_of(c->custom_code()), c->version()});
  if (auto* buffers = model->buffers())
    for (const Buffer* b : *buffers) {
      if (b->offset() != 0 || b->size() != 0)
        return unsupported(source + ": its weights are stored after the flatbuffer (a model over 2 GiB); "
                                    "optimize does not rewrite those");
      m.buffers.push_back(copy_of(b->data()));
    }
  if (!model->subgraphs() || model->subgraphs()->size() == 0) return invalid_model(source + ": the model has no subgraph");
  for (flatbuffers::uoffset_t s = 0; s < model->subgraphs()->size(); ++s) {
    const SubGraph* g = model->subgraphs()->Get(s);
    SubgraphData d;
    d.name = text_of(g->name());
    d.inputs = copy_of(g->inputs());
    d.outputs = copy_of(g->outputs());
    if (g->tensors())
      for (flatbuffers::uoffset_t t = 0; t < g->tensors()->size(); ++t) {
        const std::string where = source + ": subgraph " + std::to_string(s) + " tensor " + std::to_string(t);
        OUTPOST_ASSIGN_OR_RETURN(TensorData tensor, read_tensor(*g->tensors()->Get(t), where));
        if (tensor.buffer >= m.buffers.size()) return invalid_model(where + ": buffer index out of range");
        d.tensors.push_back(std::move(tensor));
      }
    if (g->operators())
      for (flatbuffers::uoffset_t k = 0; k < g->operators()->size(); ++k) {
        const std::string where = source + ": subgraph " + std::to_string(s) + " operator " + std::to_string(k);
        OUTPOST_ASSIGN_OR_RETURN(OperatorData op, read_operator(*g->operators()->Get(k), m, data, size, where));
        d.operators.push_back(std::move(op));
      }
    OUTPOST_RETURN_IF_ERROR(check_indices(d, source + ": subgraph " + std::to_string(s)));
    m.subgraphs.push_back(std::move(d));
  }
  if (auto* metadata = model->metadata())
    for (const Metadata* md : *metadata) {
      if (md->buffer() >= m.buffers.size()) return invalid_model(source + ": a metadata buffer index is out of range");
      m.metadata.emplace_back(text_of(md->name()), md->buffer());
    }
  if (auto* signatures = model->signature_defs())
    for (const SignatureDef* sd : *signatures) {
      SignatureData s;
      s.key = text_of(sd->signature_key());
      s.subgraph = sd->subgraph_index();
      if (sd->inputs())
        for (const TensorMap* t : *sd->inputs()) s.inputs.emplace_back(text_of(t->name()), t->tensor_index());
      if (sd->outputs())
        for (const TensorMap* t : *sd->outputs()) s.outputs.emplace_back(text_of(t->name()), t->tensor_index());
      if (s.subgraph >= m.subgraphs.size()) return invalid_model(source + ": a signature's subgraph is out of range");
      for (const auto* maps : {&s.inputs, &s.outputs})
        for (const auto& [name, t] : *maps)
          if (t >= m.subgraphs[s.subgraph].tensors.size())
            return invalid_model(source + ": signature '" + s.key + "' names tensor " + std::to_string(t) +
                                 ", out of range");
      m.signatures.push_back(std::move(s));
    }
  return m;
}

Result<std::string> write_model_data(const ModelData& m) {
  FlatBufferBuilder b(1 << 20);
  std::vector<Offset<void>> codes;
  for (const auto& c : m.codes) {
    Offset<String> custom;
    if (!c.custom.empty()) custom = b.CreateString(c.custom);
    const uoffset_t start = b.StartTable();
    b.AddElement<int8_t>(slot(0), static_cast<int8_t>(std::min(c.builtin, 127)), -1);
    if (!c.custom.empty()) b.AddOffset(slot(1), custom);
    b.AddElement<int32_t>(slot(2), c.version, 0);
    b.AddElement<int32_t>(slot(3), c.builtin, -1);
    codes.push_back(Offset<void>(b.EndTable(start)));
  }
  std::vector<Offset<void>> subgraphs;
  for (const auto& g : m.subgraphs) subgraphs.push_back(write_subgraph(b, g));
  std::vector<Offset<void>> buffers;
  for (const auto& data : m.buffers) {
    Offset<Vector<uint8_t>> bytes;
    if (!data.empty()) {
      b.ForceVectorAlignment(data.size(), 1, 16);  // weights read in place want aligned data
      bytes = b.CreateVector(data);
    }
    const uoffset_t start = b.StartTable();
    if (!data.empty()) b.AddOffset(slot(0), bytes);
    buffers.push_back(Offset<void>(b.EndTable(start)));
  }
  std::vector<Offset<void>> metadata;
  for (const auto& [name, buffer] : m.metadata) {
    auto n = b.CreateString(name);
    const uoffset_t start = b.StartTable();
    b.AddOffset(slot(0), n);
    b.AddElement<uint32_t>(slot(1), buffer, 0xffffffffu);
    metadata.push_back(Offset<void>(b.EndTable(start)));
  }
  std::vector<Offset<void>> signatures;
  for (const auto& s : m.signatures) signatures.push_back(write_signature(b, s));
  auto codes_vec = b.CreateVector(codes);
  auto subgraphs_vec = b.CreateVector(subgraphs);
  auto description = b.CreateString(m.description);
  auto buffers_vec = b.CreateVector(buffers);
  auto metadata_vec = b.CreateVector(metadata);
  auto signatures_vec = b.CreateVector(signatures);
  const uoffset_t start = b.StartTable();
  b.AddElement<uint32_t>(slot(0), m.version, 0);
  b.AddOffset(slot(1), codes_vec);
  b.AddOffset(slot(2), subgraphs_vec);
  b.AddOffset(slot(3), description);
  b.AddOffset(slot(4), buffers_vec);
  if (!m.metadata.empty()) b.AddOffset(slot(6), metadata_vec);
  if (!m.signatures.empty()) b.AddOffset(slot(7), signatures_vec);
  b.Finish(Offset<void>(b.EndTable(start)), "TFL3");
  if (b.GetSize() >= FLATBUFFERS_MAX_BUFFER_SIZE) return unsupported("the rewritten model would pass 2 GiB");
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

}  // namespace outpost::tflite
