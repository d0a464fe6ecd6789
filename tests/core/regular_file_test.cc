// Reading a path a user gave: regular files only, and a FIFO is refused at once instead of
// blocking open() until a writer comes (suite names contain 'Robust': also run under the
// sanitizers).
#include "core/regular_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>

#include "core/mapped_file.h"
#include "support/cli_runner.h"

namespace outpost {
namespace {

class RobustInputRegularFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("outpost-regular-file");
    ASSERT_FALSE(dir_.empty());
    fifo_ = dir_ + "/pipe";
    ASSERT_EQ(::mkfifo(fifo_.c_str(), 0600), 0);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs `read` on another thread; when it has not returned within 5 s it is blocked in open(),
  // and a writer opening the FIFO releases it so the test can fail instead of hanging.
  template <typename Read>
  Status without_blocking(Read read) {
    auto result = std::async(std::launch::async, read);
    if (result.wait_for(std::chrono::seconds(5)) == std::future_status::timeout) {
      const int writer = ::open(fifo_.c_str(), O_WRONLY | O_NONBLOCK);
      result.wait();
      if (writer >= 0) ::close(writer);
      return internal_error("blocked on the FIFO");
    }
    return result.get();
  }

  std::string dir_, fifo_;
};

TEST_F(RobustInputRegularFile, AFifoIsRefusedWithoutBlocking) {
  const Status opened = without_blocking([&] { return open_regular_file(fifo_).status(); });
  EXPECT_EQ(opened.code(), StatusCode::kIoError) << opened.message();
  EXPECT_NE(opened.message().find(fifo_), std::string::npos) << opened.message();
  EXPECT_NE(opened.message().find("FIFO"), std::string::npos) << opened.message();
  EXPECT_EQ(without_blocking([&] { return read_regular_file(fifo_).status(); }).code(),
            StatusCode::kIoError);
  EXPECT_EQ(without_blocking([&] { return MappedFile::open(fifo_).status(); }).code(),
            StatusCode::kIoError);
  EXPECT_EQ(without_blocking([&] { return read_text_file(fifo_).status(); }).code(),
            StatusCode::kIoError);
  EXPECT_EQ(without_blocking([&] { return check_regular_file(fifo_); }).code(),
            StatusCode::kIoError);
}

TEST_F(RobustInputRegularFile, ASymlinkToAFifoIsRefusedToo) {
  const std::string link = dir_ + "/link.tflite";
  std::filesystem::create_symlink(fifo_, link);
  const Status s = without_blocking([&] { return MappedFile::open(link).status(); });
  EXPECT_EQ(s.code(), StatusCode::kIoError) << s.message();
}

TEST_F(RobustInputRegularFile, DirectoriesAndDevicesAreNamed) {
  const Status dir = open_regular_file(dir_).status();
  EXPECT_EQ(dir.code(), StatusCode::kIoError);
  EXPECT_NE(dir.message().find("a directory"), std::string::npos) << dir.message();
  const Status device = open_regular_file("/dev/null").status();
  EXPECT_EQ(device.code(), StatusCode::kIoError);
  EXPECT_NE(device.message().find("character device"), std::string::npos) << device.message();
}

TEST_F(RobustInputRegularFile, MissingFilesSayWhy) {
  const Status s = open_regular_file(dir_ + "/absent").status();
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("No such file"), std::string::npos) << s.message();
}

TEST_F(RobustInputRegularFile, RegularFilesAreReadWhole) {
  const std::string path = dir_ + "/text";
  std::string content(200000, 'x');  // more than one read() of the 64 kB buffer
  content[123456] = 'y';
  std::ofstream(path, std::ios::binary) << content;
  auto text = read_regular_file(path);
  ASSERT_TRUE(text.is_ok()) << text.status().message();
  EXPECT_EQ(*text, content);
  auto file = open_regular_file(path);
  ASSERT_TRUE(file.is_ok());
  EXPECT_EQ(file->size(), content.size());
  // The descriptor is back in blocking mode, as after a plain open().
  EXPECT_EQ(::fcntl(file->fd(), F_GETFL) & O_NONBLOCK, 0);
  auto mapped = MappedFile::open(path);
  ASSERT_TRUE(mapped.is_ok());
  EXPECT_EQ((*mapped)->size(), content.size());
  EXPECT_EQ((*mapped)->data()[123456], 'y');
}

}  // namespace
}  // namespace outpost
