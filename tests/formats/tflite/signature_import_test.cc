// TFLite SignatureDefs: the session runs the signature asked for (the first by default), on its
// own subgraph, its inputs and outputs named as the signature names them; TFLite's own
// interpreter reads the same signatures from the same file.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "formats/tflite/tflite_importer.h"
#include "outpost/session.h"
#include "support/test_paths.h"
#include "support/tflite_builder.h"
#include "support/tflite_signature_model.h"

namespace outpost {
namespace {

using testing::add_model_spec;
using testing::build_tflite;
using testing::TfModelSpec;
using testing::two_signature_spec;

Result<std::unique_ptr<Session>> open_bytes(const std::vector<uint8_t>& bytes, const std::string& signature = "") {
  auto owned = std::make_shared<std::vector<uint8_t>>(bytes);
  SessionOptions options;
  options.signature = signature;
  return Session::open_buffer(owned->data(), owned->size(), owned, "signatures.tflite", options);
}

std::vector<float> run_double(Session& session, const std::vector<float>& x) {
  std::memcpy(session.input(0).data(), x.data(), x.size() * sizeof(float));
  EXPECT_TRUE(session.run().is_ok());
  const float* out = session.output(0).data_as<float>();
  return std::vector<float>(out, out + x.size());
}

TEST(TfliteSignatures, TheFirstRunsByDefaultNamedAsTheSignatureNamesIt) {
  auto session = open_bytes(build_tflite(two_signature_spec(false)));
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  Session& s = **session;
  EXPECT_EQ(s.stats().signature, "add");
  ASSERT_EQ(s.num_inputs(), 2u);
  EXPECT_EQ(s.input(0).name, "lhs");
  EXPECT_EQ(s.input(1).name, "rhs");
  EXPECT_EQ(s.output(0).name, "total");
  EXPECT_EQ(s.input_index("rhs"), 1);
  ASSERT_EQ(s.stats().signatures.size(), 2u);
  EXPECT_EQ(s.stats().signatures[1].key, "double");
  EXPECT_EQ(s.stats().signatures[1].inputs, std::vector<std::string>{"x"});
  EXPECT_EQ(s.stats().signatures[1].outputs, std::vector<std::string>{"twice"});
  const float a[4] = {1, 2, 3, 4}, b[4] = {10, 20, 30, 40};
  std::memcpy(s.input(0).data(), a, sizeof a);
  std::memcpy(s.input(1).data(), b, sizeof b);
  ASSERT_TRUE(s.run().is_ok());
  EXPECT_EQ(s.output(0).data_as<float>()[3], 44.0f);
}

TEST(TfliteSignatures, AnotherSignatureRunsItsOwnSubgraph) {
  auto session = open_bytes(build_tflite(two_signature_spec(false)), "double");
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  Session& s = **session;
  EXPECT_EQ(s.stats().signature, "double");
  ASSERT_EQ(s.num_inputs(), 1u);
  EXPECT_EQ(s.input(0).name, "x");
  EXPECT_EQ(s.output(0).name, "twice");
  EXPECT_EQ(run_double(s, {1, -2, 3.5f, 0}), (std::vector<float>{2, -4, 7, 0}));
}

TEST(TfliteSignatures, TheFirstInTheFileIsTheDefaultWhateverItsSubgraph) {
  auto session = open_bytes(build_tflite(two_signature_spec(true)));
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  EXPECT_EQ((*session)->stats().signature, "double");
  EXPECT_EQ((*session)->input(0).name, "x");
}

TEST(TfliteSignatures, InputShapesAreGivenByTheSignaturesNames) {
  TfModelSpec spec = two_signature_spec(false);
  spec.more_subgraphs[0].tensors[0].shape_signature = {-1, 4};
  auto owned = std::make_shared<std::vector<uint8_t>>(build_tflite(spec));
  SessionOptions options;
  options.signature = "double";
  options.input_shapes["x"] = Shape({3, 4});
  auto session = Session::open_buffer(owned->data(), owned->size(), owned, "signatures.tflite", options);
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  EXPECT_EQ((*session)->input(0).shape(), Shape({3, 4}));
}

TEST(TfliteSignatures, AnUnknownKeyIsAUsageErrorListingTheKeys) {
  auto session = open_bytes(build_tflite(two_signature_spec(false)), "encode");
  ASSERT_FALSE(session.is_ok());
  EXPECT_EQ(session.status().code(), StatusCode::kUsage);
  EXPECT_NE(session.status().message().find("no signature 'encode' (its signatures: 'add', 'double')"),
            std::string::npos)
      << session.status().message();
  auto none = open_bytes(build_tflite(add_model_spec()), "add");
  ASSERT_FALSE(none.is_ok());
  EXPECT_EQ(none.status().code(), StatusCode::kUsage);
  EXPECT_NE(none.status().message().find("has no signatures"), std::string::npos) << none.status().message();
}

TEST(TfliteSignatures, AModelWithoutSignaturesKeepsItsTensorNames) {
  auto session = open_bytes(build_tflite(add_model_spec()));
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  EXPECT_TRUE((*session)->stats().signatures.empty());
  EXPECT_EQ((*session)->stats().signature, "");
  EXPECT_EQ((*session)->input(0).name, "a");
}

void expect_invalid(const TfModelSpec& spec, const std::string& fragment) {
  auto session = open_bytes(build_tflite(spec));
  ASSERT_FALSE(session.is_ok());
  EXPECT_EQ(session.status().code(), StatusCode::kInvalidModel) << session.status().message();
  EXPECT_NE(session.status().message().find(fragment), std::string::npos) << session.status().message();
}

TEST(TfliteSignatures, ABrokenSignatureIsAnInvalidModelNamingIt) {
  TfModelSpec spec = two_signature_spec(false);
  spec.signatures[1].subgraph = 7;
  expect_invalid(spec, "signature 1 ('double'): subgraph_index 7, but the model has 2 subgraphs");
  spec = two_signature_spec(false);
  spec.signatures[0].outputs[0].second = 99;
  expect_invalid(spec, "signature 0 ('add'): output 'total' refers to tensor 99, but its subgraph has 3 tensors");
  spec = two_signature_spec(false);
  spec.signatures[0].inputs[1].second = 2;  // the sum, not an input
  expect_invalid(spec, "signature 'add': its input 'rhs' is tensor 2 ('PartitionedCall:0'), which is not an input");
  spec = two_signature_spec(false);
  spec.signatures[1].key = "add";
  expect_invalid(spec, "another signature has the same key");
}

// TFLite's interpreter, given the same file, lists the same signatures and computes the same
// answer through its signature runner.
TEST(TfliteSignatures, TfliteReadsTheSameSignatures) {
  const std::string python = std::string(OUTPOST_SOURCE_DIR) + "/.cache/venv/bin/python3";
  OUTPOST_SKIP_UNLESS_EXISTS(python);  // scripts/setup makes it
  const std::string dir = testing::make_temp_dir("signatures");
  const std::string path = dir + "/two.tflite";
  const std::vector<uint8_t> bytes = build_tflite(two_signature_spec(false));
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
  const std::string script =
      "import json, sys, numpy as np\n"
      "from ai_edge_litert.interpreter import Interpreter\n"
      "it = Interpreter(model_path=sys.argv[1])\n"
      "out = it.get_signature_runner('double')(x=np.array([[1, -2, 3.5, 0]], np.float32))\n"
      "print(json.dumps({'list': it.get_signature_list(), 'twice': out['twice'].tolist()}))\n";
  std::ofstream(dir + "/signatures.py") << script;
  FILE* pipe = popen((python + " " + dir + "/signatures.py " + path + " 2>&1").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string text;
  char chunk[4096];
  while (size_t n = std::fread(chunk, 1, sizeof chunk, pipe)) text.append(chunk, n);
  ASSERT_EQ(pclose(pipe), 0) << text;
  const auto tflite = nlohmann::json::parse(text.substr(text.find('{')));

  auto session = open_bytes(bytes, "double");
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  ASSERT_EQ(tflite["list"].size(), (*session)->stats().signatures.size()) << text;
  for (const ModelSignature& s : (*session)->stats().signatures) {
    EXPECT_EQ(tflite["list"][s.key]["inputs"].get<std::vector<std::string>>(), s.inputs) << s.key;
    EXPECT_EQ(tflite["list"][s.key]["outputs"].get<std::vector<std::string>>(), s.outputs) << s.key;
  }
  EXPECT_EQ(tflite["twice"][0].get<std::vector<float>>(), run_double(**session, {1, -2, 3.5f, 0}));
}

}  // namespace
}  // namespace outpost
