// The content store on a real directory: names are SHA-256s of the content, commits check size
// and hash and delete wrong bytes, verify catches a file changed on disk, garbage collection
// keeps what it is told to, and the quota refuses a write that would pass it.
#include "agentd/content_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agentd/partial_file.h"
#include "support/test_paths.h"

namespace outpost::agentd {
namespace {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

class ContentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(store_.init().is_ok()); }
  void TearDown() override { fs::remove_all(root_); }

  std::string root_ = testing::make_temp_dir("content_store");
  ContentStore store_{root_ + "/store"};
};

TEST(Sha256, KnownVectorsAndFilesEqualBytes) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string dir = testing::make_temp_dir("sha256");
  std::string big(200 * 1024 + 7, '\0');  // several read chunks and a tail
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 + i / 977);
  write_file(dir + "/big", big);
  auto hex = sha256_file_hex(dir + "/big");
  ASSERT_TRUE(hex.is_ok()) << hex.status().message();
  EXPECT_EQ(hex.value(), sha256_hex(big));
  EXPECT_EQ(sha256_file_hex(dir + "/missing").status().code(), StatusCode::kIoError);
  fs::remove_all(dir);
}

TEST_F(ContentStoreTest, InitMakesPrivateDirectories) {
  for (const char* sub : {"", "/sha256", "/partial"}) {
    struct stat st {};
    ASSERT_EQ(::stat((store_.dir() + sub).c_str(), &st), 0) << sub;
    EXPECT_EQ(st.st_mode & 0777, 0700u) << sub;
  }
  EXPECT_TRUE(store_.init().is_ok());  // again: nothing to do
  write_file(root_ + "/file", "x");
  const Status s = ContentStore(root_ + "/file").init();
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find(root_ + "/file"), std::string::npos) << s.message();
}

TEST_F(ContentStoreTest, PutBytesStoresUnderTheHash) {
  auto sha = store_.put_bytes("manifest bytes");
  ASSERT_TRUE(sha.is_ok()) << sha.status().message();
  EXPECT_EQ(sha.value(), sha256_hex("manifest bytes"));
  EXPECT_TRUE(store_.has(sha.value()));
  EXPECT_EQ(store_.path(sha.value()), store_.dir() + "/sha256/" + sha.value());
  EXPECT_EQ(read_file(store_.path(sha.value())), "manifest bytes");
  EXPECT_FALSE(fs::exists(store_.partial_path(sha.value())));
  EXPECT_EQ(store_.put_bytes("manifest bytes").value(), sha.value());  // kept once
  EXPECT_EQ(store_.used_bytes(), 14u);
  EXPECT_FALSE(store_.has(sha256_hex("other")));
  EXPECT_FALSE(store_.has("../store/sha256/" + sha.value()));
}

TEST_F(ContentStoreTest, CommitPartialChecksSizeAndHash) {
  const std::string good = "the right bytes";
  const std::string sha = sha256_hex(good);
  write_file(store_.partial_path(sha), good);
  EXPECT_EQ(store_.commit_partial(sha, good.size() + 1).code(), StatusCode::kInvalidModel);
  EXPECT_FALSE(fs::exists(store_.partial_path(sha)));  // wrong bytes are not kept

  write_file(store_.partial_path(sha), "the wrong bytes");
  const Status s = store_.commit_partial(sha, good.size());
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel);
  EXPECT_NE(s.message().find(sha), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(sha256_hex("the wrong bytes")), std::string::npos) << s.message();
  EXPECT_FALSE(fs::exists(store_.partial_path(sha)));
  EXPECT_FALSE(store_.has(sha));

  write_file(store_.partial_path(sha), good);
  ASSERT_TRUE(store_.commit_partial(sha, good.size()).is_ok());
  EXPECT_TRUE(store_.has(sha));
  EXPECT_EQ(read_file(store_.path(sha)), good);
  EXPECT_FALSE(fs::exists(store_.partial_path(sha)));

  EXPECT_EQ(store_.commit_partial(sha256_hex("absent"), 1).code(), StatusCode::kIoError);
  EXPECT_EQ(store_.commit_partial("../../etc/passwd", 1).code(), StatusCode::kUsage);
}

TEST_F(ContentStoreTest, VerifyCatchesAFileChangedOnDisk) {
  const std::string sha = store_.put_bytes("model bytes").value();
  EXPECT_TRUE(store_.verify(sha).is_ok());
  write_file(store_.path(sha), "model bytez");
  const Status s = store_.verify(sha);
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel);
  EXPECT_NE(s.message().find("changed on disk"), std::string::npos) << s.message();
  EXPECT_EQ(store_.verify(sha256_hex("absent")).code(), StatusCode::kIoError);
  EXPECT_EQ(store_.verify("not-a-hash").code(), StatusCode::kUsage);
}

TEST_F(ContentStoreTest, RemoveExceptKeepsOnlyWhatItIsTold) {
  const std::string a = store_.put_bytes("a").value();
  const std::string b = store_.put_bytes("bb").value();
  const std::string c = store_.put_bytes("ccc").value();
  const std::string d = sha256_hex("dddd");
  const std::string e = sha256_hex("eeeee");
  write_file(store_.partial_path(d), "dd");  // a kept download in progress
  write_file(store_.partial_path(e), "ee");  // one no longer wanted
  EXPECT_EQ(store_.used_bytes(), 1u + 2 + 3 + 2 + 2);
  ASSERT_TRUE(store_.remove_except({a, c, d}).is_ok());
  EXPECT_TRUE(store_.has(a));
  EXPECT_FALSE(store_.has(b));
  EXPECT_TRUE(store_.has(c));
  EXPECT_TRUE(fs::exists(store_.partial_path(d)));
  EXPECT_FALSE(fs::exists(store_.partial_path(e)));
  EXPECT_EQ(store_.used_bytes(), 1u + 3 + 2);
  ASSERT_TRUE(store_.remove_except({}).is_ok());
  EXPECT_EQ(store_.used_bytes(), 0u);
}

TEST_F(ContentStoreTest, QuotaRefusesAPutThatWouldPassIt) {
  ContentStore small(store_.dir(), 10);
  ASSERT_TRUE(small.put_bytes("123456").is_ok());
  auto r = small.put_bytes("abcdef");  // 6 + 6 > 10
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_NE(r.status().message().find("quota of 10 bytes"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find(store_.dir()), std::string::npos);
  EXPECT_FALSE(small.has(sha256_hex("abcdef")));
  EXPECT_EQ(small.used_bytes(), 6u);             // the refused write left nothing behind
  EXPECT_TRUE(small.put_bytes("abcd").is_ok());  // 6 + 4 fits exactly
}

TEST_F(ContentStoreTest, PartialFileAppendStopsAtTheQuota) {
  ContentStore small(store_.dir(), 8);
  const std::string sha = sha256_hex("whatever");
  auto file = PartialFile::open(small, sha);
  ASSERT_TRUE(file.is_ok()) << file.status().message();
  EXPECT_TRUE(file->reserve(8).is_ok());
  EXPECT_EQ(file->reserve(9).code(), StatusCode::kIoError);
  ASSERT_TRUE(file->append("12345", 5).is_ok());
  const Status s = file->append("6789", 4);  // a server sending more than it said
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("partial/" + sha + ".part"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("quota"), std::string::npos) << s.message();
  EXPECT_EQ(file->size(), 5u);
  ASSERT_TRUE(file->truncate().is_ok());
  EXPECT_TRUE(file->append("12345678", 8).is_ok());  // truncating gave the room back
  EXPECT_TRUE(file->close().is_ok());
  EXPECT_EQ(small.used_bytes(), 8u);
}

}  // namespace
}  // namespace outpost::agentd
