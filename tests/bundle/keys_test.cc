#include "bundle/keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "bundle/trust_store.h"
#include "support/cli_runner.h"

namespace outpost::bundle {
namespace {

class Keys : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("outpost-keys-test"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

TEST_F(Keys, WritesSecretKeysWith0600AndReadsThemBack) {
  for (bool publisher : {true, false}) {
    auto keys = generate_key_pair(publisher, "acme-1").value();
    auto paths = write_key_pair(keys, dir_);
    ASSERT_TRUE(paths.is_ok()) << paths.status().message();
    EXPECT_EQ(mode_of(paths.value()[0]), 0600u);
    auto secret = read_key_file(paths.value()[0]);
    auto pub = read_key_file(paths.value()[1]);
    ASSERT_TRUE(secret.is_ok()) << secret.status().message();
    ASSERT_TRUE(pub.is_ok()) << pub.status().message();
    EXPECT_TRUE(secret->has_secret);
    EXPECT_FALSE(pub->has_secret);
    EXPECT_EQ(secret->publisher, publisher);
    EXPECT_EQ(secret->public_key, keys.public_key);
    EXPECT_EQ(pub->public_key, keys.public_key);
    EXPECT_EQ(pub->id(), keys.id());
    EXPECT_EQ(public_key_text(*secret), public_key_text(*pub));
  }
}

TEST_F(Keys, RefusesToOverwrite) {
  auto keys = generate_key_pair(true, "acme").value();
  ASSERT_TRUE(write_key_pair(keys, dir_).is_ok());
  const std::string before = public_key_text(read_key_file(dir_ + "/acme.publisher.pub").value());
  auto again = write_key_pair(generate_key_pair(true, "acme").value(), dir_);
  EXPECT_EQ(again.status().code(), StatusCode::kUsage);
  EXPECT_NE(again.status().message().find("refusing to overwrite"), std::string::npos);
  EXPECT_EQ(public_key_text(read_key_file(dir_ + "/acme.publisher.pub").value()), before);
}

TEST_F(Keys, MakesAMissingKeyDirectoryPrivate) {
  const std::string sub = dir_ + "/new/keys";
  auto paths = write_key_pair(generate_key_pair(false, "cam").value(), sub);
  ASSERT_TRUE(paths.is_ok()) << paths.status().message();
  EXPECT_EQ(mode_of(sub), 0700u);
  EXPECT_EQ(mode_of(paths.value()[0]), 0600u);
  // A directory that cannot be made (a file is in the way) is a clear I/O error.
  std::ofstream(dir_ + "/file") << "x";
  auto blocked = write_key_pair(generate_key_pair(false, "cam").value(), dir_ + "/file/keys");
  EXPECT_EQ(blocked.status().code(), StatusCode::kIoError);
  EXPECT_NE(blocked.status().message().find("cannot create the key directory"), std::string::npos)
      << blocked.status().message();
}

TEST_F(Keys, RefusesSecretKeysOthersCanRead) {
  auto keys = generate_key_pair(false, "cam").value();
  const auto paths = write_key_pair(keys, dir_).value();
  ASSERT_EQ(::chmod(paths[0].c_str(), 0644), 0);
  auto r = read_key_file(paths[0]);
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_NE(r.status().message().find("chmod 600"), std::string::npos) << r.status().message();
}

TEST_F(Keys, RejectsBadNamesAndGarbageFiles) {
  for (const char* name : {"", "../x", "a b", ".hidden", "x/y"})
    EXPECT_EQ(generate_key_pair(true, name).status().code(), StatusCode::kUsage) << name;
  for (const char* text :
       {"", "hello\nworld\n", "outpost-publisher-public-v1 acme\nAAAA\n",
        "outpost-publisher-public-v1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "outpost-nonsense-v1 acme\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"})
    EXPECT_EQ(parse_key_text(text, "t").status().code(), StatusCode::kInvalidModel) << text;
  EXPECT_TRUE(
      parse_key_text("outpost-device-public-v1 cam\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
                     "t")
          .is_ok());
}

TEST_F(Keys, TrustStoreKeepsOnlyPublisherPublicKeys) {
  auto publisher = generate_key_pair(true, "acme").value();
  auto device = generate_key_pair(false, "cam").value();
  ASSERT_TRUE(write_key_pair(publisher, dir_).is_ok());
  ASSERT_TRUE(write_key_pair(device, dir_).is_ok());
  auto store = TrustStore::load(dir_);
  ASSERT_TRUE(store.is_ok()) << store.status().message();
  EXPECT_EQ(store->size(), 1u);
  ASSERT_NE(store->find(publisher.id()), nullptr);
  EXPECT_EQ(store->find(publisher.id())->name, "acme");
  EXPECT_EQ(store->find(device.id()), nullptr);
  EXPECT_EQ(TrustStore::load(dir_ + "/missing").status().code(), StatusCode::kIoError);
  std::ofstream(dir_ + "/junk.pub") << "not a key\n";
  EXPECT_EQ(TrustStore::load(dir_).status().code(), StatusCode::kInvalidModel);
}

}  // namespace
}  // namespace outpost::bundle
