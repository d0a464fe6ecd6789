// The C API's bundles (include/outpost/outpost_bundle.h) on real signed and encrypted bundles:
// a trusted bundle loads and runs with its signed name, version, publisher and labels; a plain
// model is refused under a trust store unless allowed; an encrypted bundle needs this device's
// key; verify runs the golden vectors and names each failure by its code.
#include "outpost/outpost_bundle.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "bundle/keys.h"
#include "bundle/pack.h"
#include "support/c_status.h"
#include "support/test_paths.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::CStatus;

class CBundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("outpost-c-bundle");
    std::filesystem::create_directories(dir_ + "/trust");
    std::filesystem::create_directories(dir_ + "/keys");
    chmod((dir_ + "/trust").c_str(), 0700);
    publisher_ = bundle::generate_key_pair(true, "acme").value();
    device_ = bundle::generate_key_pair(false, "camera-1").value();
    std::ofstream(dir_ + "/trust/acme.publisher.pub") << bundle::public_key_text(publisher_);
    chmod((dir_ + "/trust/acme.publisher.pub").c_str(), 0600);
    device_key_ = bundle::write_key_pair(device_, dir_ + "/keys").value()[0];
    model_ = testing::build_tflite(testing::add_model_spec());
    plain_ = write("add.tflite", model_);
    signed_ = pack("adder.opk", {});
    encrypted_ = pack("adder-enc.opk", {device_});
    policy_ = outpost_trust_policy_create();
    CStatus trust(outpost_trust_policy_set_trust_dir(policy_, (dir_ + "/trust").c_str()));
    ASSERT_EQ(trust.s, nullptr) << trust.message();
  }
  void TearDown() override {
    outpost_trust_policy_free(policy_);
    std::filesystem::remove_all(dir_);
  }
  std::string write(const std::string& name, const std::vector<uint8_t>& bytes) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
    return path;
  }
  std::string pack(const std::string& name, std::vector<bundle::KeyPair> recipients) {
    bundle::PackOptions o;
    o.name = "adder";
    o.version = "1.2.0";
    o.labels = {"sum", "total"};
    o.created = "2026-01-01T00:00:00Z";
    for (auto& r : recipients) {  // the public half only, as a publisher has it
      bundle::KeyPair p;
      p.publisher = r.publisher;
      p.name = r.name;
      p.public_key = r.public_key;
      o.encrypt_for.push_back(p);
    }
    auto b = bundle::pack_bundle_to_memory(model_.data(), model_.size(), publisher_, o);
    EXPECT_TRUE(b.is_ok()) << b.status().message();
    return write(name, b.is_ok() ? *b : std::vector<uint8_t>{});
  }

  std::string dir_, plain_, signed_, encrypted_, device_key_;
  std::vector<uint8_t> model_;
  bundle::KeyPair publisher_, device_;
  outpost_trust_policy* policy_ = nullptr;
};

TEST_F(CBundleTest, ATrustedBundleLoadsWithWhatVouchesForIt) {
  outpost_session* s = nullptr;
  outpost_model_info* info = nullptr;
  CStatus opened(outpost_session_open_trusted(signed_.c_str(), policy_, nullptr, &s, &info));
  ASSERT_EQ(opened.s, nullptr) << opened.message();
  EXPECT_TRUE(outpost_model_info_is_bundle(info));
  EXPECT_STREQ(outpost_model_info_name(info), "adder");
  EXPECT_STREQ(outpost_model_info_version(info), "1.2.0");
  EXPECT_STREQ(outpost_model_info_publisher(info), "acme");
  EXPECT_FALSE(outpost_model_info_encrypted(info));
  ASSERT_EQ(outpost_model_info_label_count(info), 2u);
  EXPECT_STREQ(outpost_model_info_label(info, 1), "total");
  EXPECT_STREQ(outpost_model_info_label(info, 2), "");
  const float a[4] = {1, 2, 3, 4};
  ASSERT_EQ(outpost_session_set_input(s, 0, a, sizeof(a)), nullptr);
  ASSERT_EQ(outpost_session_set_input(s, 1, a, sizeof(a)), nullptr);
  ASSERT_EQ(outpost_session_run(s), nullptr);
  EXPECT_EQ(static_cast<const float*>(outpost_tensor_data(outpost_session_output(s, 0)))[3], 8.f);
  outpost_model_info_free(info);
  outpost_session_free(s);
}

TEST_F(CBundleTest, APlainModelIsRefusedUnderATrustStoreUnlessAllowed) {
  outpost_session* s = nullptr;
  CStatus refused(outpost_session_open_trusted(plain_.c_str(), policy_, nullptr, &s, nullptr));
  EXPECT_EQ(refused.code(), OUTPOST_UNTRUSTED);
  EXPECT_NE(refused.message().find(plain_), std::string::npos) << refused.message();
  EXPECT_EQ(s, nullptr);
  ASSERT_EQ(outpost_trust_policy_allow_unsigned(policy_, 1), nullptr);
  outpost_model_info* info = nullptr;
  CStatus allowed(outpost_session_open_trusted(plain_.c_str(), policy_, nullptr, &s, &info));
  ASSERT_EQ(allowed.s, nullptr) << allowed.message();
  EXPECT_FALSE(outpost_model_info_is_bundle(info));
  EXPECT_STREQ(outpost_model_info_name(info), "");
  outpost_model_info_free(info);
  outpost_session_free(s);
  // With no policy at all a plain model loads, and a bundle cannot be checked.
  CStatus no_policy(outpost_session_open_trusted(plain_.c_str(), nullptr, nullptr, &s, nullptr));
  ASSERT_EQ(no_policy.s, nullptr) << no_policy.message();
  outpost_session_free(s);
  s = nullptr;
  CStatus bundle_without_trust(outpost_session_open_trusted(signed_.c_str(), nullptr, nullptr, &s, nullptr));
  EXPECT_NE(bundle_without_trust.code(), OUTPOST_OK);
  EXPECT_EQ(s, nullptr);
}

TEST_F(CBundleTest, ABundleForAnotherNameIsRefused) {
  ASSERT_EQ(outpost_trust_policy_set_expect_name(policy_, "face-detector"), nullptr);
  outpost_session* s = nullptr;
  CStatus refused(outpost_session_open_trusted(signed_.c_str(), policy_, nullptr, &s, nullptr));
  EXPECT_EQ(refused.code(), OUTPOST_UNTRUSTED);
  EXPECT_NE(refused.message().find("adder"), std::string::npos) << refused.message();
}

TEST_F(CBundleTest, AnEncryptedBundleNeedsThisDevicesKey) {
  outpost_session* s = nullptr;
  CStatus no_key(outpost_session_open_trusted(encrypted_.c_str(), policy_, nullptr, &s, nullptr));
  EXPECT_EQ(no_key.code(), OUTPOST_DECRYPT_FAILED) << no_key.message();
  // verify without the key checks what it can, and says the golden vectors were not run.
  outpost_model_info* info = nullptr;
  CStatus verified(outpost_bundle_verify(encrypted_.c_str(), policy_, &info));
  ASSERT_EQ(verified.s, nullptr) << verified.message();
  EXPECT_TRUE(outpost_model_info_encrypted(info));
  EXPECT_FALSE(outpost_model_info_golden_checked(info));
  outpost_model_info_free(info);

  CStatus key(outpost_trust_policy_set_device_key(policy_, device_key_.c_str()));
  ASSERT_EQ(key.s, nullptr) << key.message();
  CStatus opened(outpost_session_open_trusted(encrypted_.c_str(), policy_, nullptr, &s, &info));
  ASSERT_EQ(opened.s, nullptr) << opened.message();
  EXPECT_TRUE(outpost_model_info_encrypted(info));
  outpost_model_info_free(info);
  outpost_session_free(s);
  CStatus verified_with_key(outpost_bundle_verify(encrypted_.c_str(), policy_, &info));
  ASSERT_EQ(verified_with_key.s, nullptr) << verified_with_key.message();
  EXPECT_TRUE(outpost_model_info_golden_checked(info)) << "the golden vectors ran";
  outpost_model_info_free(info);
}

TEST_F(CBundleTest, VerifyNamesEachFailureByItsCode) {
  outpost_model_info* info = nullptr;
  CStatus good(outpost_bundle_verify(signed_.c_str(), policy_, &info));
  ASSERT_EQ(good.s, nullptr) << good.message();
  EXPECT_TRUE(outpost_model_info_golden_checked(info));
  outpost_model_info_free(info);

  // One byte of the model changed after signing.
  std::ifstream in(signed_, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  bytes[bytes.size() - 40] ^= 0x01;
  const std::string tampered = write("tampered.opk", bytes);
  CStatus bad(outpost_bundle_verify(tampered.c_str(), policy_, &info));
  EXPECT_EQ(bad.code(), OUTPOST_BAD_SIGNATURE) << bad.message();
  EXPECT_EQ(info, nullptr);

  // Signed by a publisher this device does not trust.
  bundle::KeyPair stranger = bundle::generate_key_pair(true, "stranger").value();
  auto other = bundle::pack_bundle_to_memory(model_.data(), model_.size(), stranger, [] {
    bundle::PackOptions o;
    o.name = "adder";
    o.version = "1.0.0";
    return o;
  }());
  ASSERT_TRUE(other.is_ok());
  const std::string untrusted = write("stranger.opk", *other);
  CStatus not_trusted(outpost_bundle_verify(untrusted.c_str(), policy_, nullptr));
  EXPECT_EQ(not_trusted.code(), OUTPOST_UNTRUSTED) << not_trusted.message();

  outpost_trust_policy* empty = outpost_trust_policy_create();
  CStatus no_trust(outpost_bundle_verify(signed_.c_str(), empty, nullptr));
  EXPECT_EQ(no_trust.code(), OUTPOST_USAGE);
  outpost_trust_policy_free(empty);
  CStatus missing_dir(outpost_trust_policy_set_trust_dir(policy_, (dir_ + "/nope").c_str()));
  EXPECT_NE(missing_dir.code(), OUTPOST_OK);
  EXPECT_NE(missing_dir.message().find("nope"), std::string::npos) << missing_dir.message();
  CStatus null_policy(outpost_trust_policy_set_trust_dir(nullptr, "x"));
  EXPECT_EQ(null_policy.code(), OUTPOST_USAGE);
  EXPECT_STREQ(outpost_model_info_name(nullptr), "");
  outpost_model_info_free(nullptr);
}

}  // namespace
}  // namespace outpost
