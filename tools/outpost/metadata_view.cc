#include "outpost/metadata_view.h"

#include <cstdio>
#include <iostream>

#include "bundle/open.h"
#include "core/log.h"
#include "core/mapped_file.h"

namespace outpost::cli {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

std::string numbers(const std::vector<float>& values) {
  std::string s;
  for (float v : values) {
    char text[32];
    std::snprintf(text, sizeof(text), "%g", v);
    s += (s.empty() ? "" : ", ") + std::string(text);
  }
  return "[" + s + "]";
}

nlohmann::json file_json(const MetadataFile& f) {
  nlohmann::json j{{"name", f.name}, {"type", f.type}, {"packed", f.packed}};
  if (!f.locale.empty()) j["locale"] = f.locale;
  if (!f.description.empty()) j["description"] = f.description;
  if (!f.lines.empty()) j["labels"] = f.lines.size();
  return j;
}

nlohmann::json tensor_json(const TensorMetadata& t) {
  nlohmann::json j{{"name", t.name}};
  if (!t.description.empty()) j["description"] = t.description;
  if (!t.mean.empty()) j["normalization"] = {{"mean", t.mean}, {"std", t.std}};
  if (!t.min.empty() || !t.max.empty()) j["range"] = {{"min", t.min}, {"max", t.max}};
  j["files"] = nlohmann::json::array();
  for (const MetadataFile& f : t.files) j["files"].push_back(file_json(f));
  return j;
}

std::string file_text(const MetadataFile& f) {
  std::string s = f.name + " (" + f.type + (f.locale.empty() ? "" : ", " + f.locale);
  if (!f.lines.empty()) s += ", " + std::to_string(f.lines.size()) + " labels";
  if (!f.packed) s += ", not packed in the model";
  return s + ")";
}

void print_tensors(const char* role, const std::vector<TensorMetadata>& tensors) {
  for (const TensorMetadata& t : tensors) {
    std::cout << "  " << role << " " << t.name << ":";
    if (!t.mean.empty()) std::cout << " mean " << numbers(t.mean) << " std " << numbers(t.std);
    if (!t.min.empty() || !t.max.empty()) std::cout << " min " << numbers(t.min) << " max " << numbers(t.max);
    for (const MetadataFile& f : t.files) std::cout << " file " << file_text(f);
    std::cout << "\n";
  }
}

}  // namespace

ModelMetadata model_metadata(const std::string& model) {
  if (bundle::is_bundle_file(model)) return {};
  auto file = MappedFile::open(model);
  if (!file.is_ok()) return {};
  ModelMetadata m = read_model_metadata((*file)->data(), (*file)->size(), model);
  for (const std::string& w : m.warnings) OUTPOST_LOG_WARNING("metadata left out: " << w);
  return m;
}

nlohmann::json signatures_json(const ModelStats& stats) {
  nlohmann::json j = nlohmann::json::array();
  for (const ModelSignature& s : stats.signatures)
    j.push_back({{"key", s.key}, {"inputs", s.inputs}, {"outputs", s.outputs}, {"running", s.key == stats.signature}});
  return j;
}

void print_signatures(const ModelStats& stats) {
  if (stats.signatures.empty()) return;
  std::cout << "signatures (--signature KEY):\n";
  for (const ModelSignature& s : stats.signatures)
    std::cout << "  " << s.key << (s.key == stats.signature ? " (running)" : "") << ": inputs "
              << joined(s.inputs) << "; outputs " << joined(s.outputs) << "\n";
}

nlohmann::json metadata_json(const ModelMetadata& m) {
  if (!m.present) return nullptr;
  nlohmann::json j{{"name", m.name}, {"version", m.version}, {"description", m.description}};
  if (!m.author.empty()) j["author"] = m.author;
  if (!m.license.empty()) j["license"] = m.license;
  if (!m.min_parser_version.empty()) j["min_parser_version"] = m.min_parser_version;
  j["inputs"] = nlohmann::json::array();
  for (const TensorMetadata& t : m.inputs) j["inputs"].push_back(tensor_json(t));
  j["outputs"] = nlohmann::json::array();
  for (const TensorMetadata& t : m.outputs) j["outputs"].push_back(tensor_json(t));
  j["files"] = nlohmann::json::array();
  for (const MetadataFile& f : m.files) j["files"].push_back(file_json(f));
  j["packed_files"] = m.packed;
  j["warnings"] = m.warnings;
  return j;
}

void print_metadata(const ModelMetadata& m) {
  if (!m.present) return;
  std::cout << "metadata: " << (m.name.empty() ? "(no name)" : m.name)
            << (m.version.empty() ? "" : ", version " + m.version) << "\n";
  if (!m.description.empty()) std::cout << "  " << m.description << "\n";
  print_tensors("input", m.inputs);
  print_tensors("output", m.outputs);
  for (const MetadataFile& f : m.files) std::cout << "  file " << file_text(f) << "\n";
  if (!m.warnings.empty())
    std::cout << "  " << m.warnings.size() << " part(s) unreadable and left out (warnings on stderr)\n";
}

}  // namespace outpost::cli
