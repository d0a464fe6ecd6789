// The ONNX importer on models built in code: values, constants (raw, typed, external, Constant
// nodes), opset-dependent semantics, folding of shape subgraphs, and clear errors for
// unsupported ops and symbolic inputs. Hostile files are in onnx_corrupt_model_test.cc.
#include "formats/onnx/onnx_importer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "formats/onnx/onnx_model_builder.h"
#include "outpost/session.h"

namespace outpost {
namespace {

using namespace outpost::testing;  // NOLINT: the builder helpers

Result<std::unique_ptr<Session>> open_model(const onnx::ModelProto& m,
                                            const std::string& name = "built.onnx") {
  auto bytes = std::make_shared<std::vector<uint8_t>>(serialize(m));
  return Session::open_buffer(bytes->data(), bytes->size(), bytes, name);
}

std::vector<float> run_floats(Session& s, const std::vector<std::vector<float>>& inputs) {
  for (size_t i = 0; i < inputs.size(); ++i)
    std::memcpy(s.input(i).data(), inputs[i].data(), inputs[i].size() * 4);
  EXPECT_TRUE(s.run().is_ok());
  const Tensor& out = s.output(0);
  return std::vector<float>(out.data_as<float>(), out.data_as<float>() + out.num_elements());
}

TEST(OnnxImporter, AddsInputToRawAndTypedInitializers) {
  for (bool raw : {true, false}) {
    auto m = onnx_model();
    add_input(m, "x", {2, 2});
    add_float_initializer(m, "b", {2}, {10, 20}, raw);
    add_node(m, "Add", {"x", "b"}, {"y"});
    add_output(m, "y");
    auto s = open_model(m);
    ASSERT_TRUE(s.is_ok()) << s.status().message();
    EXPECT_EQ((*s)->stats().format, "onnx");
    EXPECT_EQ(run_floats(**s, {{1, 2, 3, 4}}), (std::vector<float>{11, 22, 13, 24}));
  }
}

TEST(OnnxImporter, CountsMultiplyAccumulatesOfConvAndGemm) {
  auto m = onnx_model();
  add_input(m, "x", {1, 2, 5, 5});
  add_float_initializer(m, "w", {4, 2, 3, 3}, std::vector<float>(72, 0.5f));
  add_node(m, "Conv", {"x", "w"}, {"y"});  // [1, 4, 3, 3]: 36 outputs x 18 taps
  add_node(m, "Flatten", {"y"}, {"f"});    // [1, 36]
  add_float_initializer(m, "b", {36, 10}, std::vector<float>(360, 0.1f));
  add_node(m, "Gemm", {"f", "b"}, {"z"});  // [1, 10]: 10 outputs x 36
  add_output(m, "z");
  auto s = open_model(m);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ((*s)->stats().macs, 36 * 18 + 10 * 36);
}

TEST(OnnxImporter, RawInitializerIsUsedInPlaceAndKeepsTheModelAlive) {
  auto m = onnx_model();
  add_input(m, "x", {2});
  add_float_initializer(m, "w", {2}, {3, 4});
  add_node(m, "Mul", {"x", "w"}, {"y"});
  add_output(m, "y");
  const auto bytes = serialize(m);
  auto graph = import_onnx(bytes.data(), bytes.size(), "m.onnx");
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  const Value* w = nullptr;
  for (const Value& v : graph->values)
    if (v.name == "w") w = &v;
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->is_constant());
  // The bytes live in the parsed ModelProto, which the constant keeps alive (no own copy).
  EXPECT_NE(w->constant.keep_alive.get(), static_cast<const void*>(w->constant.bytes));
  EXPECT_EQ(w->constant_as<float>()[1], 4.0f);
}

TEST(OnnxImporter, FoldsShapeSubgraphsAtLoad) {
  // Reshape x [2, 3, 4] to [shape(x)[0], -1] as exporters write it: Shape -> Gather -> Concat.
  auto m = onnx_model();
  add_input(m, "x", {2, 3, 4});
  add_int64_initializer(m, "zero", {}, {0});
  add_int64_initializer(m, "minus_one", {1}, {-1});
  add_node(m, "Shape", {"x"}, {"s"});
  set_int_attr(add_node(m, "Gather", {"s", "zero"}, {"n"}), "axis", 0);
  set_ints_attr(add_node(m, "Unsqueeze", {"n"}, {"n1"}), "axes", {0});
  m.mutable_opset_import(0)->set_version(11);  // Unsqueeze with the axes attribute
  set_int_attr(add_node(m, "Concat", {"n1", "minus_one"}, {"shape"}), "axis", 0);
  add_node(m, "Reshape", {"x", "shape"}, {"y"});
  add_output(m, "y");
  auto s = open_model(m);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ((*s)->output(0).shape(), (Shape{2, 12}));
  EXPECT_EQ((*s)->stats().nodes_executed, 1);  // only the Reshape runs
}

TEST(OnnxImporter, ConstantNodesBecomeConstants) {
  auto m = onnx_model();
  add_input(m, "x", {3});
  auto* c = add_node(m, "Constant", {}, {"k"});
  auto* a = c->add_attribute();
  a->set_name("value_float");
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(2.5f);
  add_node(m, "Mul", {"x", "k"}, {"y"});
  add_output(m, "y");
  auto s = open_model(m);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ(run_floats(**s, {{1, 2, 4}}), (std::vector<float>{2.5f, 5, 10}));
}

TEST(OnnxImporter, SoftmaxAxisFollowsTheOpset) {
  // On [1, 2, 2] with axis 1: opset 11 normalizes over the flattened [2, 2] block, opset 13
  // over axis 1 only.
  const std::vector<float> x = {0, 0, 0, 0};
  for (int64_t opset : {11, 13}) {
    auto m = onnx_model(opset);
    add_input(m, "x", {1, 2, 2});
    set_int_attr(add_node(m, "Softmax", {"x"}, {"y"}), "axis", 1);
    add_output(m, "y");
    auto s = open_model(m);
    ASSERT_TRUE(s.is_ok()) << s.status().message();
    const float want = opset == 11 ? 0.25f : 0.5f;
    for (float v : run_floats(**s, {x})) EXPECT_FLOAT_EQ(v, want) << "opset " << opset;
  }
}

TEST(OnnxImporter, RecurrentLayoutFollowsTheOpsetAndActivationsAreRead) {
  // An RNN over x [2, 1, 1] = {1, 2} with w = r = 1, Relu, Y left unnamed: before opset 14
  // `layout` does not exist, so x is [seq 2, batch 1] and y_h = relu(2 + relu(1)) = 3; from
  // opset 14 layout 1 makes it [batch 2, seq 1] and y_h = {1, 2}.
  for (int64_t opset : {13, 14}) {
    auto m = onnx_model(opset);
    add_input(m, "x", {2, 1, 1});
    add_float_initializer(m, "w", {1, 1, 1}, {1});
    add_float_initializer(m, "r", {1, 1, 1}, {1});
    auto* rnn = add_node(m, "RNN", {"x", "w", "r"}, {"", "y_h"});
    set_int_attr(rnn, "hidden_size", 1);
    set_int_attr(rnn, "layout", 1);
    set_strings_attr(rnn, "activations", {"Relu"});
    add_output(m, "y_h");
    auto s = open_model(m);
    ASSERT_TRUE(s.is_ok()) << s.status().message();
    const std::vector<float> want = opset == 13 ? std::vector<float>{3} : std::vector<float>{1, 2};
    EXPECT_EQ(run_floats(**s, {{1, 2}}), want) << "opset " << opset;
  }
}

TEST(OnnxImporter, InitializerListedAsInputIsAConstant) {
  auto m = onnx_model();
  add_input(m, "x", {2});
  add_input(m, "w", {2});  // ir_version < 4 style: initializers are also graph inputs
  add_float_initializer(m, "w", {2}, {1, 1});
  add_node(m, "Sub", {"x", "w"}, {"y"});
  add_output(m, "y");
  auto s = open_model(m);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ((*s)->num_inputs(), 1u);
  EXPECT_EQ(run_floats(**s, {{5, 6}}), (std::vector<float>{4, 5}));
}

TEST(OnnxImporter, ReadsExternalDataNextToTheModel) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("outpost_onnx_ext_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const float weights[3] = {7, 8, 9};
  {
    std::ofstream f(dir / "weights.bin", std::ios::binary);
    const char pad[4] = {0, 0, 0, 0};
    f.write(pad, 4);  // data at offset 4
    f.write(reinterpret_cast<const char*>(weights), sizeof weights);
  }
  auto m = onnx_model();
  add_input(m, "x", {3});
  auto* t = m.mutable_graph()->add_initializer();
  t->set_name("w");
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(3);
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto kv = [&](const char* k, const std::string& v) {
    auto* e = t->add_external_data();
    e->set_key(k);
    e->set_value(v);
  };
  kv("location", "weights.bin");
  kv("offset", "4");
  kv("length", "12");
  add_node(m, "Add", {"x", "w"}, {"y"});
  add_output(m, "y");
  const std::string path = (dir / "model.onnx").string();
  {
    std::ofstream f(path, std::ios::binary);
    m.SerializeToOstream(&f);
  }
  auto s = Session::open(path);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ(run_floats(**s, {{1, 1, 1}}), (std::vector<float>{8, 9, 10}));

  // A location that leaves the model's directory is refused.
  t->mutable_external_data(0)->set_value("../weights.bin");
  {
    std::ofstream f(path, std::ios::binary);
    m.SerializeToOstream(&f);
  }
  auto escaped = Session::open(path);
  ASSERT_FALSE(escaped.is_ok());
  EXPECT_EQ(escaped.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(escaped.status().message().find("leaves the model's directory"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(OnnxImporter, UnsupportedOpNamesOpDomainOpsetAndNode) {
  auto m = onnx_model(15);
  add_input(m, "x", {2});
  add_node(m, "Bernoulli", {"x"}, {"y"}, "random_1");
  add_output(m, "y");
  auto s = open_model(m);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported);
  const std::string& msg = s.status().message();
  for (const char* part : {"Bernoulli", "ai.onnx", "opset 15", "random_1"})
    EXPECT_NE(msg.find(part), std::string::npos) << part << " missing in: " << msg;
}

// A user who meets one unsupported op wants the whole list at once: op, count, the first node.
TEST(OnnxImporter, EveryUnsupportedOpIsNamedAtOnce) {
  auto m = onnx_model(15);
  add_input(m, "x", {2});
  add_node(m, "Bernoulli", {"x"}, {"a"}, "random_1");
  add_node(m, "Relu", {"a"}, {"b"}, "relu");
  add_node(m, "Bernoulli", {"b"}, {"c"}, "random_2");
  add_node(m, "StringNormalizer", {"c"}, {"y"}, "strings");
  add_output(m, "y");
  auto s = open_model(m);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported);
  const std::string& msg = s.status().message();
  for (const char* part : {"3 nodes of 2 kinds cannot run", "Bernoulli x2", "random_1",
                           "StringNormalizer x1", "strings"})
    EXPECT_NE(msg.find(part), std::string::npos) << part << " missing in: " << msg;
  EXPECT_EQ(msg.find("random_2"), std::string::npos) << "only the first node of each op: " << msg;
}

TEST(OnnxImporter, OtherDomainsAreUnsupported) {
  auto m = onnx_model();
  auto* o = m.add_opset_import();
  o->set_domain("com.microsoft");
  o->set_version(1);
  add_input(m, "x", {2});
  add_node(m, "FusedGemm", {"x"}, {"y"})->set_domain("com.microsoft");
  add_output(m, "y");
  auto s = open_model(m);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(s.status().message().find("com.microsoft"), std::string::npos);
}

TEST(OnnxImporter, ASymbolicInputDimensionIsBoundWhenItsShapeIsGiven) {
  auto m = onnx_model();
  add_input(m, "x", {1, 3});
  auto* dim = m.mutable_graph()
                  ->mutable_input(0)
                  ->mutable_type()
                  ->mutable_tensor_type()
                  ->mutable_shape()
                  ->mutable_dim(0);
  dim->set_dim_param("batch");
  add_node(m, "Relu", {"x"}, {"y"});
  add_output(m, "y");
  auto s = open_model(m);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  Session& session = **s;
  EXPECT_EQ(session.input_signature(0), (Shape{-1, 3}));
  const Status unknown = session.run();
  EXPECT_EQ(unknown.code(), StatusCode::kShapeMismatch);
  EXPECT_NE(unknown.message().find("dimension 0 ('batch') is not known"), std::string::npos)
      << unknown.message();
  ASSERT_TRUE(session.resize_input(0, Shape{2, 3}).is_ok());
  float* x = session.input(0).data_as<float>();
  for (int i = 0; i < 6; ++i) x[i] = static_cast<float>(i) - 3;
  ASSERT_TRUE(session.run().is_ok());
  ASSERT_EQ(session.output(0).shape(), (Shape{2, 3}));
  EXPECT_EQ(session.output(0).data_as<float>()[2], 0.0f);
  EXPECT_EQ(session.output(0).data_as<float>()[5], 2.0f);
}

TEST(OnnxImporter, AnInputDimensionOfValueMinusOneVaries) {
  // paddle2onnx's way to say "varies" (RapidOCR's ch_ppocr_mobile_v2.0_cls_infer.onnx).
  auto m = onnx_model();
  add_input(m, "x", {1, 3});
  m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()
      ->mutable_shape()->mutable_dim(0)->set_dim_value(-1);
  add_node(m, "Relu", {"x"}, {"y"});
  add_output(m, "y");
  auto s = open_model(m);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  Session& session = **s;
  EXPECT_EQ(session.input_signature(0), (Shape{-1, 3}));
  ASSERT_TRUE(session.resize_input(0, Shape{2, 3}).is_ok());
  float* x = session.input(0).data_as<float>();
  for (int i = 0; i < 6; ++i) x[i] = static_cast<float>(i) - 3;
  ASSERT_TRUE(session.run().is_ok());
  ASSERT_EQ(session.output(0).shape(), (Shape{2, 3}));
  EXPECT_EQ(session.output(0).data_as<float>()[5], 2.0f);

  // Any other negative value is no dimension at all.
  m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()
      ->mutable_shape()->mutable_dim(0)->set_dim_value(-2);
  auto bad = open_model(m);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(bad.status().message().find("negative dimension -2"), std::string::npos)
      << bad.status().message();
}

TEST(OnnxImporter, OpsetOutsideTheSupportedRangeIsUnsupported) {
  for (int64_t opset : {5, 22}) {
    auto m = onnx_model(opset);
    add_input(m, "x", {2});
    add_node(m, "Relu", {"x"}, {"y"});
    add_output(m, "y");
    auto s = open_model(m);
    ASSERT_FALSE(s.is_ok());
    EXPECT_EQ(s.status().code(), StatusCode::kUnsupported);
    EXPECT_NE(s.status().message().find("opset " + std::to_string(opset)), std::string::npos);
  }
}

}  // namespace
}  // namespace outpost
