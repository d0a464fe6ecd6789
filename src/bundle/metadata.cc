#include "bundle/metadata.h"

namespace outpost::bundle {

nlohmann::json metadata_json(const BundleMetadata& m) {
  nlohmann::json j;
  j["name"] = m.name;
  j["version"] = m.version.text;
  j["created"] = m.created;
  j["min_outpost_version"] = m.min_outpost_version.text;
  j["publisher"] = m.publisher;
  j["model"] = {{"format", m.model_format}, {"size", m.model_size}, {"blake2b", m.model_blake2b}};
  j["inputs"] = m.inputs;
  j["outputs"] = m.outputs;
  if (!m.preprocess.is_null()) j["preprocess"] = m.preprocess;
  if (!m.labels.empty()) j["labels"] = m.labels;
  nlohmann::json tensors = nlohmann::json::array();
  for (const auto& g : m.golden)
    tensors.push_back({{"role", g.input ? "input" : "output"},
                       {"name", g.name},
                       {"offset", g.offset},
                       {"size", g.size}});
  j["golden"] = {{"size", m.golden_size}, {"blake2b", m.golden_blake2b}, {"tensors", tensors}};
  return j;
}

std::string metadata_to_json(const BundleMetadata& m) { return metadata_json(m).dump(); }

Result<BundleMetadata> parse_metadata(const uint8_t* data, size_t size, const std::string& what) {
  const std::string prefix = "bundle '" + what + "' has bad metadata: ";
  // No exceptions from parse; accessors below may throw, and are caught at the end.
  nlohmann::json j = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return invalid_model(prefix + "not a JSON object");
  const char* field = "";
  try {
    BundleMetadata m;
    auto str = [&](const nlohmann::json& o, const char* key) {
      field = key;
      return o.at(key).get<std::string>();
    };
    auto u64 = [&](const nlohmann::json& o, const char* key) {
      field = key;
      return o.at(key).get<uint64_t>();
    };
    m.name = str(j, "name");
    OUTPOST_ASSIGN_OR_RETURN(m.version, parse_semver(str(j, "version"), "version"));
    m.created = str(j, "created");
    OUTPOST_ASSIGN_OR_RETURN(m.min_outpost_version,
                             parse_semver(str(j, "min_outpost_version"), "min_outpost_version"));
    m.publisher = j.value("publisher", "");
    field = "model";
    const auto& model = j.at("model");
    m.model_format = str(model, "format");
    m.model_size = u64(model, "size");
    m.model_blake2b = str(model, "blake2b");
    field = "inputs";
    m.inputs = j.at("inputs");
    field = "outputs";
    m.outputs = j.at("outputs");
    if (!m.inputs.is_array() || !m.outputs.is_array())
      return invalid_model(prefix + "inputs/outputs must be arrays");
    if (j.contains("preprocess")) m.preprocess = j.at("preprocess");
    field = "labels";
    if (j.contains("labels")) m.labels = j.at("labels").get<std::vector<std::string>>();
    field = "golden";
    const auto& golden = j.at("golden");
    m.golden_size = u64(golden, "size");
    m.golden_blake2b = str(golden, "blake2b");
    for (const auto& t : golden.at("tensors")) {
      GoldenEntry e;
      const std::string role = str(t, "role");
      if (role != "input" && role != "output")
        return invalid_model(prefix + "golden role '" + role + "'");
      e.input = role == "input";
      e.name = str(t, "name");
      e.offset = u64(t, "offset");
      e.size = u64(t, "size");
      if (e.offset > m.golden_size || e.size > m.golden_size - e.offset)
        return invalid_model(prefix + "golden tensor '" + e.name +
                             "' lies outside the golden section");
      m.golden.push_back(std::move(e));
    }
    return m;
  } catch (const nlohmann::json::exception& e) {
    return invalid_model(prefix + "field '" + field + "': " + e.what());
  }
}

}  // namespace outpost::bundle
