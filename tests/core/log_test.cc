// The one logger: levels filter, the sink receives, and without a sink nothing is written.
#include "core/log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace outpost {
namespace {

class Log : public ::testing::Test {
 protected:
  void TearDown() override {
    set_log_sink({});
    set_log_level(LogLevel::kWarning);
  }
};

TEST_F(Log, LevelFiltersWhatReachesTheSink) {
  std::vector<std::string> seen;
  set_log_sink([&](LogLevel level, std::string_view m) {
    seen.push_back(std::string(log_level_name(level)) + ":" + std::string(m));
  });
  EXPECT_EQ(log_level(), LogLevel::kWarning);  // the default
  OUTPOST_LOG_DEBUG("hidden " << 1);
  OUTPOST_LOG_WARNING("shown " << 2);
  set_log_level(LogLevel::kDebug);
  OUTPOST_LOG_DEBUG("now " << 3 << " " << std::pair<int, int>(4, 5).second);
  set_log_level(LogLevel::kError);
  OUTPOST_LOG_INFO("hidden again");
  OUTPOST_LOG_ERROR("always");
  EXPECT_EQ(seen, (std::vector<std::string>{"warning:shown 2", "debug:now 3 5", "error:always"}));
}

TEST_F(Log, DisabledLevelsDoNotFormat) {
  int formatted = 0;
  auto count = [&] { return ++formatted; };
  OUTPOST_LOG_DEBUG("x" << count());
  EXPECT_EQ(formatted, 0);
  set_log_level(LogLevel::kDebug);
  OUTPOST_LOG_DEBUG("x" << count());  // no sink: formatted, then dropped
  EXPECT_EQ(formatted, 1);
}

TEST_F(Log, ParsesLevelNames) {
  EXPECT_EQ(parse_log_level("debug"), LogLevel::kDebug);
  EXPECT_EQ(parse_log_level("warn"), LogLevel::kWarning);
  EXPECT_EQ(parse_log_level("warning"), LogLevel::kWarning);
  EXPECT_FALSE(parse_log_level("loud").has_value());
}

}  // namespace
}  // namespace outpost
