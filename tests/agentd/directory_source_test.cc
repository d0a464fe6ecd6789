// The local-directory source of desired state: what it hands over, when, and what it skips.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "agent/signed_manifest.h"
#include "agentd/desired_state_source.h"
#include "support/test_paths.h"

namespace outpost::agentd {
namespace {

namespace fs = std::filesystem;

class DirectorySourceTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("outpost-dirsource"); }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }
  std::vector<std::string> origins(DesiredStateSource& s) {
    auto polled = s.poll();
    EXPECT_TRUE(polled.is_ok()) << polled.status().message();
    std::vector<std::string> out;
    if (polled.is_ok())
      for (const auto& c : *polled) out.push_back(fs::path(c.origin).filename().string());
    return out;
  }
  std::string dir_;
};

TEST_F(DirectorySourceTest, HandsOverNewAndChangedFilesOnce) {
  DirectorySource source(dir_);
  EXPECT_TRUE(origins(source).empty());
  write("b.json", "{\"b\": 1}");
  write("a.json", "{\"a\": 1}");
  EXPECT_EQ(origins(source), (std::vector<std::string>{"a.json", "b.json"}));
  EXPECT_TRUE(origins(source).empty()) << "unchanged files are not handed over again";
  write("b.json", "{\"b\": 2}");
  auto polled = source.poll();
  ASSERT_TRUE(polled.is_ok());
  ASSERT_EQ(polled->size(), 1u);
  EXPECT_EQ((*polled)[0].signed_text, "{\"b\": 2}");
  EXPECT_TRUE((*polled)[0].refusal.empty());
}

TEST_F(DirectorySourceTest, SkipsTemporaryHiddenAndNonJsonFilesAndFifos) {
  DirectorySource source(dir_);
  write(".hidden.json", "{}");
  write("upload.json.tmp", "{}");
  write("notes.txt", "{}");
  fs::create_directory(dir_ + "/dir.json");
  ASSERT_EQ(mkfifo((dir_ + "/pipe.json").c_str(), 0600), 0);
  EXPECT_TRUE(origins(source).empty()) << "and a FIFO does not block the poll";
}

TEST_F(DirectorySourceTest, AFileLargerThanAnyManifestIsHandedOverAsRefusedUnread) {
  DirectorySource source(dir_);
  {
    std::ofstream big(dir_ + "/big.json");
    big << std::string(agent::kMaxSignedManifestBytes + 10, ' ');
  }
  auto polled = source.poll();
  ASSERT_TRUE(polled.is_ok());
  ASSERT_EQ(polled->size(), 1u);
  EXPECT_TRUE((*polled)[0].signed_text.empty());
  EXPECT_NE((*polled)[0].refusal.find("above"), std::string::npos) << (*polled)[0].refusal;
}

TEST_F(DirectorySourceTest, AMissingDirectoryIsAnErrorNamingIt) {
  DirectorySource source(dir_ + "/absent");
  auto polled = source.poll();
  ASSERT_FALSE(polled.is_ok());
  EXPECT_EQ(polled.status().code(), StatusCode::kIoError);
  EXPECT_NE(polled.status().message().find("absent"), std::string::npos);
  EXPECT_NE(source.describe().find("absent"), std::string::npos);
}

}  // namespace
}  // namespace outpost::agentd
