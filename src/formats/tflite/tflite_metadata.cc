// read_tflite_metadata (formats/model_metadata.h): the "TFLITE_METADATA" buffer read as
// tflite-support's ModelMetadata, and the files it names taken from the zip appended to the
// model.
#include <array>
#include <cmath>
#include <cstring>
#include <memory>

#include "formats/model_metadata.h"
#include "formats/tflite/tflite_metadata_schema.h"
#include "formats/tflite/tflite_model.h"
#include "formats/zip_archive.h"

namespace outpost {
namespace {

using namespace outpost::tflite;  // NOLINT: the accessors of this format

constexpr const char* kMetadataName = "TFLITE_METADATA";
constexpr size_t kMaxLabels = 1'000'000;

std::string text(const String* s) { return s ? s->str() : ""; }

std::string file_type_name(int8_t type) {
  static constexpr std::array<const char*, 7> kNames = {
      "UNKNOWN",    "DESCRIPTIONS", "TENSOR_AXIS_LABELS", "TENSOR_VALUE_LABELS",
      "TENSOR_AXIS_SCORE_CALIBRATION", "VOCABULARY", "SCANN_INDEX_FILE"};
  if (type >= 0 && static_cast<size_t>(type) < kNames.size()) return kNames[static_cast<size_t>(type)];
  return "type " + std::to_string(type);
}

std::vector<float> floats(const Vector<float>* v) {
  std::vector<float> out;
  if (v)
    for (flatbuffers::uoffset_t i = 0; i < v->size(); ++i) out.push_back(element(*v, i));
  return out;
}

std::vector<MetadataFile> files_of(const meta::Files* files) {
  std::vector<MetadataFile> out;
  if (!files) return out;
  for (const meta::AssociatedFile* f : *files) {
    MetadataFile file;
    file.name = text(f->name());
    file.description = text(f->description());
    file.type = file_type_name(f->type());
    file.locale = text(f->locale());
    out.push_back(std::move(file));
  }
  return out;
}

// Normalization of an input: mean and std of one length (or one of them a single value), every
// std finite and non-zero; anything else is left out with a warning.
void read_normalization(const meta::TensorMetadata& t, const std::string& where, TensorMetadata& out,
                        std::vector<std::string>& warnings) {
  if (!t.process_units()) return;
  for (const meta::ProcessUnit* unit : *t.process_units()) {
    const meta::FloatPair* n = unit->normalization();
    if (!n) continue;
    std::vector<float> mean = floats(n->first()), std = floats(n->second());
    bool fits = !mean.empty() && !std.empty() &&
                (mean.size() == std.size() || mean.size() == 1 || std.size() == 1);
    for (float s : std) fits = fits && std::isfinite(s) && s != 0.0f;
    for (float m : mean) fits = fits && std::isfinite(m);
    if (!fits) {
      warnings.push_back(where + ": NormalizationOptions (mean " + std::to_string(mean.size()) + " values, std " +
                         std::to_string(std.size()) + ") are not a usable normalization; left out");
      continue;
    }
    out.mean = std::move(mean);
    out.std = std::move(std);
    return;
  }
}

std::vector<TensorMetadata> tensors_of(const meta::Tensors* tensors, const std::string& role,
                                       std::vector<std::string>& warnings) {
  std::vector<TensorMetadata> out;
  if (!tensors) return out;
  for (flatbuffers::uoffset_t i = 0; i < tensors->size(); ++i) {
    const meta::TensorMetadata& t = *tensors->Get(i);
    TensorMetadata m;
    m.name = text(t.name());
    m.description = text(t.description());
    read_normalization(t, "metadata " + role + " " + std::to_string(i) + " ('" + m.name + "')", m, warnings);
    if (t.stats()) {
      m.max = floats(t.stats()->first());
      m.min = floats(t.stats()->second());
    }
    m.files = files_of(t.associated_files());
    out.push_back(std::move(m));
  }
  return out;
}

// The bytes of the metadata buffer, copied so that the verifier's alignment checks hold in
// memory; empty with a warning when the entry points nowhere.
std::vector<uint8_t> metadata_bytes(const Model& model, const uint8_t* data, size_t size, ModelMetadata& out) {
  const auto* entries = model.metadata();
  if (!entries) return {};
  for (const tflite::Metadata* entry : *entries) {
    if (text(entry->name()) != kMetadataName) continue;
    out.present = true;
    const auto* buffers = model.buffers();
    const uint32_t index = entry->buffer();
    if (!buffers || index >= buffers->size()) {
      out.warnings.push_back(std::string(kMetadataName) + " refers to buffer " + std::to_string(index) +
                             ", but the model has " + std::to_string(buffers ? buffers->size() : 0) + " buffers");
      return {};
    }
    const Buffer& b = *buffers->Get(index);
    if (b.data() && b.data()->size() > 0) return std::vector<uint8_t>(b.data()->begin(), b.data()->end());
    if (b.offset() > 1 && b.offset() <= size && b.size() <= size - b.offset())
      return std::vector<uint8_t>(data + b.offset(), data + b.offset() + b.size());
    out.warnings.push_back(std::string(kMetadataName) + " refers to buffer " + std::to_string(index) +
                           ", which is empty or lies outside the file");
    return {};
  }
  return {};
}

void read_fields(const meta::ModelMetadata& m, ModelMetadata& out) {
  out.name = text(m.name());
  out.description = text(m.description());
  out.version = text(m.version());
  out.author = text(m.author());
  out.license = text(m.license());
  out.min_parser_version = text(m.min_parser_version());
  out.files = files_of(m.associated_files());
  if (!m.subgraphs() || m.subgraphs()->size() == 0) return;
  const meta::SubGraphMetadata& sg = *m.subgraphs()->Get(0);
  out.inputs = tensors_of(sg.inputs(), "input", out.warnings);
  out.outputs = tensors_of(sg.outputs(), "output", out.warnings);
  for (MetadataFile& f : files_of(sg.associated_files())) out.files.push_back(std::move(f));
}

std::vector<std::string> lines_of(const ZipEntry& e) {
  std::vector<std::string> lines;
  const char* p = reinterpret_cast<const char*>(e.data);
  const char* end = p + e.size;
  while (p < end && lines.size() < kMaxLabels) {
    const char* eol = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (!eol) eol = end;
    std::string line(p, eol);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    lines.push_back(std::move(line));
    p = eol + 1;
  }
  return lines;
}

// Marks each named file found in the archive, and reads label files' lines.
void unpack(const std::vector<ZipEntry>& entries, std::vector<MetadataFile>& files, std::vector<std::string>& warnings) {
  for (MetadataFile& f : files) {
    for (const ZipEntry& e : entries) {
      if (e.name != f.name) continue;
      f.packed = true;
      if (f.type != "TENSOR_AXIS_LABELS" && f.type != "TENSOR_VALUE_LABELS") break;
      if (!e.data) {
        warnings.push_back("associated file '" + f.name + "' is compressed (zip method " + std::to_string(e.method) +
                           "); only stored files are read");
        break;
      }
      f.lines = lines_of(e);
      break;
    }
  }
}

ModelMetadata read_aligned(const uint8_t* data, size_t size, const std::string& source) {
  ModelMetadata out;
  auto model = verified_model(data, size, source);
  if (!model.is_ok()) {
    out.warnings.push_back(model.status().message());
    return out;
  }
  const std::vector<uint8_t> bytes = metadata_bytes(**model, data, size, out);
  if (!bytes.empty()) {
    Verifier::Options options;
    options.max_depth = 16;
    options.max_tables = 1'000'000;
    Verifier verifier(bytes.data(), bytes.size(), options);
    if (verifier.VerifyBuffer<meta::ModelMetadata>(nullptr)) {
      read_fields(*flatbuffers::GetRoot<meta::ModelMetadata>(bytes.data()), out);
    } else {
      out.warnings.push_back(std::string(kMetadataName) + ": the ModelMetadata flatbuffer is truncated or corrupt");
    }
  }
  auto entries = read_trailing_zip(data, size, source);
  if (!entries.is_ok()) {
    out.warnings.push_back(entries.status().message());
    return out;
  }
  for (const ZipEntry& e : *entries) out.packed.push_back(e.name);
  for (TensorMetadata& t : out.inputs) unpack(*entries, t.files, out.warnings);
  for (TensorMetadata& t : out.outputs) unpack(*entries, t.files, out.warnings);
  unpack(*entries, out.files, out.warnings);
  return out;
}

}  // namespace

ModelMetadata read_tflite_metadata(const uint8_t* data, size_t size, const std::string& source) {
  ModelMetadata m;
  if (reinterpret_cast<uintptr_t>(data) % alignof(std::max_align_t) != 0) {
    const std::vector<uint8_t> copy(data, data + size);
    m = read_aligned(copy.data(), copy.size(), source);  // it keeps no pointer into `copy`
  } else {
    m = read_aligned(data, size, source);
  }
  for (std::string& w : m.warnings)
    if (w.rfind(source + ": ", 0) != 0) w = source + ": " + w;
  return m;
}

}  // namespace outpost
