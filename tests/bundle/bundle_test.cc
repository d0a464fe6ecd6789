// Bundles through the library: round trips (plain and encrypted) give outputs byte-identical
// to the raw model, and each way a bundle can be refused has its own status code.
#include <gtest/gtest.h>

#include "bundle/layout.h"
#include "bundle_test_util.h"
#include "core/mapped_file.h"
#include "support/model_paths.h"
#include "support/test_paths.h"

namespace outpost::bundle {
namespace {

using test::add_model;
using test::basic_options;
using test::make_key;
using test::pack_or_die;
using test::public_half;

class Bundle : public ::testing::Test {
 protected:
  void SetUp() override { trust_.add(public_half(publisher_)); }
  KeyPair publisher_ = make_key(true, "acme");
  KeyPair cam1_ = make_key(false, "cam1"), cam2_ = make_key(false, "cam2"),
          cam3_ = make_key(false, "cam3");
  TrustStore trust_;
};

void expect_same_outputs(const std::vector<uint8_t>& model, const OpenedBundle& b) {
  auto raw = Session::open_buffer(model.data(), model.size(), nullptr, "raw");
  auto packed = open_bundle_session(b);
  ASSERT_TRUE(raw.is_ok()) << raw.status().message();
  ASSERT_TRUE(packed.is_ok()) << packed.status().message();
  EXPECT_EQ(test::run_outputs(**raw), test::run_outputs(**packed));
}

TEST_F(Bundle, PlainRoundTripKeepsModelBytesAndMetadata) {
  const auto model = add_model();
  const auto bytes = pack_or_die(model, publisher_, basic_options("1.2.3-rc.1"));
  auto b = open_bundle(bytes.data(), bytes.size(), trust_, nullptr);
  ASSERT_TRUE(b.is_ok()) << b.status().message();
  EXPECT_FALSE(b->encrypted);
  EXPECT_EQ(b->publisher, "acme");
  ASSERT_EQ(b->model_size, model.size());
  EXPECT_EQ(std::vector<uint8_t>(b->model, b->model + b->model_size), model);
  EXPECT_EQ((b->model - bytes.data()) % kModelAlignment, 0);
  const BundleMetadata& m = b->metadata;
  EXPECT_EQ(m.name, "adder");
  EXPECT_EQ(m.version.text, "1.2.3-rc.1");
  EXPECT_EQ(m.model_format, "tflite");
  EXPECT_EQ(m.labels, std::vector<std::string>{"sum"});
  EXPECT_EQ(m.preprocess["layout"], "NHWC");
  EXPECT_EQ(m.inputs.size(), 2u);
  EXPECT_EQ(m.outputs[0]["name"], "sum");
  EXPECT_EQ(b->golden.size(), 3u);  // two inputs, one output
  auto golden = check_golden(*b);
  ASSERT_TRUE(golden.is_ok()) << golden.status().message();
  ASSERT_EQ(golden->size(), 1u);
  EXPECT_EQ((*golden)[0].max_error, 0);
  expect_same_outputs(model, *b);
}

TEST_F(Bundle, EncryptedForTwoDevicesEachDecryptsAThirdCannot) {
  const auto model = add_model();
  PackOptions o = basic_options();
  o.encrypt_for = {public_half(cam1_), public_half(cam2_)};
  o.chunk_bytes = 64;  // several chunks even for this small model
  const auto bytes = pack_or_die(model, publisher_, o);
  // The plaintext model appears nowhere in the file.
  EXPECT_EQ(std::search(bytes.begin(), bytes.end(), model.begin() + 8, model.begin() + 40),
            bytes.end());
  for (const KeyPair* device : {&cam1_, &cam2_}) {
    auto b = open_bundle(bytes.data(), bytes.size(), trust_, device);
    ASSERT_TRUE(b.is_ok()) << device->name << ": " << b.status().message();
    EXPECT_TRUE(b->encrypted);
    EXPECT_EQ(b->recipients, 2u);
    EXPECT_EQ(std::vector<uint8_t>(b->model, b->model + b->model_size), model);
    EXPECT_TRUE(check_golden(*b).is_ok());
    expect_same_outputs(model, *b);
  }
  // The load path of the model commands: model only, golden vectors left encrypted.
  OpenOptions model_only;
  model_only.load_golden = false;
  model_only.check_model_hash = false;
  auto fast = open_bundle(bytes.data(), bytes.size(), trust_, &cam1_, model_only);
  ASSERT_TRUE(fast.is_ok()) << fast.status().message();
  EXPECT_TRUE(fast->golden.empty());
  EXPECT_EQ(std::vector<uint8_t>(fast->model, fast->model + fast->model_size), model);
  auto third = open_bundle(bytes.data(), bytes.size(), trust_, &cam3_);
  EXPECT_EQ(third.status().code(), StatusCode::kDecryptFailed);
  EXPECT_NE(third.status().message().find("not encrypted for device 'cam3'"), std::string::npos);
  auto none = open_bundle(bytes.data(), bytes.size(), trust_, nullptr);
  EXPECT_EQ(none.status().code(), StatusCode::kDecryptFailed);
  EXPECT_NE(none.status().message().find("--device-key"), std::string::npos);
  // A device key posing as cam1 (same id, other secret) fails to open the sealed key.
  KeyPair impostor = cam3_;
  impostor.public_key = cam1_.public_key;
  EXPECT_EQ(open_bundle(bytes.data(), bytes.size(), trust_, &impostor).status().code(),
            StatusCode::kDecryptFailed);
  // Without a key, what the trust store can check still opens when asked to.
  OpenOptions signature_only;
  signature_only.require_model = false;
  auto b = open_bundle(bytes.data(), bytes.size(), trust_, nullptr, signature_only);
  ASSERT_TRUE(b.is_ok()) << b.status().message();
  EXPECT_EQ(b->model, nullptr);
}

TEST_F(Bundle, RealFaceModelRoundTripsEncrypted) {
  const std::string path = testing::model_path("face_detection_short_range.tflite");
  OUTPOST_SKIP_UNLESS_EXISTS(path);
  auto file = MappedFile::open(path).value();
  const std::vector<uint8_t> model(file->data(), file->data() + file->size());
  PackOptions o = basic_options();
  o.name = "face";
  o.encrypt_for = {public_half(cam1_)};
  const auto bytes = pack_or_die(model, publisher_, o);
  auto b = open_bundle(bytes.data(), bytes.size(), trust_, &cam1_);
  ASSERT_TRUE(b.is_ok()) << b.status().message();
  auto golden = check_golden(*b);
  ASSERT_TRUE(golden.is_ok()) << golden.status().message();
  EXPECT_EQ(golden->size(), 2u);
  expect_same_outputs(model, *b);
}

TEST_F(Bundle, UnknownPublisherIsUntrusted) {
  const auto bytes = pack_or_die(add_model(), make_key(true, "mallory"), basic_options());
  auto b = open_bundle(bytes.data(), bytes.size(), trust_, nullptr);
  EXPECT_EQ(b.status().code(), StatusCode::kUntrusted);
  EXPECT_NE(b.status().message().find("unknown publisher"), std::string::npos);
}

TEST_F(Bundle, AnyTamperedByteBreaksTheSignature) {
  const auto model = add_model();
  PackOptions enc = basic_options();
  enc.encrypt_for = {public_half(cam1_)};
  for (const auto& bytes :
       {pack_or_die(model, publisher_, basic_options()), pack_or_die(model, publisher_, enc)}) {
    // Bytes in the metadata, the model (or its ciphertext), the golden vectors and the signature.
    const size_t meta_at = kHeaderBytes + 10;
    const size_t model_at = bytes.size() / 2;
    const size_t golden_at = bytes.size() - kTrailerBytes - 20;
    const size_t signature_at = bytes.size() - 10;
    for (size_t at : {meta_at, model_at, golden_at, signature_at}) {
      auto copy = bytes;
      copy[at] ^= 0x20;
      auto b = open_bundle(copy.data(), copy.size(), trust_, &cam1_);
      EXPECT_EQ(b.status().code(), StatusCode::kBadSignature)
          << "byte " << at << ": " << b.status().message();
    }
  }
  // A tampered key id names an unknown publisher.
  auto copy = pack_or_die(model, publisher_, basic_options());
  copy[copy.size() - kTrailerBytes] ^= 1;
  EXPECT_EQ(open_bundle(copy.data(), copy.size(), trust_, nullptr).status().code(),
            StatusCode::kUntrusted);
}

TEST_F(Bundle, TruncatedFileIsInvalid) {
  const auto bytes = pack_or_die(add_model(), publisher_, basic_options());
  for (size_t keep :
       {size_t{0}, size_t{7}, size_t{20}, kHeaderBytes, bytes.size() / 2, bytes.size() - 1}) {
    auto b = open_bundle(bytes.data(), keep, trust_, nullptr);
    EXPECT_EQ(b.status().code(), StatusCode::kInvalidModel) << keep;
    if (keep > kHeaderBytes) {
      EXPECT_NE(b.status().message().find("truncated"), std::string::npos) << b.status().message();
    }
  }
}

TEST_F(Bundle, NewerFormatOrOutpostVersionIsTooNew) {
  auto bytes = pack_or_die(add_model(), publisher_, basic_options());
  bytes[8] = 2;
  auto b = open_bundle(bytes.data(), bytes.size(), trust_, nullptr);
  EXPECT_EQ(b.status().code(), StatusCode::kTooNew);
  EXPECT_NE(b.status().message().find("format version 2"), std::string::npos);
  PackOptions o = basic_options();
  o.min_outpost_version = "99.0.0";
  bytes = pack_or_die(add_model(), publisher_, o);
  b = open_bundle(bytes.data(), bytes.size(), trust_, nullptr);
  EXPECT_EQ(b.status().code(), StatusCode::kTooNew);
  EXPECT_NE(b.status().message().find("needs Outpost 99.0.0"), std::string::npos);
}

TEST_F(Bundle, OlderThanMinVersionIsRefusedAsReplay) {
  const auto bytes = pack_or_die(add_model(), publisher_, basic_options("1.4.0"));
  OpenOptions o;
  for (const char* min : {"1.4.0", "1.3.9", "1.4.0-rc.1"}) {
    o.min_bundle_version = min;
    EXPECT_TRUE(open_bundle(bytes.data(), bytes.size(), trust_, nullptr, o).is_ok()) << min;
  }
  for (const char* min : {"1.4.1", "2.0.0"}) {
    o.min_bundle_version = min;
    auto b = open_bundle(bytes.data(), bytes.size(), trust_, nullptr, o);
    EXPECT_EQ(b.status().code(), StatusCode::kTooOld) << min;
  }
  o.min_bundle_version = "latest";
  EXPECT_EQ(open_bundle(bytes.data(), bytes.size(), trust_, nullptr, o).status().code(),
            StatusCode::kUsage);
}

TEST_F(Bundle, WrongGoldenOutputsAreAMismatch) {
  const auto model = add_model();
  auto in = Tensor::allocate(DType::kFloat32, {1, 2, 2, 1}).value();
  auto out = Tensor::allocate(DType::kFloat32, {1, 2, 2, 1}).value();
  for (int i = 0; i < 4; ++i) {
    in.data_as<float>()[i] = static_cast<float>(i);
    out.data_as<float>()[i] = 2.0f * static_cast<float>(i);  // a + a, right
  }
  PackOptions o = basic_options();
  o.golden_mode = GoldenMode::kGiven;
  o.golden = {{true, "a", in}, {true, "b", in}, {false, "sum", out}};
  auto good = pack_or_die(model, publisher_, o);
  auto b = open_bundle(good.data(), good.size(), trust_, nullptr);
  ASSERT_TRUE(b.is_ok());
  EXPECT_TRUE(check_golden(*b).is_ok());

  auto wrong = Tensor::allocate(DType::kFloat32, {1, 2, 2, 1}).value();
  std::memcpy(wrong.data(), out.data(), out.byte_size());
  wrong.data_as<float>()[3] += 0.01f;  // 6.01 vs 6: over 1e-4 x 6
  o.golden[2].tensor = wrong;
  // pack itself refuses vectors the model does not reproduce...
  auto refused = pack_bundle_to_memory(model.data(), model.size(), publisher_, o);
  EXPECT_EQ(refused.status().code(), StatusCode::kGoldenMismatch);
  // ...and verify refuses a bundle signed with them anyway.
  o.check_given_outputs = false;
  auto bad = pack_or_die(model, publisher_, o);
  b = open_bundle(bad.data(), bad.size(), trust_, nullptr);
  ASSERT_TRUE(b.is_ok());
  auto r = check_golden(*b);
  EXPECT_EQ(r.status().code(), StatusCode::kGoldenMismatch);
  EXPECT_NE(r.status().message().find("element 3"), std::string::npos) << r.status().message();
}

TEST_F(Bundle, GoldenToleranceFollowsDesign) {
  auto q = Tensor::allocate(DType::kUInt8, {3}).value();
  auto q2 = Tensor::allocate(DType::kUInt8, {3}).value();
  q.data_as<uint8_t>()[1] = 10;
  q2.data_as<uint8_t>()[1] = 11;
  EXPECT_TRUE(compare_to_golden(q2, q, "q").ok);  // one step
  q2.data_as<uint8_t>()[1] = 12;
  EXPECT_FALSE(compare_to_golden(q2, q, "q").ok);  // two steps
  auto f = Tensor::allocate(DType::kFloat32, {2}).value();
  auto f2 = Tensor::allocate(DType::kFloat32, {2}).value();
  f.data_as<float>()[0] = 100;
  f2.data_as<float>()[0] = 100;
  f2.data_as<float>()[1] = 0.009f;  // within 1e-4 x 100
  EXPECT_TRUE(compare_to_golden(f2, f, "f").ok);
  f2.data_as<float>()[1] = 0.011f;
  EXPECT_FALSE(compare_to_golden(f2, f, "f").ok);
  EXPECT_FALSE(compare_to_golden(q, f, "f").ok);  // dtype differs
}

TEST_F(Bundle, PackRejectsBadOptions) {
  const auto model = add_model();
  PackOptions o = basic_options("one");
  EXPECT_EQ(pack_bundle_to_memory(model.data(), model.size(), publisher_, o).status().code(),
            StatusCode::kUsage);
  o = basic_options();
  EXPECT_EQ(pack_bundle_to_memory(model.data(), model.size(), cam1_, o).status().code(),
            StatusCode::kUsage);
  o.encrypt_for = {public_half(publisher_)};
  EXPECT_EQ(pack_bundle_to_memory(model.data(), model.size(), publisher_, o).status().code(),
            StatusCode::kUsage);
  o = basic_options();
  o.preprocess_json = "[1,";
  EXPECT_EQ(pack_bundle_to_memory(model.data(), model.size(), publisher_, o).status().code(),
            StatusCode::kUsage);
  auto half = model;
  half.resize(half.size() / 2);
  EXPECT_EQ(
      pack_bundle_to_memory(half.data(), half.size(), publisher_, basic_options()).status().code(),
      StatusCode::kInvalidModel);
}

}  // namespace
}  // namespace outpost::bundle
