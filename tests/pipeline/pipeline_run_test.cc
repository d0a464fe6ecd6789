// run_pipeline's ways of ending other than the end of its source: a stop request (what
// SIGINT/SIGTERM do in the CLI) that drains what was read and finishes the sinks, frames the
// source could not read (reported, counted, and the run goes on), and a library's exception,
// which must end the run as an error rather than abort the process.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "pipeline/pipeline.h"

namespace outpost {
namespace {

// A camera that never ends: a frame every millisecond until cancelled.
class EndlessSource final : public FrameSource {
 public:
  Result<std::optional<Frame>> next() override {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (cancelled_) return io_error("endless: cancelled");
    Frame frame;
    frame.image = Image::blank(8, 8, 3);
    frame.index = next_++;
    frame.origin = "endless";
    return std::optional<Frame>(std::move(frame));
  }
  bool live() const override { return true; }
  std::string describe() const override { return "endless"; }
  void cancel() override { cancelled_ = true; }

 private:
  int64_t next_ = 0;
  std::atomic<bool> cancelled_{false};
};

// Images, of which the ones at `bad` cannot be read.
class FolderSource final : public FrameSource {
 public:
  FolderSource(int64_t count, std::vector<int64_t> bad) : count_(count), bad_(std::move(bad)) {}
  Result<std::optional<Frame>> next() override {
    if (next_ >= count_) return std::optional<Frame>();
    Frame frame;
    frame.index = next_++;
    frame.origin = "image_" + std::to_string(frame.index) + ".png";
    if (std::find(bad_.begin(), bad_.end(), frame.index) != bad_.end())
      frame.error = io_error(frame.origin + ": invalid or truncated PNG");
    else
      frame.image = Image::blank(8, 8, 3);
    return std::optional<Frame>(std::move(frame));
  }
  std::string describe() const override { return "folder"; }

 private:
  int64_t count_, next_ = 0;
  std::vector<int64_t> bad_;
};

class EchoTask final : public VisionTask {
 public:
  explicit EchoTask(int64_t throw_at = -1) : throw_at_(throw_at) {}
  Result<nlohmann::json> process(const Frame& frame, Image*, TaskTimes*) override {
    if (frame.index == throw_at_) throw std::runtime_error("a library threw");
    if (!frame.error.is_ok()) return internal_error("a failed frame reached the task");
    return nlohmann::json{{"frame", frame.index}};
  }

 private:
  int64_t throw_at_;
};

// Remembers what it was given, and whether it was finished.
class RecordingSink final : public Sink {
 public:
  Status write(const Frame& frame, const nlohmann::json&, const Image*) override {
    frames.push_back(frame.index);
    return Status::ok();
  }
  Status write_failure(const Frame&, const nlohmann::json& event) override {
    failures.push_back(event);
    return Status::ok();
  }
  Status finish() override {
    finished = true;
    return Status::ok();
  }
  std::vector<int64_t> frames;
  std::vector<nlohmann::json> failures;
  bool finished = false;
};

TEST(PipelineRun, AStopRequestEndsALiveSourceCleanly) {
  EndlessSource source;
  EchoTask task;
  std::vector<std::unique_ptr<Sink>> sinks;
  auto* sink = new RecordingSink;
  sinks.emplace_back(sink);
  PipelineStop stop;
  PipelineOptions options;
  options.stop = &stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop.request();
  });
  const auto start = std::chrono::steady_clock::now();
  auto stats = run_pipeline(source, task, sinks, options);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(stats.is_ok()) << stats.status().message();  // not "cancelled"
  EXPECT_TRUE(stats->stopped);
  EXPECT_GT(stats->frames, 10);
  EXPECT_EQ(stats->failed, 0);
  EXPECT_TRUE(sink->finished);  // the video sink's file would be finalized
  EXPECT_EQ(static_cast<int64_t>(sink->frames.size()), stats->frames);
  EXPECT_LT(took, 2.0);
}

TEST(PipelineRun, AStopBeforeTheRunEndsItAtOnce) {
  EndlessSource source;
  EchoTask task;
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(std::make_unique<RecordingSink>());
  PipelineStop stop;
  stop.request();
  PipelineOptions options;
  options.stop = &stop;
  auto stats = run_pipeline(source, task, sinks, options);
  ASSERT_TRUE(stats.is_ok()) << stats.status().message();
  EXPECT_TRUE(stats->stopped);
  EXPECT_EQ(stats->frames, 0);
}

TEST(PipelineRun, FramesThatCannotBeReadAreReportedAndTheRestRun) {
  FolderSource source(5, {1, 3});
  EchoTask task;
  std::vector<std::unique_ptr<Sink>> sinks;
  auto* sink = new RecordingSink;
  sinks.emplace_back(sink);
  auto stats = run_pipeline(source, task, sinks, {});
  ASSERT_TRUE(stats.is_ok()) << stats.status().message();
  EXPECT_EQ(stats->frames, 3);
  EXPECT_EQ(stats->failed, 2);
  EXPECT_EQ(stats->first_failure.code(), StatusCode::kIoError);
  EXPECT_NE(stats->first_failure.message().find("image_1.png"), std::string::npos);
  EXPECT_EQ(sink->frames, (std::vector<int64_t>{0, 2, 4}));
  ASSERT_EQ(sink->failures.size(), 2u);
  const auto& e = sink->failures[0];
  EXPECT_EQ(e["frame"], 1);
  EXPECT_EQ(e["source"], "image_1.png");
  EXPECT_EQ(e["error"]["exit_code"], 3);
  EXPECT_EQ(e["error"]["category"], "io_error");
  EXPECT_NE(e["error"]["message"].get<std::string>().find("truncated PNG"), std::string::npos);
  EXPECT_EQ(sink->failures[1]["frame"], 3);
}

TEST(PipelineRun, AnExceptionEndsTheRunAsAnErrorNotAnAbort) {
  FolderSource source(50, {});
  EchoTask task(/*throw_at=*/7);
  std::vector<std::unique_ptr<Sink>> sinks;
  auto* sink = new RecordingSink;
  sinks.emplace_back(sink);
  auto stats = run_pipeline(source, task, sinks, {});
  ASSERT_FALSE(stats.is_ok());
  EXPECT_EQ(stats.status().code(), StatusCode::kInternal);
  EXPECT_NE(stats.status().message().find("a library threw"), std::string::npos)
      << stats.status().message();
  EXPECT_TRUE(sink->finished);
}

}  // namespace
}  // namespace outpost
