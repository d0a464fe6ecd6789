// The pipeline with live sources: a live source whose model falls behind drops the oldest
// waiting frames (counted) instead of slowing down, a file source never drops one, and a real
// RTSP stream (GStreamer's server, started by the test) runs through it as a live source.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "pipeline/pipeline.h"
#include "support/rtsp_test_server.h"

namespace outpost {
namespace {

// Frames as fast as the pipeline takes them (a camera that never waits).
class CountingSource final : public FrameSource {
 public:
  CountingSource(int64_t count, bool live) : count_(count), live_(live) {}
  Result<std::optional<Frame>> next() override {
    if (next_ >= count_) return std::optional<Frame>();
    Frame frame;
    frame.image = Image::blank(8, 8, 3);
    frame.index = next_++;
    frame.origin = "counter";
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    return std::optional<Frame>(std::move(frame));
  }
  bool live() const override { return live_; }
  std::string describe() const override { return "counter"; }

 private:
  int64_t count_, next_ = 0;
  bool live_;
};

// A model that takes `delay` per frame.
class SlowTask final : public VisionTask {
 public:
  explicit SlowTask(std::chrono::milliseconds delay) : delay_(delay) {}
  Result<nlohmann::json> process(const Frame& frame, Image*, TaskTimes*) override {
    std::this_thread::sleep_for(delay_);
    return nlohmann::json{{"frame", frame.index}};
  }

 private:
  std::chrono::milliseconds delay_;
};

// Remembers the frame indices that reached the sinks.
class RecordingSink final : public Sink {
 public:
  explicit RecordingSink(std::vector<int64_t>* seen) : seen_(seen) {}
  Status write(const Frame& frame, const nlohmann::json&, const Image*) override {
    seen_->push_back(frame.index);
    return Status::ok();
  }

 private:
  std::vector<int64_t>* seen_;
};

Result<PipelineStats> run(FrameSource& source, VisionTask& task, std::vector<int64_t>* seen,
                          size_t queue_size, int64_t max_frames = -1) {
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(std::make_unique<RecordingSink>(seen));
  PipelineOptions options;
  options.queue_size = queue_size;
  options.max_frames = max_frames;
  return run_pipeline(source, task, sinks, options);
}

TEST(PipelineLive, ALiveSourceDropsTheOldestFramesWhenTheModelFallsBehind) {
  CountingSource source(200, /*live=*/true);
  SlowTask task(std::chrono::milliseconds(2));
  std::vector<int64_t> seen;
  auto stats = run(source, task, &seen, 2);
  ASSERT_TRUE(stats.is_ok()) << stats.status().message();
  EXPECT_GT(stats->dropped, 0);
  EXPECT_EQ(stats->frames + stats->dropped, 200);  // every frame is either processed or dropped
  EXPECT_EQ(static_cast<int64_t>(seen.size()), stats->frames);
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_GT(seen[i], seen[i - 1]);  // still in order
  EXPECT_EQ(seen.back(), 199);  // the newest frame is never the one dropped
}

TEST(PipelineLive, AFileSourceNeverDrops) {
  CountingSource source(200, /*live=*/false);
  SlowTask task(std::chrono::milliseconds(1));
  std::vector<int64_t> seen;
  auto stats = run(source, task, &seen, 2);
  ASSERT_TRUE(stats.is_ok()) << stats.status().message();
  EXPECT_EQ(stats->dropped, 0);
  EXPECT_EQ(stats->frames, 200);
}

TEST(PipelineLive, AnRtspStreamIsALiveSource) {
  std::string why_not;
  const std::string python = testing::rtsp_server_python(&why_not);
  if (python.empty()) GTEST_SKIP() << why_not;
  std::string error;
  auto server = testing::RtspTestServer::start(python, testing::free_tcp_port(), &error);
  ASSERT_TRUE(server) << error;
  EXPECT_EQ(guess_source_kind(server->url()), SourceKind::kStream);
  auto source = open_frame_source(SourceKind::kStream, server->url());
  ASSERT_TRUE(source.is_ok()) << source.status().message();
  EXPECT_TRUE((*source)->live());
  EXPECT_NEAR((*source)->frames_per_second(), 15, 0.5);
  EXPECT_NE((*source)->describe().find("live stream 320x240"), std::string::npos)
      << (*source)->describe();
  // 15 frames a second into a model that needs 150 ms for one: about half must be dropped.
  SlowTask task(std::chrono::milliseconds(150));
  std::vector<int64_t> seen;
  auto stats = run(**source, task, &seen, 1, /*max_frames=*/24);
  ASSERT_TRUE(stats.is_ok()) << stats.status().message();
  EXPECT_GT(stats->dropped, 3);
  EXPECT_EQ(stats->frames + stats->dropped, 24);
  EXPECT_EQ(stats->reconnects, 0);
}

}  // namespace
}  // namespace outpost
