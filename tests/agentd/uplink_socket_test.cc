// A module's events reach the agent's outbox through its Unix socket: stored before answered,
// under ids that only grow and topics of the device; refusals and producer losses are counted
// in the outbox's drop reports; malformed requests are answered with an error, never a crash.
// The pipeline's uplink sink on top of it: events wait in memory while the agent is away, go in
// once it answers, and what overflowed its bound is reported as a drop.
#include "agentd/uplink_socket_server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>

#include "core/uplink_client.h"
#include "pipeline/uplink_sink.h"
#include "support/test_paths.h"

namespace outpost::agentd {
namespace {

using nlohmann::json;

class UplinkSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("outpost-uplink-sock");
    agent::OutboxOptions o;
    o.path = dir_ + "/outbox.db";
    o.max_bytes = 1 << 20;
    auto box = agent::Outbox::open(o);
    ASSERT_TRUE(box.is_ok()) << box.status().message();
    outbox_ = std::move(*box);
  }
  void TearDown() override {
    server_.reset();
    outbox_.reset();
    std::filesystem::remove_all(dir_);
  }
  void start_server() {
    auto s = UplinkSocketServer::start(socket_path(), "outpost/v1/dev1/", *outbox_);
    ASSERT_TRUE(s.is_ok()) << s.status().message();
    server_ = std::move(*s);
  }
  std::string socket_path() const { return dir_ + "/uplink.sock"; }
  // A sink to this test's socket, no metrics, retrying every 10 ms.
  UplinkSinkOptions sink_options() const {
    UplinkSinkOptions o;
    o.socket_path = socket_path();
    o.metrics_interval_s = 0;
    o.retry_min_s = o.retry_max_s = 0.01;
    return o;
  }
  std::vector<agent::OutboxMessage> stored() {
    auto m = outbox_->peek(100000);
    EXPECT_TRUE(m.is_ok());
    return m.is_ok() ? *m : std::vector<agent::OutboxMessage>{};
  }
  std::map<std::string, int64_t> drops() {
    std::map<std::string, int64_t> out;
    auto reports = outbox_->drop_reports();
    EXPECT_TRUE(reports.is_ok());
    if (reports.is_ok())
      for (const agent::DropReport& d : *reports) out[d.message_class + "/" + d.reason] += d.count;
    return out;
  }
  // One raw line in, one answer out, over a connection of its own.
  json raw_request(const std::string& line) {
    const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof(a.sun_path), "%s", socket_path().c_str());
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    EXPECT_EQ(write(fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
    std::string answer;
    char c;
    while (read(fd, &c, 1) == 1 && c != '\n') answer += c;
    close(fd);
    return json::parse(answer, nullptr, false);
  }

  std::string dir_;
  std::unique_ptr<agent::Outbox> outbox_;
  std::unique_ptr<UplinkSocketServer> server_;
};

TEST_F(UplinkSocketTest, EventsAreStoredUnderGrowingIdsOnTheDevicesTopics) {
  start_server();
  UplinkClient client(socket_path());
  int64_t last = 0;
  for (int i = 0; i < 20; ++i) {
    auto id = client.send(i % 4 == 3 ? "metrics" : "events", {{"frame", i}});
    ASSERT_TRUE(id.is_ok()) << id.status().message();
    EXPECT_GT(*id, last);
    last = *id;
  }
  const auto messages = stored();
  ASSERT_EQ(messages.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    const bool metric = i % 4 == 3;
    EXPECT_EQ(messages[i].message_class, metric ? "metrics" : "events");
    EXPECT_EQ(messages[i].topic, metric ? "outpost/v1/dev1/metrics" : "outpost/v1/dev1/events");
    EXPECT_EQ(json::parse(messages[i].payload)["frame"], i);
  }
  EXPECT_EQ(server_->stats().stored, 20);
}

TEST_F(UplinkSocketTest, TheSocketIsTheOwnersOnlyAndGoneWhenTheServerStops) {
  start_server();
  struct stat st {};
  ASSERT_EQ(stat(socket_path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  server_.reset();
  EXPECT_FALSE(std::filesystem::exists(socket_path()));
  UplinkClient client(socket_path());
  auto id = client.send("events", {{"frame", 0}});
  ASSERT_FALSE(id.is_ok());
  EXPECT_EQ(id.status().code(), StatusCode::kNetwork);
  EXPECT_NE(id.status().message().find(socket_path()), std::string::npos) << id.status().message();
}

TEST_F(UplinkSocketTest, AStaleSocketFileOfAKilledAgentIsReplaced) {
  start_server();
  server_.reset();
  // What a SIGKILLed agent leaves behind: the file without a listener.
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof(a.sun_path), "%s", socket_path().c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  close(fd);
  start_server();
  UplinkClient client(socket_path());
  EXPECT_TRUE(client.send("events", {{"frame", 1}}).is_ok());
}

TEST_F(UplinkSocketTest, MalformedRequestsGetAnErrorAndTheConnectionGoesOn) {
  start_server();
  EXPECT_TRUE(raw_request("not json\n").contains("error"));
  EXPECT_TRUE(raw_request("[1,2]\n").contains("error"));
  EXPECT_TRUE(raw_request(R"({"class": "state", "body": {}})" "\n").contains("error"));
  EXPECT_TRUE(raw_request(R"({"class": "events"})" "\n").contains("error"));
  EXPECT_TRUE(raw_request(R"({"class": "events", "body": 1, "extra": 2})" "\n").contains("error"));
  EXPECT_TRUE(raw_request(R"({"drops": {"class": "events", "count": -1, "bytes": 0, "first_ms": 0, "last_ms": 0}})" "\n")
                  .contains("error"));
  EXPECT_TRUE(raw_request(R"({"drops": {"class": "events", "count": 1}})" "\n").contains("error"));
  // The server goes on serving well-formed requests.
  UplinkClient client(socket_path());
  EXPECT_TRUE(client.send("events", {{"ok", true}}).is_ok());
  EXPECT_EQ(server_->stats().bad_requests, 7);
  EXPECT_EQ(stored().size(), 1u);
  EXPECT_TRUE(drops().empty());
}

TEST_F(UplinkSocketTest, ALineLongerThanTheLimitIsRefusedAndTheServerKeepsServing) {
  start_server();
  const json answer = raw_request(std::string(kMaxUplinkLineBytes + 10, 'x'));
  ASSERT_TRUE(answer.contains("error")) << answer;
  UplinkClient client(socket_path());
  auto too_big = client.send("events", {{"blob", std::string(kMaxUplinkLineBytes, 'y')}});
  ASSERT_FALSE(too_big.is_ok());
  EXPECT_EQ(too_big.status().code(), StatusCode::kUsage);
  EXPECT_TRUE(client.send("events", {{"small", 1}}).is_ok());
}

TEST_F(UplinkSocketTest, ProducerLossesBecomeDropReportsWithTheirTimeSpan) {
  start_server();
  UplinkClient client(socket_path());
  ASSERT_TRUE(client.report_drops("events", 12, 3400, 1'700'000'000'000, 1'700'000'005'000).is_ok());
  ASSERT_TRUE(client.report_drops("events", 3, 600, 1'700'000'006'000, 1'700'000'007'000).is_ok());
  auto reports = outbox_->drop_reports();
  ASSERT_TRUE(reports.is_ok());
  ASSERT_EQ(reports->size(), 1u);
  const agent::DropReport& d = reports->front();
  EXPECT_EQ(d.message_class, "events");
  EXPECT_EQ(d.reason, "unreachable");
  EXPECT_EQ(d.count, 15);
  EXPECT_EQ(d.bytes, 4000);
  EXPECT_EQ(d.first_ms, 1'700'000'000'000);
  EXPECT_EQ(d.last_ms, 1'700'000'007'000);
  EXPECT_EQ(server_->stats().producer_drops, 15);
}

TEST_F(UplinkSocketTest, AFullOutboxRefusesAndCountsItNotTheProducer) {
  // An outbox so small that events (drop-oldest) can only replace each other, and a state
  // message (refuse-new, higher priority) holds the room: a new event is refused.
  server_.reset();
  outbox_.reset();
  std::filesystem::remove_all(dir_);
  dir_ = testing::make_temp_dir("outpost-uplink-sock");
  agent::OutboxOptions o;
  o.path = dir_ + "/outbox.db";
  o.max_bytes = 400;
  auto box = agent::Outbox::open(o);
  ASSERT_TRUE(box.is_ok());
  outbox_ = std::move(*box);
  ASSERT_TRUE(outbox_->put("state", "outpost/v1/dev1/reported", std::string(300, 's')).is_ok());
  start_server();
  UplinkClient client(socket_path());
  auto id = client.send("events", {{"blob", std::string(200, 'e')}});
  ASSERT_TRUE(id.is_ok()) << id.status().message();
  EXPECT_EQ(*id, 0);
  EXPECT_EQ(server_->stats().refused, 1);
  EXPECT_EQ(drops()["events/refused"], 1);
}

Frame frame_at(int64_t index) {
  Frame f;
  f.index = index;
  return f;
}

TEST_F(UplinkSocketTest, TheSinkKeepsEventsWhileTheAgentIsAwayAndHandsThemOverLater) {
  UplinkSinkOptions o = sink_options();
  auto sink = make_uplink_sink(o);
  ASSERT_TRUE(sink.is_ok()) << sink.status().message();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE((*sink)->write(frame_at(i), {{"frame", i}}, nullptr).is_ok());
  EXPECT_TRUE(stored().empty());  // no agent yet
  start_server();
  usleep(20'000);  // past the retry delay
  for (int i = 5; i < 8; ++i) ASSERT_TRUE((*sink)->write(frame_at(i), {{"frame", i}}, nullptr).is_ok());
  ASSERT_TRUE((*sink)->finish().is_ok());
  const auto messages = stored();
  ASSERT_EQ(messages.size(), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(json::parse(messages[i].payload)["frame"], i) << i;
  EXPECT_EQ((*sink)->summary()["uplink"]["stored"], 8);
  EXPECT_EQ((*sink)->summary()["uplink"]["lost"], 0);
}

TEST_F(UplinkSocketTest, TheSinksOverflowWhileAwayIsReportedAsDropsOnceTheAgentAnswers) {
  UplinkSinkOptions o = sink_options();
  o.max_pending = 4;
  auto sink = make_uplink_sink(o);
  ASSERT_TRUE(sink.is_ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*sink)->write(frame_at(i), {{"frame", i}}, nullptr).is_ok());
  start_server();
  ASSERT_TRUE((*sink)->finish().is_ok());
  // The newest four were kept; the six oldest were lost, and the outbox says so.
  const auto messages = stored();
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(json::parse(messages[0].payload)["frame"], 6);
  EXPECT_EQ(drops()["events/unreachable"], 6);
  EXPECT_EQ((*sink)->summary()["uplink"]["lost"], 6);
  EXPECT_EQ((*sink)->summary()["uplink"]["lost_unreported"], 0);
}

TEST_F(UplinkSocketTest, TheSinkFailsTheRunWhenItCouldNeitherDeliverNorReport) {
  UplinkSinkOptions o = sink_options();
  o.finish_timeout_s = 0.05;
  auto sink = make_uplink_sink(o);
  ASSERT_TRUE(sink.is_ok());
  ASSERT_TRUE((*sink)->write(frame_at(0), {{"frame", 0}}, nullptr).is_ok());
  const Status s = (*sink)->finish();
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), StatusCode::kNetwork);
  EXPECT_NE(s.message().find("1 message(s)"), std::string::npos) << s.message();
  EXPECT_EQ((*sink)->summary()["uplink"]["lost_unreported"], 1);
}

TEST_F(UplinkSocketTest, TheSinkSendsAMetricsSampleAtTheEnd) {
  start_server();
  UplinkSinkOptions o;
  o.socket_path = socket_path();
  o.metrics_interval_s = 3600;
  auto sink = make_uplink_sink(o);
  ASSERT_TRUE(sink.is_ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*sink)->write(frame_at(i), {{"frame", i}}, nullptr).is_ok());
  ASSERT_TRUE((*sink)->write_failure(frame_at(3), {{"frame", 3}, {"error", "x"}}).is_ok());
  ASSERT_TRUE((*sink)->finish().is_ok());
  const auto messages = stored();
  ASSERT_EQ(messages.size(), 5u);
  EXPECT_EQ(messages[4].message_class, "metrics");
  const json sample = json::parse(messages[4].payload);
  EXPECT_EQ(sample["type"], "pipeline_metrics");
  EXPECT_EQ(sample["frames"], 3);
  EXPECT_EQ(sample["failed"], 1);
}

TEST(UplinkSink, WithoutASocketItSaysHowToGetOne) {
  auto sink = make_uplink_sink({});
  ASSERT_FALSE(sink.is_ok());
  EXPECT_EQ(sink.status().code(), StatusCode::kUsage);
  EXPECT_NE(sink.status().message().find("OUTPOST_UPLINK_SOCKET"), std::string::npos);
}

TEST(UplinkSocketServerPath, APathTooLongForASocketIsAUsageErrorNamingIt) {
  const std::string dir = testing::make_temp_dir("outpost-uplink-long");
  agent::OutboxOptions o;
  o.path = dir + "/outbox.db";
  auto outbox = agent::Outbox::open(o);
  ASSERT_TRUE(outbox.is_ok());
  const std::string path = dir + "/" + std::string(120, 'a') + ".sock";
  auto s = UplinkSocketServer::start(path, "outpost/v1/dev1/", **outbox);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUsage);
  EXPECT_NE(s.status().message().find("state_dir"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace outpost::agentd
