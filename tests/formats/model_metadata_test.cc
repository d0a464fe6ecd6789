// TFLite model metadata (tflite-support's ModelMetadata) and the label files packed after the
// model: read as written, and a malformed one read as warnings while the model still loads.
#include "formats/model_metadata.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/mapped_file.h"
#include "formats/zip_archive.h"
#include "outpost/session.h"
#include "support/test_paths.h"
#include "support/tflite_builder.h"
#include "support/tflite_metadata_builder.h"

namespace outpost {
namespace {

using testing::add_model_spec;
using testing::append_zip;
using testing::build_model_metadata;
using testing::build_tflite;
using testing::TfMetadataSpec;
using testing::TfModelSpec;

TfMetadataSpec adder_metadata() {
  TfMetadataSpec m;
  m.name = "Adder";
  m.description = "Adds two images";
  m.version = "v2";
  m.inputs = {{"a", {127.5f}, {127.5f}, {0}, {255}, {}}, {"b", {0, 10, 20}, {1, 2, 4}, {}, {}, {}}};
  m.outputs = {{"sum", {}, {}, {}, {}, {{"labels_fr.txt", 2, "fr"}, {"labels.txt", 2, ""}, {"vocab.txt", 5, ""}}}};
  return m;
}

// The add model with `metadata` as its TFLITE_METADATA buffer (and another metadata entry before
// it, as converters write min_runtime_version).
std::vector<uint8_t> model_with_metadata(const std::vector<uint8_t>& metadata) {
  TfModelSpec spec = add_model_spec();
  spec.buffers = {{'1', '.', '1', '4'}, metadata};
  spec.metadata = {{"min_runtime_version", 1}, {"TFLITE_METADATA", 2}};
  return build_tflite(spec);
}

ModelMetadata read(const std::vector<uint8_t>& bytes) {
  const std::vector<uint8_t> aligned(bytes);
  return read_model_metadata(aligned.data(), aligned.size(), "meta.tflite");
}

bool loads(const std::vector<uint8_t>& bytes) {
  auto owned = std::make_shared<std::vector<uint8_t>>(bytes);
  return Session::open_buffer(owned->data(), owned->size(), owned, "meta.tflite").is_ok();
}

TEST(ModelMetadata, ReadsNamesNormalizationRangesAndPackedLabels) {
  const auto bytes = append_zip(model_with_metadata(build_model_metadata(adder_metadata())),
                                {{"labels.txt", "zero\none\r\ntwo\n"}, {"labels_fr.txt", "zéro\nun"}, {"other.bin", "x"}});
  const ModelMetadata m = read(bytes);
  EXPECT_TRUE(m.present);
  EXPECT_TRUE(m.warnings.empty()) << m.warnings[0];
  EXPECT_EQ(m.name, "Adder");
  EXPECT_EQ(m.description, "Adds two images");
  EXPECT_EQ(m.version, "v2");
  EXPECT_EQ(m.min_parser_version, "1.0.0");
  ASSERT_EQ(m.inputs.size(), 2u);
  EXPECT_EQ(m.inputs[0].mean, std::vector<float>{127.5f});
  EXPECT_EQ(m.inputs[0].min, std::vector<float>{0});
  EXPECT_EQ(m.inputs[0].max, std::vector<float>{255});
  EXPECT_EQ(m.inputs[1].std, (std::vector<float>{1, 2, 4}));
  ASSERT_EQ(m.outputs.size(), 1u);
  ASSERT_EQ(m.outputs[0].files.size(), 3u);
  EXPECT_EQ(m.outputs[0].files[0].locale, "fr");
  EXPECT_EQ(m.outputs[0].files[2].type, "VOCABULARY");
  EXPECT_FALSE(m.outputs[0].files[2].packed);
  EXPECT_EQ(m.packed, (std::vector<std::string>{"labels.txt", "labels_fr.txt", "other.bin"}));
  // The label file without a locale wins over the French one; lines lose their CR.
  const MetadataFile* labels = m.output_labels(0);
  ASSERT_NE(labels, nullptr);
  EXPECT_EQ(labels->name, "labels.txt");
  EXPECT_EQ(labels->lines, (std::vector<std::string>{"zero", "one", "two"}));
  EXPECT_EQ(m.output_labels(1), nullptr);
  EXPECT_TRUE(loads(bytes));
}

TEST(ModelMetadata, AModelWithoutMetadataHasNone) {
  const ModelMetadata m = read(build_tflite(add_model_spec()));
  EXPECT_FALSE(m.present);
  EXPECT_TRUE(m.warnings.empty());
  EXPECT_EQ(m.output_labels(0), nullptr);
}

// Each malformation: a warning naming what is wrong, the rest read, the model still loading.
TEST(ModelMetadata, MalformedMetadataIsAWarningAndTheModelStillLoads) {
  std::vector<uint8_t> garbage(64, 0xEE);
  auto bytes = model_with_metadata(garbage);
  ModelMetadata m = read(bytes);
  EXPECT_TRUE(m.present);
  ASSERT_EQ(m.warnings.size(), 1u);
  EXPECT_NE(m.warnings[0].find("meta.tflite: TFLITE_METADATA: the ModelMetadata flatbuffer is truncated or corrupt"),
            std::string::npos)
      << m.warnings[0];
  EXPECT_TRUE(loads(bytes));

  TfModelSpec spec = add_model_spec();
  spec.metadata = {{"TFLITE_METADATA", 9}};
  bytes = build_tflite(spec);
  m = read(bytes);
  ASSERT_EQ(m.warnings.size(), 1u);
  EXPECT_NE(m.warnings[0].find("refers to buffer 9, but the model has 1 buffers"), std::string::npos) << m.warnings[0];
  EXPECT_TRUE(loads(bytes));

  TfMetadataSpec bad = adder_metadata();
  bad.inputs[1].std = {1, 0, 4};
  m = read(model_with_metadata(build_model_metadata(bad)));
  ASSERT_EQ(m.warnings.size(), 1u);
  EXPECT_NE(m.warnings[0].find("metadata input 1 ('b'): NormalizationOptions"), std::string::npos) << m.warnings[0];
  EXPECT_TRUE(m.inputs[1].mean.empty());
  EXPECT_EQ(m.inputs[0].mean, std::vector<float>{127.5f});  // the rest is read
}

TEST(ModelMetadata, ABrokenArchiveIsAWarning) {
  auto bytes = append_zip(model_with_metadata(build_model_metadata(adder_metadata())), {{"labels.txt", "a\nb\n"}});
  // The directory's offset of the local header, pointed past the archive.
  const size_t directory = bytes.size() - 22 - (46 + 10);
  bytes[directory + 42] = 0xff;
  bytes[directory + 43] = 0xff;
  ModelMetadata m = read(bytes);
  ASSERT_EQ(m.warnings.size(), 1u);
  EXPECT_NE(m.warnings[0].find("entry 0 ('labels.txt'): its local header is missing or outside the archive"),
            std::string::npos)
      << m.warnings[0];
  EXPECT_EQ(m.output_labels(0), nullptr);
  EXPECT_EQ(m.name, "Adder");
  EXPECT_TRUE(loads(bytes));

  m = read(append_zip(model_with_metadata(build_model_metadata(adder_metadata())), {{"labels.txt", "a\nb\n"}}, 8));
  ASSERT_EQ(m.warnings.size(), 1u);
  EXPECT_NE(m.warnings[0].find("'labels.txt' is compressed (zip method 8)"), std::string::npos) << m.warnings[0];
  EXPECT_TRUE(m.outputs[0].files[1].packed);
}

TEST(ZipArchive, ReadsStoredEntriesAndRefusesTruncatedOnes) {
  const std::vector<uint8_t> prefix(100, 7);
  const auto bytes = append_zip(prefix, {{"a.txt", "alpha"}, {"b.txt", ""}});
  auto entries = read_trailing_zip(bytes.data(), bytes.size(), "z");
  ASSERT_TRUE(entries.is_ok()) << entries.status().message();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>((*entries)[0].data), (*entries)[0].size), "alpha");
  EXPECT_EQ((*entries)[1].size, 0u);
  // Every truncation that keeps an end record is refused or reads no archive; none crashes.
  for (size_t cut = 1; cut < bytes.size() - prefix.size(); ++cut) {
    std::vector<uint8_t> truncated(bytes.begin() + static_cast<std::ptrdiff_t>(cut), bytes.end());
    auto r = read_trailing_zip(truncated.data(), truncated.size(), "z");
    if (r.is_ok()) continue;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel);
  }
  EXPECT_TRUE(read_trailing_zip(prefix.data(), prefix.size(), "z")->empty());
}

// Coral's MobileNet classifiers carry metadata written by tflite-support and their ImageNet
// labels packed after the model: the labels read are the same lines as the labels file beside it.
TEST(ModelMetadata, ReadsARealClassifiersMetadataAndLabels) {
  const std::string path = testing::shared_data_path("coral/mobilenet_v2_1.0_224_quant.tflite");
  const std::string labels_path = testing::shared_data_path("coral/imagenet_labels.txt");
  OUTPOST_SKIP_UNLESS_EXISTS(path);
  OUTPOST_SKIP_UNLESS_EXISTS(labels_path);
  auto file = MappedFile::open(path);
  ASSERT_TRUE(file.is_ok());
  const ModelMetadata m = read_model_metadata((*file)->data(), (*file)->size(), path);
  EXPECT_TRUE(m.warnings.empty()) << m.warnings[0];
  EXPECT_EQ(m.name, "ImageClassifier");
  ASSERT_EQ(m.inputs.size(), 1u);
  EXPECT_EQ(m.inputs[0].mean, std::vector<float>{127.5f});
  EXPECT_EQ(m.inputs[0].std, std::vector<float>{127.5f});
  const MetadataFile* labels = m.output_labels(0);
  ASSERT_NE(labels, nullptr);
  EXPECT_EQ(labels->name, "imagenet_labels.txt");
  std::ifstream in(labels_path);
  std::vector<std::string> expected;
  for (std::string line; std::getline(in, line);) expected.push_back(line);
  EXPECT_EQ(labels->lines, expected);
  EXPECT_EQ(labels->lines.size(), 1001u);
}

}  // namespace
}  // namespace outpost
