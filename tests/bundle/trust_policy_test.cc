// The library's trust policy (bundle/trust_policy.h): what the CLI and the agent load through.
#include "bundle/trust_policy.h"

#include <gtest/gtest.h>
#include <sys/prctl.h>

#include <filesystem>
#include <fstream>

#include "bundle/pack.h"
#include "bundle_test_util.h"
#include "support/test_paths.h"

namespace outpost::bundle {
namespace {

using test::add_model;
using test::basic_options;
using test::make_key;
using test::pack_or_die;
using test::public_half;

class TrustPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = outpost::testing::make_temp_dir("outpost-trust-policy");
    publisher_ = make_key(true, "acme");
    policy_.trust.emplace();
    policy_.trust->add(public_half(publisher_));
    plain_ = write("add.tflite", add_model());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::vector<uint8_t>& bytes) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
    return path;
  }
  std::string bundle(const std::string& file, const PackOptions& o) {
    return write(file, pack_or_die(add_model(), publisher_, o));
  }

  std::string dir_, plain_;
  KeyPair publisher_;
  TrustPolicy policy_;
};

TEST_F(TrustPolicyTest, APlainModelIsRefusedWhenATrustStoreIsConfigured) {
  auto m = load_trusted_model(plain_, policy_);
  ASSERT_FALSE(m.is_ok());
  EXPECT_EQ(m.status().code(), StatusCode::kUntrusted);
  EXPECT_NE(m.status().message().find(plain_), std::string::npos) << m.status().message();
  policy_.allow_unsigned = true;
  m = load_trusted_model(plain_, policy_);
  ASSERT_TRUE(m.is_ok()) << m.status().message();
  EXPECT_FALSE(m->bundle);
}

TEST_F(TrustPolicyTest, ASignedBundleLoadsWithItsMetadata) {
  auto m = load_trusted_model(bundle("a.opk", basic_options()), policy_);
  ASSERT_TRUE(m.is_ok()) << m.status().message();
  EXPECT_TRUE(m->bundle);
  EXPECT_EQ(m->metadata.name, "adder");
  EXPECT_EQ(m->metadata.labels, std::vector<std::string>{"sum"});
  EXPECT_EQ(m->publisher, "acme");
  EXPECT_TRUE(m->session->run().is_ok());
}

TEST_F(TrustPolicyTest, WithoutATrustStoreAPlainModelLoadsAndABundleDoesNot) {
  TrustPolicy none;
  EXPECT_TRUE(load_trusted_model(plain_, none).is_ok());
  auto m = load_trusted_model(bundle("a.opk", basic_options()), none);
  ASSERT_FALSE(m.is_ok());
  EXPECT_EQ(m.status().code(), StatusCode::kUntrusted);
}

}  // namespace
}  // namespace outpost::bundle
