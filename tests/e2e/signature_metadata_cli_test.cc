// The CLI with a model's signatures and metadata: `inspect` lists both (text and --json),
// `--signature KEY` picks what `run` runs (an unknown key: exit 2 naming the keys), and
// `classify` takes its labels and normalization from the metadata unless flags give them,
// saying which it used.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/npy.h"
#include "support/cli_runner.h"
#include "support/test_paths.h"
#include "support/tflite_builder.h"
#include "support/tflite_metadata_builder.h"
#include "support/tflite_signature_model.h"
#include "vision/image_io.h"

namespace outpost {
namespace {

using testing::run_outpost;
using testing::TfMetadataSpec;
using testing::TfModelSpec;

class SignatureMetadataCli : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("outpost-signature-metadata-test"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::vector<uint8_t>& bytes) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  // Subgraph 0: total = lhs + rhs; subgraph 1: twice = x + x, [1, 4].
  std::string two_signature_model() {
    return write("two.tflite", build_tflite(testing::two_signature_spec(false)));
  }

  // A "classifier" whose 12 scores are its [1, 2, 2, 3] float input flattened, so that the top
  // score shows the normalization applied; metadata gives mean 100, std 50 and 12 labels.
  std::string classifier_with_metadata() {
    TfModelSpec spec;
    spec.tensors = {{{1, 2, 2, 3}, 0, 0, "image"}, {{1, 12}, 0, 0, "scores"}};
    testing::TfOperatorSpec reshape;
    reshape.builtin_code = 22;  // RESHAPE
    reshape.inputs = {0};
    reshape.outputs = {1};
    spec.operators = {reshape};
    spec.inputs = {0};
    spec.outputs = {1};
    TfMetadataSpec m;
    m.name = "Flattener";
    m.version = "3";
    m.inputs = {{"image", {100}, {50}, {0}, {255}, {}}};
    m.outputs = {{"scores", {}, {}, {}, {}, {{"labels.txt", 2, ""}}}};
    spec.buffers = {testing::build_model_metadata(m)};
    spec.metadata = {{"TFLITE_METADATA", 1}};
    std::string labels;
    for (int i = 0; i < 12; ++i) labels += "class" + std::to_string(i) + "\n";
    return write("flattener.tflite", testing::append_zip(build_tflite(spec), {{"labels.txt", labels}}));
  }

  // 2x2 RGB: pixel (1, 0) is (250, 0, 100), every other channel 100.
  std::string image() {
    Image image = Image::blank(2, 2, 3);
    std::fill(image.pixels.begin(), image.pixels.end(), uint8_t{100});
    image.at(1, 0)[0] = 250;
    image.at(1, 0)[1] = 0;
    const std::string path = dir_ + "/tiny.png";
    EXPECT_TRUE(save_png(path, image).is_ok());
    return path;
  }

  std::string dir_;
};

TEST_F(SignatureMetadataCli, InspectListsTheSignatures) {
  const std::string model = two_signature_model();
  auto r = run_outpost({"inspect", model, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["signature"], "add");
  ASSERT_EQ(j["signatures"].size(), 2u);
  EXPECT_EQ(j["signatures"][1]["key"], "double");
  EXPECT_EQ(j["signatures"][1]["inputs"], nlohmann::json::array({"x"}));
  EXPECT_EQ(j["signatures"][1]["outputs"], nlohmann::json::array({"twice"}));
  EXPECT_EQ(j["signatures"][1]["running"], false);
  EXPECT_EQ(j["inputs"][0]["name"], "lhs");
  EXPECT_TRUE(j["metadata"].is_null());

  r = run_outpost({"inspect", model, "--signature", "double"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("  double (running): inputs x; outputs twice"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  add: inputs lhs, rhs; outputs total"), std::string::npos) << r.out;
}

TEST_F(SignatureMetadataCli, RunRunsTheSignatureAsked) {
  const std::string model = two_signature_model();
  const std::string in = dir_ + "/x.npy";
  auto x = Tensor::allocate(DType::kFloat32, Shape({1, 4}));
  ASSERT_TRUE(x.is_ok());
  const float values[4] = {1, 2, -3, 0.5f};
  std::memcpy(x->data(), values, sizeof values);
  ASSERT_TRUE(save_npy(in, *x).is_ok());
  auto r = run_outpost({"run", model, "--signature", "double", "--input", "x=" + in, "--output-dir", dir_ + "/out"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto twice = load_npy(dir_ + "/out/twice.npy");
  ASSERT_TRUE(twice.is_ok()) << twice.status().message();
  EXPECT_EQ(twice->data_as<float>()[2], -6.0f);

  r = run_outpost({"bench", model, "--signature", "nope", "--runs", "1"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("no signature 'nope' (its signatures: 'add', 'double')"), std::string::npos) << r.err;
}

TEST_F(SignatureMetadataCli, InspectShowsTheMetadata) {
  const std::string model = classifier_with_metadata();
  auto r = run_outpost({"inspect", model, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  const auto& m = j["metadata"];
  EXPECT_EQ(m["name"], "Flattener");
  EXPECT_EQ(m["version"], "3");
  EXPECT_EQ(m["inputs"][0]["normalization"]["mean"], nlohmann::json::array({100.0}));
  EXPECT_EQ(m["inputs"][0]["range"]["max"], nlohmann::json::array({255.0}));
  EXPECT_EQ(m["outputs"][0]["files"][0]["name"], "labels.txt");
  EXPECT_EQ(m["outputs"][0]["files"][0]["labels"], 12);
  EXPECT_EQ(m["packed_files"], nlohmann::json::array({"labels.txt"}));

  r = run_outpost({"inspect", model});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("metadata: Flattener, version 3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("input image: mean [100] std [50] min [0] max [255]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("file labels.txt (TENSOR_AXIS_LABELS, 12 labels)"), std::string::npos) << r.out;
}

TEST_F(SignatureMetadataCli, ClassifyUsesTheMetadatasLabelsAndNormalization) {
  const std::string model = classifier_with_metadata();
  const std::string picture = image();
  auto r = run_outpost({"classify", model, picture, "--top", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["labels_source"], "metadata (labels.txt)");
  EXPECT_EQ(j["normalization"]["source"], "metadata");
  // (250 - 100) / 50 at pixel 1's red channel: score index 3.
  const auto& top = j["results"][0]["top"][0];
  EXPECT_EQ(top["index"], 3);
  EXPECT_EQ(top["label"], "class3");
  EXPECT_NEAR(top["score"].get<double>(), 3.0, 1e-5);

  // Flags win over the metadata, and the output says so.
  const std::string labels = dir_ + "/mine.txt";
  std::ofstream(labels) << "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n";
  r = run_outpost({"classify", model, picture, "--top", "1", "--labels", labels, "--mean", "0", "--std", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("labels: --labels; normalization: --mean/--std (mean 0,0,0, std 1,1,1)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("d "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("250.0000"), std::string::npos) << r.out;
}

// A coral classifier without --labels: the labels packed in the model give TFLite's top-1.
TEST_F(SignatureMetadataCli, ClassifyReadsARealModelsPackedLabels) {
  const std::string model = testing::shared_data_path("coral/mobilenet_v2_1.0_224_quant.tflite");
  const std::string summary_path = testing::shared_data_path("reference/summary.json");
  OUTPOST_SKIP_UNLESS_EXISTS(model);
  OUTPOST_SKIP_UNLESS_EXISTS(summary_path);
  std::ifstream in(summary_path);
  const auto expected = nlohmann::json::parse(in).at("mnv2q_cat");
  auto r = run_outpost({"classify", model, testing::shared_data_path("coral/" + expected["image"].get<std::string>()),
                        "--top", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["labels_source"], "metadata (imagenet_labels.txt)");
  EXPECT_EQ(j["labels"], 1001);
  EXPECT_EQ(j["results"][0]["top"][0]["label"], expected["top5"][0]["label"]);
}

}  // namespace
}  // namespace outpost
