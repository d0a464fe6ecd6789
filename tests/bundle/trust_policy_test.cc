// The library's trust policy (bundle/trust_policy.h): what the CLI and the agent load through.
#include "bundle/trust_policy.h"

#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "bundle/installed_versions.h"
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

TEST_F(TrustPolicyTest, ExpectNameRefusesAnotherSignedName) {
  PackOptions o = basic_options();
  o.name = "subtractor";
  const std::string other = bundle("s.opk", o);
  policy_.expect_name = "adder";
  auto m = load_trusted_model(other, policy_);
  ASSERT_FALSE(m.is_ok());
  EXPECT_EQ(m.status().code(), StatusCode::kUntrusted);
  EXPECT_NE(m.status().message().find("subtractor"), std::string::npos) << m.status().message();
  EXPECT_TRUE(load_trusted_model(bundle("a.opk", basic_options()), policy_).is_ok());
}

TEST_F(TrustPolicyTest, TheHighestVersionLoadedIsTheFloor) {
  policy_.state_dir = dir_ + "/state";
  ASSERT_TRUE(load_trusted_model(bundle("2.opk", basic_options("2.0.0")), policy_).is_ok());
  auto m = load_trusted_model(bundle("1.opk", basic_options("1.9.9")), policy_);
  ASSERT_FALSE(m.is_ok());
  EXPECT_EQ(m.status().code(), StatusCode::kTooOld);
  EXPECT_TRUE(load_trusted_model(bundle("3.opk", basic_options("2.0.1")), policy_).is_ok());
  auto versions = read_installed_versions(policy_.state_dir);
  ASSERT_TRUE(versions.is_ok()) << versions.status().message();
  EXPECT_EQ(versions->at("adder").text, "2.0.1");
  policy_.allow_downgrade = true;
  EXPECT_TRUE(load_trusted_model(dir_ + "/1.opk", policy_).is_ok());
  EXPECT_EQ(read_installed_versions(policy_.state_dir)->at("adder").text, "2.0.1");
}

TEST_F(TrustPolicyTest, ADamagedStateFileIsAnErrorNotAReset) {
  policy_.state_dir = dir_ + "/state";
  std::filesystem::create_directory(policy_.state_dir);
  write("state/installed-versions.json", {'{', '}'});
  auto m = load_trusted_model(bundle("a.opk", basic_options()), policy_);
  ASSERT_FALSE(m.is_ok());
  EXPECT_NE(m.status().message().find("installed-versions.json"), std::string::npos);
}

// out = in + c, c a constant [1, 2, 2, 1] of `c0`..`c0 + 3` stored in the model file.
std::vector<uint8_t> add_constant_model(float c0) {
  auto spec = outpost::testing::add_model_spec();
  spec.tensors[1].buffer = 1;
  spec.buffers = {outpost::testing::bytes_of(std::vector<float>{c0, c0 + 1, c0 + 2, c0 + 3})};
  spec.inputs = {0};
  return outpost::testing::build_tflite(spec);
}

TEST_F(TrustPolicyTest, APlainModelChangedOnDiskAfterItsLoadRunsAsLoaded) {
  // Same size, other constant: written into the same file (same inode), as a writer would.
  const std::vector<uint8_t> before = add_constant_model(1), after = add_constant_model(1000);
  ASSERT_EQ(before.size(), after.size());
  const std::string path = write("const.tflite", before);
  SessionOptions o;
  o.backend = "ref";  // constants used in place, never packed into a copy
  TrustPolicy none;
  auto m = load_trusted_model(path, none, o);
  ASSERT_TRUE(m.is_ok()) << m.status().message();
  const auto first = test::run_outputs(*m->session);
  {
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.write(reinterpret_cast<const char*>(after.data()), static_cast<long>(after.size()));
  }
  EXPECT_EQ(test::run_outputs(*m->session), first);
  // The file did change: a fresh load sees the new constant.
  auto fresh = load_trusted_model(path, none, o);
  ASSERT_TRUE(fresh.is_ok());
  EXPECT_NE(test::run_outputs(*fresh->session), first);
}

TEST_F(TrustPolicyTest, OpeningAnEncryptedBundleDisablesCoreDumps) {
  const KeyPair device = make_key(false, "cam1");
  PackOptions o = basic_options();
  o.encrypt_for = {public_half(device)};
  const std::string path = bundle("enc.opk", o);
  policy_.device_key = device;
  // In a child of its own: the change lasts for the process's life, and other tests of this
  // binary open encrypted bundles too. Exit codes: 0 ok, 1 not dumpable at start, 2 load
  // failed, 3 still dumpable, 4 core limit not 0.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    if (::prctl(PR_GET_DUMPABLE) != 1) ::_exit(1);
    auto m = load_trusted_model(path, policy_);
    if (!m.is_ok() || !m->encrypted) ::_exit(2);
    if (::prctl(PR_GET_DUMPABLE) != 0) ::_exit(3);
    struct rlimit core {};
    if (::getrlimit(RLIMIT_CORE, &core) != 0 || core.rlim_cur != 0 || core.rlim_max != 0)
      ::_exit(4);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace outpost::bundle
