// `outpost inspect` on a model that cannot run here still shows it: inputs and outputs with
// symbolic dimensions by name, every op counted, the missing ones marked; the exit code (5)
// and stderr still say it cannot run, and --json carries both in one document.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "formats/onnx/onnx_model_builder.h"
#include "support/cli_runner.h"
#include "support/test_paths.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::run_outpost;

class InspectUnrunnable : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("outpost-inspect-unrunnable-test"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::vector<uint8_t>& bytes) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  // x [batch, 3, 8, 8] -> Relu -> LpPool -> Relu -> LpPool -> com.example.FusedThing.
  std::string onnx_with_missing_ops() {
    auto m = testing::onnx_model(13);
    testing::add_input(m, "x", {1, 3, 8, 8});
    m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()
        ->mutable_dim(0)->set_dim_param("batch");
    testing::add_node(m, "Relu", {"x"}, {"r"});
    testing::add_node(m, "LpPool", {"r"}, {"p"});
    testing::add_node(m, "Relu", {"p"}, {"r2"});
    testing::add_node(m, "LpPool", {"r2"}, {"p2"});
    testing::add_node(m, "FusedThing", {"p2"}, {"y"})->set_domain("com.example");
    testing::add_output(m, "y");
    return write("missing.onnx", testing::serialize(m));
  }

  std::string dir_;
};

TEST_F(InspectUnrunnable, ShowsTheModelAndMarksWhatIsMissing) {
  auto r = run_outpost({"inspect", onnx_with_missing_ops()});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.out.find("cannot run here"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("x: float32 [batch, 3, 8, 8]  (dimensions set at run time)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ops (5 nodes)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("LpPool                           2  not supported"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("com.example.FusedThing           1  not supported"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Relu                             2\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 of 3 op types not supported"), std::string::npos) << r.out;
  // stderr: the importer's one report naming every missing op.
  EXPECT_NE(r.err.find("outpost: error:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("LpPool x2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("FusedThing"), std::string::npos) << r.err;
}

TEST_F(InspectUnrunnable, JsonIsOneDocumentWithTheOutlineAndTheError) {
  auto r = run_outpost({"inspect", onnx_with_missing_ops(), "--json"});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  ASSERT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;  // one line, one document
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["runnable"], false);
  EXPECT_EQ(j["format"], "onnx");
  EXPECT_EQ(j["inputs"][0]["shape"], (nlohmann::json{"batch", "3", "8", "8"}));
  EXPECT_EQ(j["inputs"][0]["symbolic"], true);
  ASSERT_EQ(j["ops"].size(), 3u);
  EXPECT_EQ(j["ops"][1]["op"], "LpPool");
  EXPECT_EQ(j["ops"][1]["count"], 2);
  EXPECT_EQ(j["ops"][1]["first_node"], 1);
  EXPECT_EQ(j["ops"][1]["supported"], false);
  EXPECT_EQ(j["ops"][0]["supported"], true);
  EXPECT_EQ(j["error"]["exit_code"], 5);
  EXPECT_EQ(j["error"]["category"], "unsupported");
}

TEST_F(InspectUnrunnable, ASymbolicInputIsShownUntilItsShapeIsGiven) {
  auto m = testing::onnx_model(13);
  testing::add_input(m, "x", {1, 4});
  m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()
      ->mutable_dim(0)->set_dim_param("N");
  testing::add_node(m, "Relu", {"x"}, {"y"});
  testing::add_output(m, "y");
  const std::string model = write("dynamic.onnx", testing::serialize(m));
  auto r = run_outpost({"inspect", model});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("x: float32 [N, 4]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("runs once its input shapes are given"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("every op type is supported"), std::string::npos) << r.out;
  auto planned = run_outpost({"inspect", model, "--input-shape", "N=1", "--input-shape", "x=2x4"});
  EXPECT_EQ(planned.exit_code, 2) << planned.err;  // N names a dimension, not an input
  planned = run_outpost({"inspect", model, "--input-shape", "x=2x4"});
  EXPECT_EQ(planned.exit_code, 0) << planned.err;
  EXPECT_NE(planned.out.find("arena:"), std::string::npos) << planned.out;
}

TEST_F(InspectUnrunnable, ATfliteModelWithAMissingBuiltin) {
  testing::TfModelSpec spec = testing::add_model_spec();
  spec.tensors.push_back({{1}, 4, 0, "index"});
  spec.operators.push_back({131, "", {2, 2}, {3}});  // RFFT2D
  spec.outputs = {3};
  auto r = run_outpost({"inspect", write("rfft2d.tflite", testing::build_tflite(spec))});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.out.find("(tflite, schema 3): cannot run here"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("RFFT2D                           1  not supported"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ADD                              1\n"), std::string::npos) << r.out;
}

TEST_F(InspectUnrunnable, ACorruptModelIsStillAnErrorWithoutAnOutline) {
  auto bytes = testing::build_tflite(testing::add_model_spec());
  bytes.resize(bytes.size() / 2);
  auto r = run_outpost({"inspect", write("half.tflite", bytes)});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace outpost
