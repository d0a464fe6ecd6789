// The rotating log of a module's output: appends, rotates at its size keeping its number of
// files, keeps lines whole where it can, and drops (counting) what it cannot write.
#include "agentd/rotating_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/test_paths.h"

namespace outpost::agentd {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool exists(const std::string& path) { return std::filesystem::exists(path); }

// "line NN" padded with dots to `width` bytes, newline included.
std::string numbered_line(int n, size_t width) {
  std::string line = "line " + std::to_string(n);
  line.resize(width - 1, '.');
  return line + "\n";
}

TEST(RotatingLog, AppendsToAnExistingFile) {
  const std::string dir = testing::make_temp_dir("outpost-rotlog");
  const std::string path = dir + "/m.log";
  std::ofstream(path) << "before\n";
  auto log = RotatingLog::open(path, 1000, 3);
  ASSERT_TRUE(log.is_ok()) << log.status().message();
  (*log)->write("after\n");
  EXPECT_EQ(slurp(path), "before\nafter\n");
  std::filesystem::remove_all(dir);
}

TEST(RotatingLog, CreatesItsDirectory) {
  const std::string dir = testing::make_temp_dir("outpost-rotlog");
  const std::string path = dir + "/logs/deeper/m.log";
  auto log = RotatingLog::open(path, 1000, 3);
  ASSERT_TRUE(log.is_ok()) << log.status().message();
  (*log)->write("x\n");
  EXPECT_EQ(slurp(path), "x\n");
  std::filesystem::remove_all(dir);
}

TEST(RotatingLog, RotatesAtItsSizeKeepingItsNumberOfFiles) {
  const std::string dir = testing::make_temp_dir("outpost-rotlog");
  const std::string path = dir + "/m.log";
  auto log = RotatingLog::open(path, 100, 3);  // 3 lines of 30 bytes fit in a file
  ASSERT_TRUE(log.is_ok()) << log.status().message();
  for (int n = 1; n <= 10; ++n) (*log)->write(numbered_line(n, 30));
  // Lines 1-3 rotated out of the last kept file; 4-6 in .2, 7-9 in .1, 10 in the file.
  EXPECT_EQ(slurp(path), numbered_line(10, 30));
  EXPECT_EQ(slurp(path + ".1"), numbered_line(7, 30) + numbered_line(8, 30) + numbered_line(9, 30));
  EXPECT_EQ(slurp(path + ".2"), numbered_line(4, 30) + numbered_line(5, 30) + numbered_line(6, 30));
  EXPECT_FALSE(exists(path + ".3"));
  EXPECT_EQ((*log)->dropped_bytes(), 0u);
  std::filesystem::remove_all(dir);
}

TEST(RotatingLog, KeepsLinesOfOneWriteWhole) {
  const std::string dir = testing::make_temp_dir("outpost-rotlog");
  const std::string path = dir + "/m.log";
  auto log = RotatingLog::open(path, 100, 2);
  ASSERT_TRUE(log.is_ok()) << log.status().message();
  (*log)->write(numbered_line(1, 60));
  (*log)->write(numbered_line(2, 30) + numbered_line(3, 30));  // line 2 fits, line 3 does not
  EXPECT_EQ(slurp(path + ".1"), numbered_line(1, 60) + numbered_line(2, 30));
  EXPECT_EQ(slurp(path), numbered_line(3, 30));
  std::filesystem::remove_all(dir);
}

TEST(RotatingLog, CutsALineLongerThanAFile) {
  const std::string dir = testing::make_temp_dir("outpost-rotlog");
  const std::string path = dir + "/m.log";
  auto log = RotatingLog::open(path, 100, 5);
  ASSERT_TRUE(log.is_ok()) << log.status().message();
  const std::string line = std::string(250, 'x') + "\n";
  (*log)->write(line);
  EXPECT_EQ(slurp(path + ".2") + slurp(path + ".1") + slurp(path), line);
  EXPECT_EQ(slurp(path + ".2").size(), 100u);
  EXPECT_EQ(slurp(path + ".1").size(), 100u);
  EXPECT_FALSE(exists(path + ".3"));
  std::filesystem::remove_all(dir);
}

TEST(RotatingLog, OneFileStartsOver) {
  const std::string dir = testing::make_temp_dir("outpost-rotlog");
  const std::string path = dir + "/m.log";
  auto log = RotatingLog::open(path, 50, 1);
  ASSERT_TRUE(log.is_ok()) << log.status().message();
  (*log)->write(numbered_line(1, 40));
  (*log)->write(numbered_line(2, 40));
  EXPECT_EQ(slurp(path), numbered_line(2, 40));
  EXPECT_FALSE(exists(path + ".1"));
  std::filesystem::remove_all(dir);
}

TEST(RotatingLog, AnUnopenablePathIsAnIoErrorNamingIt) {
  const std::string dir = testing::make_temp_dir("outpost-rotlog");
  std::ofstream(dir + "/file") << "a file, not a directory";
  const std::string path = dir + "/file/m.log";
  auto log = RotatingLog::open(path, 100, 3);
  ASSERT_FALSE(log.is_ok());
  EXPECT_EQ(log.status().code(), StatusCode::kIoError);
  EXPECT_NE(log.status().message().find(dir + "/file"), std::string::npos)
      << log.status().message();
  EXPECT_EQ(RotatingLog::open(dir + "/m.log", 0, 3).status().code(), StatusCode::kUsage);
  EXPECT_EQ(RotatingLog::open(dir + "/m.log", 100, 0).status().code(), StatusCode::kUsage);
  std::filesystem::remove_all(dir);
}

TEST(RotatingLog, AFullDiskDropsAndCounts) {
  // /dev/full fails every write with ENOSPC; reached through a link, so that no rotation
  // could ever rename the device itself.
  const std::string dir = testing::make_temp_dir("outpost-rotlog");
  const std::string path = dir + "/full.log";
  std::filesystem::create_symlink("/dev/full", path);
  auto log = RotatingLog::open(path, 1 << 20, 3);
  ASSERT_TRUE(log.is_ok()) << log.status().message();
  (*log)->write("lost\n");
  (*log)->write("lost too\n");
  EXPECT_EQ((*log)->dropped_bytes(), 14u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace outpost::agentd
