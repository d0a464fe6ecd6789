// A bundle carries everything its model needs: an ONNX model that refers to external data
// files is refused by pack, and a bundle's model never reads a file (docs/security.md).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "bundle/pack.h"
#include "bundle_test_util.h"
#include "formats/onnx/onnx_model_builder.h"
#include "outpost/session.h"
#include "support/test_paths.h"

namespace outpost::bundle {
namespace {

using namespace outpost::testing;  // NOLINT: the ONNX builder helpers

// y = x + w, with w (3 floats) in the external file `weights.bin`.
std::vector<uint8_t> model_with_external_weights() {
  auto m = onnx_model();
  add_input(m, "x", {3});
  auto* t = m.mutable_graph()->add_initializer();
  t->set_name("w");
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(3);
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* e = t->add_external_data();
  e->set_key("location");
  e->set_value("weights.bin");
  add_node(m, "Add", {"x", "w"}, {"y"});
  add_output(m, "y");
  return serialize(m);
}

class OnnxExternalData : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("outpost-external-data");
    const float weights[3] = {7, 8, 9};
    std::ofstream(dir_ + "/weights.bin", std::ios::binary)
        .write(reinterpret_cast<const char*>(weights), sizeof weights);
    model_ = model_with_external_weights();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  std::vector<uint8_t> model_;
};

TEST_F(OnnxExternalData, WithoutFileAccessAnExternalReferenceIsAnInvalidModelNamingIt) {
  SessionOptions o;
  o.external_data_files = false;
  // weights.bin exists beside the name: it must still not be read.
  auto s = Session::open_buffer(model_.data(), model_.size(), nullptr, dir_ + "/m.onnx", o);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(s.status().message().find("weights.bin"), std::string::npos) << s.status().message();
  // The default still reads it, for a plain model file.
  EXPECT_TRUE(
      Session::open_buffer(model_.data(), model_.size(), nullptr, dir_ + "/m.onnx").is_ok());
}

TEST_F(OnnxExternalData, PackRefusesAModelWithExternalDataNamingTheLocation) {
  // The packer must not pick weights.bin up from wherever it runs.
  const std::string cwd = std::filesystem::current_path().string();
  ASSERT_EQ(::chdir(dir_.c_str()), 0);
  const KeyPair publisher = test::make_key(true, "acme");
  auto b = pack_bundle_to_memory(model_.data(), model_.size(), publisher, test::basic_options());
  ASSERT_EQ(::chdir(cwd.c_str()), 0);
  ASSERT_FALSE(b.is_ok());
  EXPECT_EQ(b.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(b.status().message().find("weights.bin"), std::string::npos) << b.status().message();
  EXPECT_NE(b.status().message().find("inline"), std::string::npos) << b.status().message();
}

}  // namespace
}  // namespace outpost::bundle
