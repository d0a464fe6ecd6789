#include "support/tflite_metadata_builder.h"

#include <flatbuffers/flatbuffers.h>

namespace outpost::testing {
namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;
using flatbuffers::uoffset_t;
using flatbuffers::voffset_t;

constexpr voffset_t slot(int field) { return static_cast<voffset_t>(4 + 2 * field); }

Offset<void> build_file(FlatBufferBuilder& b, const TfMetaFile& f) {
  auto name = b.CreateString(f.name);
  Offset<flatbuffers::String> locale;
  if (!f.locale.empty()) locale = b.CreateString(f.locale);
  const uoffset_t start = b.StartTable();
  b.AddOffset(slot(0), name);
  b.AddElement<int8_t>(slot(2), f.type, 0);
  if (!f.locale.empty()) b.AddOffset(slot(3), locale);
  return Offset<void>(b.EndTable(start));
}

Offset<void> float_pair(FlatBufferBuilder& b, const std::vector<float>& first, const std::vector<float>& second) {
  auto a = b.CreateVector(first);
  auto c = b.CreateVector(second);
  const uoffset_t start = b.StartTable();
  b.AddOffset(slot(0), a);
  b.AddOffset(slot(1), c);
  return Offset<void>(b.EndTable(start));
}

Offset<void> build_tensor(FlatBufferBuilder& b, const TfMetaTensor& t) {
  auto name = b.CreateString(t.name);
  Offset<flatbuffers::Vector<Offset<void>>> units;
  if (!t.mean.empty() || !t.std.empty()) {
    auto options = float_pair(b, t.mean, t.std);
    const uoffset_t start = b.StartTable();
    b.AddElement<uint8_t>(slot(0), 1, 0);  // NormalizationOptions
    b.AddOffset(slot(1), options);
    std::vector<Offset<void>> list{Offset<void>(b.EndTable(start))};
    units = b.CreateVector(list);
  }
  Offset<void> stats;
  if (!t.min.empty() || !t.max.empty()) stats = float_pair(b, t.max, t.min);
  std::vector<Offset<void>> files;
  for (const TfMetaFile& f : t.files) files.push_back(build_file(b, f));
  auto files_vec = b.CreateVector(files);
  const uoffset_t start = b.StartTable();
  b.AddOffset(slot(0), name);
  if (!units.IsNull()) b.AddOffset(slot(4), units);
  if (!stats.IsNull()) b.AddOffset(slot(5), stats);
  b.AddOffset(slot(6), files_vec);
  return Offset<void>(b.EndTable(start));
}

uint32_t crc32(const std::string& data) {
  uint32_t crc = 0xffffffffu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void put16(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}
void put32(std::vector<uint8_t>& out, uint32_t v) {
  put16(out, v & 0xffff);
  put16(out, v >> 16);
}

}  // namespace

std::vector<uint8_t> build_model_metadata(const TfMetadataSpec& spec) {
  FlatBufferBuilder b;
  std::vector<Offset<void>> inputs, outputs;
  for (const TfMetaTensor& t : spec.inputs) inputs.push_back(build_tensor(b, t));
  for (const TfMetaTensor& t : spec.outputs) outputs.push_back(build_tensor(b, t));
  auto in_vec = b.CreateVector(inputs);
  auto out_vec = b.CreateVector(outputs);
  const uoffset_t sg_start = b.StartTable();
  b.AddOffset(slot(2), in_vec);
  b.AddOffset(slot(3), out_vec);
  std::vector<Offset<void>> subgraphs{Offset<void>(b.EndTable(sg_start))};
  auto sg_vec = b.CreateVector(subgraphs);
  auto name = b.CreateString(spec.name);
  auto description = b.CreateString(spec.description);
  auto version = b.CreateString(spec.version);
  auto parser = b.CreateString("1.0.0");
  const uoffset_t start = b.StartTable();
  b.AddOffset(slot(0), name);
  b.AddOffset(slot(1), description);
  b.AddOffset(slot(2), version);
  b.AddOffset(slot(3), sg_vec);
  b.AddOffset(slot(7), parser);
  b.Finish(Offset<void>(b.EndTable(start)), "M001");
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

std::vector<uint8_t> append_zip(std::vector<uint8_t> model,
                                const std::vector<std::pair<std::string, std::string>>& files, uint16_t method) {
  std::vector<uint8_t> directory;
  for (const auto& [name, contents] : files) {
    const auto offset = static_cast<uint32_t>(model.size());
    const uint32_t crc = crc32(contents);
    const auto size = static_cast<uint32_t>(contents.size());
    put32(model, 0x04034b50);
    put16(model, 20);  // version needed
    put16(model, 0);   // flags
    put16(model, method);
    put32(model, 0);  // time, date
    put32(model, crc);
    put32(model, size);
    put32(model, size);
    put16(model, static_cast<uint32_t>(name.size()));
    put16(model, 0);
    model.insert(model.end(), name.begin(), name.end());
    model.insert(model.end(), contents.begin(), contents.end());
    put32(directory, 0x02014b50);
    put16(directory, 20);  // made by
    put16(directory, 20);  // needed
    put16(directory, 0);
    put16(directory, method);
    put32(directory, 0);
    put32(directory, crc);
    put32(directory, size);
    put32(directory, size);
    put16(directory, static_cast<uint32_t>(name.size()));
    put16(directory, 0);  // extra
    put16(directory, 0);  // comment
    put16(directory, 0);  // disk
    put16(directory, 0);  // internal attributes
    put32(directory, 0);  // external attributes
    put32(directory, offset);
    directory.insert(directory.end(), name.begin(), name.end());
  }
  const auto directory_at = static_cast<uint32_t>(model.size());
  model.insert(model.end(), directory.begin(), directory.end());
  put32(model, 0x06054b50);
  put16(model, 0);
  put16(model, 0);
  put16(model, static_cast<uint32_t>(files.size()));
  put16(model, static_cast<uint32_t>(files.size()));
  put32(model, static_cast<uint32_t>(directory.size()));
  put32(model, directory_at);
  put16(model, 0);
  return model;
}

}  // namespace outpost::testing
