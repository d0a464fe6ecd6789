// A .tflite model read into plain data and written back (what `outpost optimize` rewrites) is the
// same model: on real files (MediaPipe's float models with fp16 weights, coral's uint8 ones) the
// rewritten file computes byte for byte what the original does, and keeps its tensors, operators,
// buffers and metadata.
#include "formats/tflite/tflite_model_data.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>

#include "outpost/session.h"
#include "support/model_paths.h"
#include "support/tflite_builder.h"
#include "support/test_paths.h"

namespace outpost::tflite {
namespace {

std::string file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Every output of one run on a fixed input pattern, as bytes.
std::vector<std::string> outputs_of(const std::string& bytes, const std::string& name) {
  auto owned = std::make_shared<std::string>(bytes);
  SessionOptions o;
  o.threads = 1;
  auto s = Session::open_buffer(reinterpret_cast<const uint8_t*>(owned->data()), owned->size(), owned, name, o);
  EXPECT_TRUE(s.is_ok()) << s.status().message();
  if (!s.is_ok()) return {};
  for (size_t i = 0; i < (*s)->num_inputs(); ++i) {
    Tensor& t = (*s)->input(i);
    auto* p = static_cast<uint8_t*>(t.data());
    for (size_t k = 0; k < t.byte_size(); ++k) p[k] = static_cast<uint8_t>((k * 7 + 3) % 251);
    if (t.dtype() == DType::kFloat32)
      for (int64_t k = 0; k < t.num_elements(); ++k) t.data_as<float>()[k] = std::sin(0.01f * static_cast<float>(k));
  }
  EXPECT_TRUE((*s)->run().is_ok());
  std::vector<std::string> out;
  for (size_t i = 0; i < (*s)->num_outputs(); ++i) {
    const Tensor& t = (*s)->output(i);
    out.emplace_back(static_cast<const char*>(t.data()), t.byte_size());
  }
  return out;
}

TEST(TfliteModelData, RealModelsRoundTripToTheSameComputation) {
  const std::vector<std::string> models = {
      testing::model_path("face_detection_short_range.tflite"), testing::model_path("selfie_segmentation.tflite"),
      testing::model_path("mobilenet_v2_1.0_224_quant.tflite")};
  int tried = 0;
  for (const auto& path : models) {
    if (!testing::path_exists(path)) continue;
    ++tried;
    const std::string original = file_bytes(path);
    auto data = read_model_data(reinterpret_cast<const uint8_t*>(original.data()), original.size(), path);
    ASSERT_TRUE(data.is_ok()) << data.status().message();
    auto written = write_model_data(*data);
    ASSERT_TRUE(written.is_ok()) << written.status().message();
    auto again = read_model_data(reinterpret_cast<const uint8_t*>(written->data()), written->size(), "written");
    ASSERT_TRUE(again.is_ok()) << again.status().message();
    EXPECT_EQ(again->subgraphs[0].tensors.size(), data->subgraphs[0].tensors.size()) << path;
    EXPECT_EQ(again->subgraphs[0].operators.size(), data->subgraphs[0].operators.size()) << path;
    EXPECT_EQ(again->buffers, data->buffers) << path;
    EXPECT_EQ(again->metadata, data->metadata) << path;
    EXPECT_EQ(outputs_of(*written, "written.tflite"), outputs_of(original, path)) << path;
  }
  if (tried == 0) GTEST_SKIP() << "no model found (run scripts/fetch-data; coral's are in ../shared/data)";
}

// An operator naming a tensor the subgraph does not have is refused when read, so that no rewrite
// indexes past the tensors.
TEST(TfliteModelData, ATensorIndexOutOfRangeIsInvalid) {
  testing::TfModelSpec spec;
  spec.tensors = {{{1, 4}, 0, 0, "x"}, {{1, 4}, 0, 0, "y"}};
  spec.operators = {{19 /* RELU */, "", {7}, {1}}};
  spec.inputs = {0};
  spec.outputs = {1};
  const auto bytes = testing::build_tflite(spec);
  auto data = read_model_data(bytes.data(), bytes.size(), "bad.tflite");
  ASSERT_FALSE(data.is_ok());
  EXPECT_EQ(data.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(data.status().message().find("input tensor 7"), std::string::npos) << data.status().message();
}

TEST(TfliteModelData, AFileThatIsNotAModelIsInvalid) {
  const std::string junk(64, 'x');
  auto data = read_model_data(reinterpret_cast<const uint8_t*>(junk.data()), junk.size(), "junk.tflite");
  ASSERT_FALSE(data.is_ok());
  EXPECT_EQ(data.status().code(), StatusCode::kInvalidModel);
}

}  // namespace
}  // namespace outpost::tflite
