#include "formats/tflite/tflite_signatures.h"

namespace outpost::tflite {
namespace {

Status read_tensor_maps(const Vector<Offset<TensorMap>>* maps, const SubGraph& sg, const std::string& where,
                        std::vector<SignatureTensor>& out) {
  if (!maps) return Status::ok();
  const uint32_t tensors = sg.tensors() ? sg.tensors()->size() : 0;
  for (uint32_t i = 0; i < maps->size(); ++i) {
    const TensorMap& m = *maps->Get(i);
    SignatureTensor t;
    t.name = m.name() ? m.name()->str() : "";
    if (t.name.empty()) return invalid_model(where + " " + std::to_string(i) + " has no name");
    if (m.tensor_index() >= tensors)
      return invalid_model(where + " '" + t.name + "' refers to tensor " + std::to_string(m.tensor_index()) +
                           ", but its subgraph has " + std::to_string(tensors) + " tensors");
    t.tensor = static_cast<int32_t>(m.tensor_index());
    out.push_back(std::move(t));
  }
  return Status::ok();
}

std::string key_list(const std::vector<TfliteSignature>& signatures) {
  std::string keys;
  for (const TfliteSignature& s : signatures) keys += (keys.empty() ? "'" : ", '") + s.key + "'";
  return keys;
}

}  // namespace

Result<std::vector<TfliteSignature>> read_signatures(const Model& model, const std::string& source) {
  std::vector<TfliteSignature> out;
  const auto* defs = model.signature_defs();
  if (!defs) return out;
  const uint32_t subgraphs = model.subgraphs() ? model.subgraphs()->size() : 0;
  for (uint32_t i = 0; i < defs->size(); ++i) {
    const SignatureDef& def = *defs->Get(i);
    TfliteSignature s;
    s.key = def.signature_key() ? def.signature_key()->str() : "";
    const std::string where = source + ": signature " + std::to_string(i) + " ('" + s.key + "')";
    s.subgraph = def.subgraph_index();
    if (s.subgraph >= subgraphs)
      return invalid_model(where + ": subgraph_index " + std::to_string(s.subgraph) + ", but the model has " +
                           std::to_string(subgraphs) + " subgraphs");
    const SubGraph& sg = *model.subgraphs()->Get(s.subgraph);
    OUTPOST_RETURN_IF_ERROR(read_tensor_maps(def.inputs(), sg, where + ": input", s.inputs));
    OUTPOST_RETURN_IF_ERROR(read_tensor_maps(def.outputs(), sg, where + ": output", s.outputs));
    for (const TfliteSignature& earlier : out)
      if (earlier.key == s.key) return invalid_model(where + ": another signature has the same key");
    out.push_back(std::move(s));
  }
  return out;
}

Result<const TfliteSignature*> choose_signature(const std::vector<TfliteSignature>& signatures,
                                                const std::string& key, const std::string& source) {
  if (key.empty()) return signatures.empty() ? nullptr : &signatures.front();
  for (const TfliteSignature& s : signatures)
    if (s.key == key) return &s;
  if (signatures.empty())
    return usage_error(source + ": the model has no signatures, so there is no signature '" + key +
                       "' to run (leave out --signature)");
  return usage_error(source + ": the model has no signature '" + key + "' (its signatures: " +
                     key_list(signatures) + ")");
}

}  // namespace outpost::tflite
