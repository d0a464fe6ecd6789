// Session::trace: one timing per node per run, in execution order, on one time line.
#include <gtest/gtest.h>

#include <memory>

#include "outpost/session.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

std::unique_ptr<Session> open_add_model(const std::string& backend) {
  auto bytes = std::make_shared<std::vector<uint8_t>>(
      testing::build_tflite(testing::add_model_spec()));
  SessionOptions options;
  options.backend = backend;
  options.threads = 1;
  auto s = Session::open_buffer(bytes->data(), bytes->size(), bytes, "add.tflite", options);
  EXPECT_TRUE(s.is_ok()) << s.status().message();
  return s.is_ok() ? std::move(s).value() : nullptr;
}

TEST(SessionTrace, OneTimingPerNodePerRunInOrder) {
  for (const char* backend : {"ref", "auto"}) {
    auto session = open_add_model(backend);
    ASSERT_NE(session, nullptr);
    const int nodes = session->stats().nodes_executed;
    ASSERT_GT(nodes, 0);
    auto trace = session->trace(3);
    ASSERT_TRUE(trace.is_ok()) << trace.status().message();
    ASSERT_EQ(trace->size(), static_cast<size_t>(3 * nodes));
    double end = 0;
    for (size_t i = 0; i < trace->size(); ++i) {
      const NodeTiming& t = (*trace)[i];
      EXPECT_EQ(t.run, static_cast<int>(i) / nodes);
      EXPECT_FALSE(t.node.empty());
      EXPECT_EQ(t.op, "Add");
      EXPECT_TRUE(t.backend == "ref" || t.backend == "xnnpack") << t.backend;
      EXPECT_GE(t.ms, 0.0);
      EXPECT_GE(t.start_ms + 1e-9, end) << "node " << i << " starts before the previous ended";
      end = t.start_ms + t.ms;
    }
    EXPECT_EQ((*trace)[0].start_ms, 0.0);
    // The node keeps its model name, the same in every run.
    EXPECT_EQ((*trace)[0].node, (*trace)[static_cast<size_t>(nodes)].node);
  }
}

TEST(SessionTrace, NeedsARun) {
  auto session = open_add_model("ref");
  ASSERT_NE(session, nullptr);
  auto trace = session->trace(0);
  ASSERT_FALSE(trace.is_ok());
  EXPECT_EQ(trace.status().code(), StatusCode::kUsage);
}

}  // namespace
}  // namespace outpost
