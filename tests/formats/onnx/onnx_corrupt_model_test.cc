// Hostile ONNX files end in clear errors, never crashes: truncation, garbage, wrong types, huge
// dims, cycles, undefined names, size mismatches. The sanitizer run picks suites named 'Corrupt'.
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "formats/onnx/onnx_model_builder.h"
#include "outpost/session.h"

namespace outpost {
namespace {

using namespace outpost::testing;  // NOLINT: the builder helpers

Status open_bytes(const std::vector<uint8_t>& bytes) {
  auto owned = std::make_shared<std::vector<uint8_t>>(bytes);
  auto s = Session::open_buffer(owned->data(), owned->size(), owned, "hostile.onnx");
  if (!s.is_ok()) return s.status();
  return (*s)->run();
}

Status open_model(const onnx::ModelProto& m) { return open_bytes(serialize(m)); }

void expect_error(const Status& s, StatusCode code, const std::string& part) {
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), code) << s.message();
  EXPECT_NE(s.message().find(part), std::string::npos)
      << "'" << part << "' missing in: " << s.message();
}

onnx::ModelProto small_model() {
  auto m = onnx_model();
  add_input(m, "x", {2, 3});
  add_float_initializer(m, "w", {3}, {1, 2, 3});
  add_node(m, "Mul", {"x", "w"}, {"t"});
  add_node(m, "Relu", {"t"}, {"y"});
  add_output(m, "y");
  return m;
}

TEST(OnnxImporterCorrupt, TruncatedFilesFailCleanly) {
  const auto bytes = serialize(small_model());
  ASSERT_TRUE(open_bytes(bytes).is_ok());
  for (size_t len = 0; len < bytes.size(); ++len) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(len));
    Status s = open_bytes(cut);
    // Some prefixes are themselves valid protobufs (of a model missing its tail): they must
    // still be refused with a model error, not crash.
    EXPECT_FALSE(s.is_ok()) << "a model truncated to " << len << " bytes loaded";
  }
}

TEST(OnnxImporterCorrupt, RandomByteFlipsNeverCrash) {
  const auto bytes = serialize(small_model());
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    auto b = bytes;
    for (int k = 0; k < 3; ++k) b[rng() % b.size()] = static_cast<uint8_t>(rng());
    (void)open_bytes(b);  // any status, as long as nothing crashes or reads out of bounds
  }
}

TEST(OnnxImporterCorrupt, GarbageIsNotAModel) {
  std::vector<uint8_t> junk(64, 0xff);
  junk[0] = 0x08;  // looks like ir_version, then nonsense
  expect_error(open_bytes(junk), StatusCode::kInvalidModel, "ONNX");
}

TEST(OnnxImporterCorrupt, UnknownElementTypeIsInvalid) {
  auto m = small_model();
  m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(999);
  expect_error(open_model(m), StatusCode::kInvalidModel, "unknown element type 999");
}

TEST(OnnxImporterCorrupt, HugeInputDimsAreRefused) {
  auto m = small_model();
  auto* shape =
      m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  shape->mutable_dim(0)->set_dim_value(int64_t{1} << 40);
  shape->mutable_dim(1)->set_dim_value(int64_t{1} << 40);
  expect_error(open_model(m), StatusCode::kInvalidModel, "absurdly large");
}

TEST(OnnxImporterCorrupt, HugeInitializerDimsAreRefused) {
  auto m = small_model();
  m.mutable_graph()->mutable_initializer(0)->set_dims(0, int64_t{1} << 50);
  expect_error(open_model(m), StatusCode::kInvalidModel, "initializer 0 ('w')");
}

TEST(OnnxImporterCorrupt, RawDataOfTheWrongSizeIsInvalid) {
  auto m = small_model();
  m.mutable_graph()->mutable_initializer(0)->set_raw_data(std::string(5, '\0'));
  expect_error(open_model(m), StatusCode::kInvalidModel, "raw_data holds 5 bytes");
}

TEST(OnnxImporterCorrupt, CyclicGraphIsInvalid) {
  auto m = onnx_model();
  add_input(m, "x", {2});
  add_node(m, "Add", {"x", "b"}, {"a"}, "first");
  add_node(m, "Relu", {"a"}, {"b"}, "second");
  add_output(m, "b");
  expect_error(open_model(m), StatusCode::kInvalidModel, "cycle");
}

TEST(OnnxImporterCorrupt, MissingInitializerIsNamed) {
  auto m = small_model();
  m.mutable_graph()->clear_initializer();
  expect_error(open_model(m), StatusCode::kInvalidModel,
               "reads 'w', which no node, initializer or graph input defines");
}

TEST(OnnxImporterCorrupt, UndefinedGraphOutputIsNamed) {
  auto m = small_model();
  m.mutable_graph()->mutable_output(0)->set_name("nowhere");
  expect_error(open_model(m), StatusCode::kInvalidModel, "graph output 'nowhere'");
}

TEST(OnnxImporterCorrupt, ValueDefinedTwiceIsInvalid) {
  auto m = small_model();
  add_node(m, "Relu", {"x"}, {"t"});
  expect_error(open_model(m), StatusCode::kInvalidModel, "'t' is already defined");
}

TEST(OnnxImporterCorrupt, WrongInputCountIsInvalid) {
  auto m = small_model();
  m.mutable_graph()->mutable_node(1)->add_input("x");  // Relu with two inputs
  expect_error(open_model(m), StatusCode::kInvalidModel, "has 2 inputs");
}

TEST(OnnxImporterCorrupt, ShapeOperandOfTheWrongTypeIsAnError) {
  auto m = onnx_model();
  add_input(m, "x", {2, 3});
  add_float_initializer(m, "shape", {2}, {3, 2});  // Reshape needs int64
  add_node(m, "Reshape", {"x", "shape"}, {"y"});
  add_output(m, "y");
  Status s = open_model(m);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), StatusCode::kShapeMismatch) << s.message();
  EXPECT_NE(s.message().find("Reshape"), std::string::npos) << s.message();
}

TEST(OnnxImporterCorrupt, ExternalDataOutsideTheFileIsInvalid) {
  auto m = small_model();
  auto* t = m.mutable_graph()->mutable_initializer(0);
  t->clear_raw_data();
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* e = t->add_external_data();
  e->set_key("location");
  e->set_value("/etc/passwd");
  expect_error(open_model(m), StatusCode::kInvalidModel, "must be a relative path");
}

TEST(OnnxImporterCorrupt, OutOfRangeGatherIndicesAtRunTimeStayInBounds) {
  auto m = onnx_model();
  add_input(m, "x", {4});
  add_input(m, "i", {3}, onnx::TensorProto::INT64);
  add_node(m, "Gather", {"x", "i"}, {"y"});
  add_output(m, "y");
  auto bytes = std::make_shared<std::vector<uint8_t>>(serialize(m));
  auto s = Session::open_buffer(bytes->data(), bytes->size(), bytes, "gather.onnx");
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  const int64_t idx[3] = {1, 1000000, -9};
  std::memcpy((*s)->input(1).data(), idx, sizeof idx);
  const float x[4] = {1, 2, 3, 4};
  std::memcpy((*s)->input(0).data(), x, sizeof x);
  ASSERT_TRUE((*s)->run().is_ok());
  const float* y = (*s)->output(0).data_as<float>();
  EXPECT_EQ(y[0], 2.0f);
  EXPECT_EQ(y[1], 0.0f);  // out of range reads as zero
  EXPECT_EQ(y[2], 0.0f);
}

// Found by fuzz_onnx: a declared OneHot output shape that is not the indices' shape plus a depth
// axis made the kernel read indices that do not exist. It is refused at load now.
TEST(OnnxImporterCorrupt, OneHotDeclaredShapeMustMatchTheIndices) {
  auto m = onnx_model(11);
  add_input(m, "indices", {3}, onnx::TensorProto::INT64);
  add_input(m, "depth", {1}, onnx::TensorProto::INT64);
  add_input(m, "values", {2});
  add_node(m, "OneHot", {"indices", "depth", "values"}, {"y"});
  add_io(m.mutable_graph()->add_output(), "y", onnx::TensorProto::FLOAT, {47, 12});
  expect_error(open_model(m), StatusCode::kShapeMismatch, "with a depth axis");
}

TEST(OnnxImporterCorrupt, OneHotValuesMustBeAPair) {
  auto m = onnx_model(11);
  add_input(m, "indices", {3}, onnx::TensorProto::INT64);
  add_input(m, "depth", {1}, onnx::TensorProto::INT64);
  add_input(m, "values", {0});
  add_node(m, "OneHot", {"indices", "depth", "values"}, {"y"});
  add_io(m.mutable_graph()->add_output(), "y", onnx::TensorProto::FLOAT, {3, 5});
  expect_error(open_model(m), StatusCode::kShapeMismatch, "values must hold");
}

TEST(OnnxImporterCorrupt, RangeOperandsMustBeScalarsEvenWithADeclaredShape) {
  auto m = onnx_model(11);
  add_input(m, "start", {0});
  add_input(m, "limit", {1});
  add_input(m, "delta", {1});
  add_node(m, "Range", {"start", "limit", "delta"}, {"y"});
  add_io(m.mutable_graph()->add_output(), "y", onnx::TensorProto::FLOAT, {5});
  expect_error(open_model(m), StatusCode::kShapeMismatch, "must be scalars");
}

// ONNX nn ops: shapes and attributes a kernel would index by are checked at load.
onnx::ModelProto conv_model(const std::vector<int64_t>& x, const std::vector<int64_t>& w,
                            int64_t group) {
  auto m = onnx_model(13);
  add_input(m, "x", x);
  int64_t count = 1;
  for (int64_t d : w) count *= d;
  add_float_initializer(m, "w", w, std::vector<float>(static_cast<size_t>(count), 1.0f));
  auto* n = add_node(m, "Conv", {"x", "w"}, {"y"});
  set_int_attr(n, "group", group);
  add_output(m, "y");
  return m;
}

TEST(OnnxImporterCorrupt, ConvWeightChannelsMustMatchTheInput) {
  expect_error(open_model(conv_model({1, 3, 8, 8}, {4, 2, 3, 3}, 1)), StatusCode::kShapeMismatch,
               "input channels");
  expect_error(open_model(conv_model({1, 3, 8, 8}, {4, 1, 3, 3}, 2)), StatusCode::kShapeMismatch,
               "group 2 must divide");
  expect_error(open_model(conv_model({1, 4, 8, 8}, {4, 4, 3}, 1)), StatusCode::kShapeMismatch,
               "rank");
}

TEST(OnnxImporterCorrupt, ConvHostileWindowAttributesAreRefused) {
  auto m = conv_model({1, 1, 8, 8}, {1, 1, 3, 3}, 1);
  set_ints_attr(m.mutable_graph()->mutable_node(0), "dilations", {int64_t{1} << 40, 1});
  expect_error(open_model(m), StatusCode::kShapeMismatch, "dilations");
  auto neg = conv_model({1, 1, 8, 8}, {1, 1, 3, 3}, 1);
  set_ints_attr(neg.mutable_graph()->mutable_node(0), "pads", {-5, 0, 0, 0});
  expect_error(open_model(neg), StatusCode::kShapeMismatch, "pads");
  auto big = conv_model({1, 1, 4, 4}, {1, 1, 9, 9}, 1);
  expect_error(open_model(big), StatusCode::kShapeMismatch, "larger than the padded input");
}

TEST(OnnxImporterCorrupt, PoolKernelLargerThanThePaddedInputIsRefused) {
  auto m = onnx_model(13);
  add_input(m, "x", {1, 1, 4, 4});
  auto* n = add_node(m, "MaxPool", {"x"}, {"y"});
  set_ints_attr(n, "kernel_shape", {3, 6});
  set_ints_attr(n, "pads", {0, 1, 0, 0});
  add_output(m, "y");
  expect_error(open_model(m), StatusCode::kShapeMismatch, "larger than the padded input");
}

TEST(OnnxImporterCorrupt, PoolWindowInsideThePaddingIsRefused) {
  auto m = onnx_model(13);
  add_input(m, "x", {1, 1, 4, 4});
  auto* n = add_node(m, "AveragePool", {"x"}, {"y"});
  set_ints_attr(n, "kernel_shape", {2, 2});
  set_ints_attr(n, "pads", {3, 0, 0, 0});
  add_output(m, "y");
  expect_error(open_model(m), StatusCode::kShapeMismatch, "entirely in the padding");
}

TEST(OnnxImporterCorrupt, GemmInnerDimensionsMustAgree) {
  auto m = onnx_model(13);
  add_input(m, "a", {2, 3});
  add_float_initializer(m, "b", {4, 5}, std::vector<float>(20, 1.0f));
  add_node(m, "Gemm", {"a", "b"}, {"y"});
  add_output(m, "y");
  expect_error(open_model(m), StatusCode::kShapeMismatch, "inner dimensions differ");
}

TEST(OnnxImporterCorrupt, ConvTransposeWeightsAndPadsAreChecked) {
  auto m = onnx_model(13);
  add_input(m, "x", {1, 2, 3, 3});
  add_float_initializer(m, "w", {3, 1, 2, 2}, std::vector<float>(12, 1.0f));
  add_node(m, "ConvTranspose", {"x", "w"}, {"y"});
  add_output(m, "y");
  expect_error(open_model(m), StatusCode::kShapeMismatch, "input channels");
  auto p = onnx_model(13);
  add_input(p, "x", {1, 1, 2, 2});
  add_float_initializer(p, "w", {1, 1, 2, 2}, std::vector<float>(4, 1.0f));
  auto* n = add_node(p, "ConvTranspose", {"x", "w"}, {"y"});
  set_ints_attr(n, "pads", {2, 0, 2, 0});
  add_output(p, "y");
  expect_error(open_model(p), StatusCode::kShapeMismatch, "leave no output");
}

TEST(OnnxImporterCorrupt, BatchNormalizationParametersMustBePerChannel) {
  auto m = onnx_model(13);
  add_input(m, "x", {1, 3, 2, 2});
  for (const char* name : {"s", "b", "mean"})
    add_float_initializer(m, name, {3}, std::vector<float>(3, 1.0f));
  add_float_initializer(m, "var", {2}, std::vector<float>(2, 1.0f));
  add_node(m, "BatchNormalization", {"x", "s", "b", "mean", "var"}, {"y"});
  add_output(m, "y");
  expect_error(open_model(m), StatusCode::kShapeMismatch, "must have shape [3]");
}

TEST(OnnxImporterCorrupt, ResizeWithAnUnclaimedModeIsUnsupportedNamingResize) {
  auto m = onnx_model(13);
  add_input(m, "x", {1, 1, 2, 2});
  add_float_initializer(m, "scales", {4}, {1, 1, 2, 2});
  auto* n = add_node(m, "Resize", {"x", "", "scales"}, {"y"});
  auto* a = n->add_attribute();
  a->set_name("mode");
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s("lanczos");
  add_output(m, "y");
  expect_error(open_model(m), StatusCode::kUnsupported, "op 'Resize'");
}

// fuzz_onnx crash e1e23612: a Concat input with an empty name (absent) reached shape inference.
TEST(OnnxImporterCorrupt, VariadicInputsMustAllBePresent) {
  auto m = onnx_model();
  add_input(m, "x", {2, 3});
  add_node(m, "Concat", {"x", "", "x"}, {"y"});
  set_int_attr(m.mutable_graph()->mutable_node(0), "axis", 0);
  add_output(m, "y");
  expect_error(open_model(m), StatusCode::kInvalidModel, "missing required input 1");
}

// fuzz_onnx crash 4b00f58d: an integer Range past INT32_MAX overflowed (undefined); it wraps
// like numpy's integer arange.
TEST(OnnxImporterCorrupt, IntegerRangeWrapsAtRunTime) {
  auto m = onnx_model(11);
  add_input(m, "start", {}, onnx::TensorProto::INT32);
  add_input(m, "limit", {}, onnx::TensorProto::INT32);
  add_input(m, "delta", {}, onnx::TensorProto::INT32);
  add_node(m, "Range", {"start", "limit", "delta"}, {"y"});
  add_io(m.mutable_graph()->add_output(), "y", onnx::TensorProto::INT32, {3});
  auto bytes = std::make_shared<std::vector<uint8_t>>(serialize(m));
  auto s = Session::open_buffer(bytes->data(), bytes->size(), bytes, "range.onnx");
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  (*s)->input(0).data_as<int32_t>()[0] = std::numeric_limits<int32_t>::max();
  (*s)->input(1).data_as<int32_t>()[0] = 0;
  (*s)->input(2).data_as<int32_t>()[0] = 1;
  ASSERT_TRUE((*s)->run().is_ok());
  const int32_t* y = (*s)->output(0).data_as<int32_t>();
  EXPECT_EQ(y[0], std::numeric_limits<int32_t>::max());
  EXPECT_EQ(y[1], std::numeric_limits<int32_t>::min());
  EXPECT_EQ(y[2], std::numeric_limits<int32_t>::min() + 1);
}

// fuzz_onnx crash 6b04e6cb: an int64 CumSum past INT64_MAX overflowed (undefined); it wraps
// like numpy's integer cumsum.
TEST(OnnxImporterCorrupt, IntegerCumSumWrapsAtRunTime) {
  auto m = onnx_model(14);
  add_input(m, "x", {3}, onnx::TensorProto::INT64);
  add_input(m, "axis", {}, onnx::TensorProto::INT64);
  add_node(m, "CumSum", {"x", "axis"}, {"y"});
  add_io(m.mutable_graph()->add_output(), "y", onnx::TensorProto::INT64, {3});
  auto bytes = std::make_shared<std::vector<uint8_t>>(serialize(m));
  auto s = Session::open_buffer(bytes->data(), bytes->size(), bytes, "cumsum.onnx");
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  int64_t* x = (*s)->input(0).data_as<int64_t>();
  x[0] = std::numeric_limits<int64_t>::max();
  x[1] = 1;
  x[2] = 1;
  (*s)->input(1).data_as<int64_t>()[0] = 0;
  ASSERT_TRUE((*s)->run().is_ok());
  const int64_t* y = (*s)->output(0).data_as<int64_t>();
  EXPECT_EQ(y[0], std::numeric_limits<int64_t>::max());
  EXPECT_EQ(y[1], std::numeric_limits<int64_t>::min());
  EXPECT_EQ(y[2], std::numeric_limits<int64_t>::min() + 1);
}

// Found reading the kernels after crash 6b04e6cb: Neg and Abs of the most negative integer
// overflowed (undefined); they wrap like numpy's.
TEST(OnnxImporterCorrupt, IntegerNegAndAbsOfTheMinimumWrap) {
  for (const char* op : {"Neg", "Abs"}) {
    auto m = onnx_model(13);
    add_input(m, "x", {2}, onnx::TensorProto::INT32);
    add_node(m, op, {"x"}, {"y"});
    add_io(m.mutable_graph()->add_output(), "y", onnx::TensorProto::INT32, {2});
    auto bytes = std::make_shared<std::vector<uint8_t>>(serialize(m));
    auto s = Session::open_buffer(bytes->data(), bytes->size(), bytes, "neg.onnx");
    ASSERT_TRUE(s.is_ok()) << s.status().message();
    int32_t* x = (*s)->input(0).data_as<int32_t>();
    x[0] = std::numeric_limits<int32_t>::min();
    x[1] = -5;
    ASSERT_TRUE((*s)->run().is_ok());
    const int32_t* y = (*s)->output(0).data_as<int32_t>();
    EXPECT_EQ(y[0], std::numeric_limits<int32_t>::min()) << op;
    EXPECT_EQ(y[1], 5) << op;
  }
}

// fuzz_onnx crash 4a199476: a float ConstantOfShape value of 1.9e34 was also cast to int64
// (undefined) for the integer case it does not use; it saturates there now.
TEST(OnnxImporterCorrupt, HugeFloatConstantOfShapeValue) {
  auto m = onnx_model(9);
  add_int64_initializer(m, "shape", {2}, {2, 3});
  auto* n = add_node(m, "ConstantOfShape", {"shape"}, {"y"});
  auto* a = n->add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  onnx::TensorProto* t = a->mutable_t();
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(1);
  t->add_float_data(1.9e34f);
  add_output(m, "y");
  auto bytes = std::make_shared<std::vector<uint8_t>>(serialize(m));
  auto s = Session::open_buffer(bytes->data(), bytes->size(), bytes, "cos.onnx");
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  ASSERT_TRUE((*s)->run().is_ok());
  EXPECT_FLOAT_EQ((*s)->output(0).data_as<float>()[5], 1.9e34f);
}

// fuzz_onnx timeout cbeda08d: a shape operand computed at load with millions of entries
// (ConstantOfShape of a mutated axis count) made Reshape's checks and messages take a minute.
TEST(OnnxImporterCorrupt, ShapeOperandsOfHugeRankAreRefused) {
  for (const char* op : {"Reshape", "Expand"}) {
    auto m = onnx_model(13);
    add_input(m, "x", {1});
    add_int64_initializer(m, "shape", {65}, std::vector<int64_t>(65, 1));
    add_node(m, op, {"x", "shape"}, {"y"});
    add_output(m, "y");
    expect_error(open_model(m), StatusCode::kShapeMismatch, "rank 65; at most 64");
  }
  auto m = onnx_model(13);
  add_int64_initializer(m, "shape", {65}, std::vector<int64_t>(65, 1));
  add_node(m, "ConstantOfShape", {"shape"}, {"y"});
  add_output(m, "y");
  expect_error(open_model(m), StatusCode::kShapeMismatch, "rank 65; at most 64");
}

// fuzz_onnx crash 36756bfa (CI): a float Softmax whose graph output is declared int16 was
// planned as int16 and written as float32, past the end of its buffer. Ops that keep their
// input's dtype refuse a model that declares another.
TEST(OnnxImporterCorrupt, DeclaredOutputDtypeAnOpCannotGiveIsRefused) {
  struct Case {
    const char* op;
    std::vector<int64_t> dims;
  };
  for (const Case& c : std::vector<Case>{{"Softmax", {2, 4}},
                                         {"LogSoftmax", {2, 4}},
                                         {"Hardmax", {2, 4}},
                                         {"Reshape", {2, 4}},
                                         {"Pad", {2, 4}},
                                         {"DepthToSpace", {1, 4, 2, 2}}}) {
    SCOPED_TRACE(c.op);
    auto m = onnx_model(13);
    add_input(m, "x", c.dims);
    std::vector<std::string> inputs{"x"};
    if (std::string(c.op) == "Reshape") {
      add_int64_initializer(m, "shape", {1}, {8});
      inputs.push_back("shape");
    } else if (std::string(c.op) == "Pad") {
      add_int64_initializer(m, "pads", {4}, {0, 1, 0, 1});
      inputs.push_back("pads");
    }
    auto* n = add_node(m, c.op, inputs, {"y"});
    if (std::string(c.op) == "DepthToSpace") set_int_attr(n, "blocksize", 2);
    add_output(m, "y", onnx::TensorProto::INT16);
    expect_error(open_model(m), StatusCode::kInvalidModel,
                 "declares output 'y' as int16, but " + std::string(c.op) + " of float32 gives float32");
  }
}

}  // namespace
}  // namespace outpost

namespace outpost {
namespace {

// fuzz_onnx (seed 5) found an opset-6 PRelu whose slope is the empty name: the importer read the
// absent value while reshaping the older per-channel slope.
TEST(OnnxImporterCorrupt, LegacyPReluWithAnAbsentOperandIsRefused) {
  for (const std::vector<std::string>& inputs :
       {std::vector<std::string>{"x", ""}, std::vector<std::string>{"", "slope"}}) {
    auto m = onnx_model(6);
    add_input(m, "x", {1, 3, 2, 2});
    add_float_initializer(m, "slope", {3}, {0.25f, 0.25f, 0.25f});
    add_node(m, "PRelu", inputs, {"y"});
    add_output(m, "y");
    const Status s = open_model(m);
    ASSERT_FALSE(s.is_ok()) << "PRelu(" << inputs[0] << ", " << inputs[1] << ") loaded";
    EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << s.message();
    EXPECT_NE(s.message().find("PRelu"), std::string::npos) << s.message();
  }
}

}  // namespace
}  // namespace outpost
