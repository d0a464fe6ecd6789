// Fault injection on the uplink (issue 15), with the real agent, Debian's mosquitto and a
// subscriber standing for the fleet: events produced on the agent's socket (what a pipeline's
// uplink sink sends) while the broker is stopped for 30 s, while the agent is SIGKILLed in the
// middle of a drain, while the network to the broker is cut, and past the outbox's bound. Each
// case prints produced / delivered / dropped-and-reported / duplicates, and holds the
// invariant: produced = delivered + reported drops, nothing lost unreported, and a message seen
// twice only under the same id with the same content.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "core/uplink_client.h"
#include "e2e/agent_harness.h"
#include "support/child_process.h"
#include "support/mqtt_test_broker.h"
#include "support/broker_behind_proxy.h"

namespace outpost {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using testing::AgentProcess;
using testing::AgentWorld;

// What the fleet saw of the device's events: each id once with its body, the repeats, and the
// drops reported (each report counted once, by its own id).
struct Tally {
  std::map<int64_t, json> delivered;
  int64_t duplicates = 0;
  int64_t duplicates_differing = 0;
  std::map<int64_t, int64_t> drop_reports;  // report id -> count

  void add(const std::string& topic, const json& m) {
    if (topic != "outpost/v1/dev1/events") return;
    if (m.contains("drops")) {
      if (m["drops"].value("class", "") == "events")
        drop_reports[m["drops"]["id"].get<int64_t>()] = m["drops"]["count"].get<int64_t>();
      return;
    }
    const int64_t id = m["id"].get<int64_t>();
    const auto [it, inserted] = delivered.emplace(id, m["body"]);
    if (!inserted) {
      ++duplicates;
      if (it->second != m["body"]) ++duplicates_differing;
    }
  }
  int64_t dropped() const {
    int64_t n = 0;
    for (const auto& [id, count] : drop_reports) n += count;
    return n;
  }
};

class UplinkFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::have_mosquitto()) GTEST_SKIP() << "needs Debian's mosquitto (scripts/setup)";
    dir_ = testing::make_temp_dir("outpost-uplink-faults");
    world_ = std::make_unique<AgentWorld>(dir_);
    net_ = std::make_unique<testing::BrokerBehindProxy>(dir_);
    ASSERT_TRUE(net_->proxy->bound());
  }
  void TearDown() override {
    agent_.reset();
    fleet_.reset();
    net_.reset();
    if (!HasFailure() && !dir_.empty()) fs::remove_all(dir_);
  }
  // The agent, its uplink through the proxy to the broker, no deployment: only the socket and
  // the outbox matter here.
  void start_agent(int outbox_max_mb = 64) {
    if (config_.empty())
      config_ = world_->write_config(world_->state_dir(),
                                     {{"uplink",
                                       {{"device_id", "dev1"},
                                        {"broker", net_->proxied_uri()},
                                        {"outbox_max_mb", outbox_max_mb},
                                        {"backoff_min_s", 0.1},
                                        {"backoff_max_s", 1},
                                        {"report_interval_s", 3600}}}});
    agent_ = std::make_unique<AgentProcess>(config_, dir_ + "/agent.log");
    const std::string socket = world_->state_dir() + "/uplink.sock";
    const auto until = Clock::now() + std::chrono::seconds(20);
    while (!fs::exists(socket) && Clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(fs::exists(socket)) << log();
  }
  void start_fleet() {
    fleet_ = std::make_unique<testing::MqttSubscriber>(
        net_->broker->uri(), std::vector<std::string>{}, true);
  }
  std::string log() const { return testing::read_text(dir_ + "/agent.log"); }

  // Produces one event; counts it when the agent acknowledged it (stored, or refused and
  // counted in the outbox's drops).
  void produce_one(UplinkClient& client, const std::string& pad = std::string(100, 'p')) {
    auto id = client.send("events", {{"seq", seq_++}, {"pad", pad}});
    if (id.is_ok()) {
      ++produced_;
    } else {
      ADD_FAILURE() << "the agent did not take event " << seq_ - 1 << ": " << id.status().message();
    }
  }
  // Produces at `per_second` for `seconds` on a thread, while the test does something else.
  std::thread produce_for(double seconds, int per_second) {
    return std::thread([this, seconds, per_second] {
      UplinkClient client(world_->state_dir() + "/uplink.sock");
      const auto start = Clock::now();
      for (int i = 0; std::chrono::duration<double>(Clock::now() - start).count() < seconds; ++i) {
        produce_one(client);
        std::this_thread::sleep_until(start + std::chrono::microseconds(i * 1'000'000 / per_second));
      }
    });
  }
  // Reads the fleet's messages until delivered + dropped reaches what was produced (or time is
  // up), then prints the counts and checks the invariant.
  void settle_and_check(const std::string& fault, double seconds = 60) {
    const auto until = Clock::now() + std::chrono::duration<double>(seconds);
    while (static_cast<int64_t>(tally_.delivered.size()) + tally_.dropped() < produced_ &&
           Clock::now() < until)
      for (auto& [topic, m] : fleet_->receive(1000, 0.2)) tally_.add(topic, m);
    for (auto& [topic, m] : fleet_->receive(100000, 0.5)) tally_.add(topic, m);  // late repeats
    const int64_t delivered = static_cast<int64_t>(tally_.delivered.size());
    const int64_t unreported = produced_ - delivered - tally_.dropped();
    std::printf("[ fault    ] %s: produced %lld, delivered %lld, dropped and reported %lld, "
                "lost unreported %lld, duplicates %lld (all under their own id)\n",
                fault.c_str(), static_cast<long long>(produced_), static_cast<long long>(delivered),
                static_cast<long long>(tally_.dropped()), static_cast<long long>(unreported),
                static_cast<long long>(tally_.duplicates));
    EXPECT_EQ(unreported, 0) << log();
    EXPECT_EQ(tally_.duplicates_differing, 0) << "an id seen twice with different content";
    // Every event produced is accounted for by its sequence number, the dropped ones excepted.
    std::set<int64_t> seqs;
    for (const auto& [id, body] : tally_.delivered) seqs.insert(body["seq"].get<int64_t>());
    EXPECT_EQ(static_cast<int64_t>(seqs.size()), delivered) << "two ids for one event";
  }

  std::string dir_, config_;
  std::unique_ptr<AgentWorld> world_;
  std::unique_ptr<testing::BrokerBehindProxy> net_;
  std::unique_ptr<testing::MqttSubscriber> fleet_;
  std::unique_ptr<AgentProcess> agent_;
  std::atomic<int64_t> produced_{0};
  int64_t seq_ = 0;
  Tally tally_;
};

TEST_F(UplinkFaults, TheBrokerStoppedFor30SecondsWhileEventsAreProduced) {
  ASSERT_TRUE(net_->broker->start());
  start_fleet();
  ASSERT_TRUE(fleet_->ready(10));
  start_agent();
  std::thread producer = produce_for(40, 50);
  std::this_thread::sleep_for(std::chrono::seconds(5));
  net_->broker->stop(SIGTERM);  // a clean stop: mosquitto saves what it queued for the fleet
  std::this_thread::sleep_for(std::chrono::seconds(30));
  ASSERT_TRUE(net_->broker->start());
  producer.join();
  settle_and_check("broker stopped for 30 s");
  EXPECT_EQ(tally_.dropped(), 0);
}

TEST_F(UplinkFaults, TheAgentKilledInTheMiddleOfADrain) {
  start_agent();  // the broker is down: the outbox fills
  {
    UplinkClient client(world_->state_dir() + "/uplink.sock");
    for (int i = 0; i < 5000; ++i) produce_one(client);
  }
  ASSERT_TRUE(net_->broker->start());
  start_fleet();
  ASSERT_TRUE(fleet_->ready(10));
  // Once the drain is under way, SIGKILL: what the broker acknowledged is gone from the outbox,
  // what it did not is sent again by the next agent, under the same ids.
  const auto until = Clock::now() + std::chrono::seconds(30);
  while (tally_.delivered.size() < 100 && Clock::now() < until)
    for (auto& [topic, m] : fleet_->receive(100, 0.1)) tally_.add(topic, m);
  ASSERT_GE(tally_.delivered.size(), 100u) << log();
  agent_->signal(SIGKILL);
  int status = 0;
  ASSERT_TRUE(agent_->wait(10, &status));
  ASSERT_LT(tally_.delivered.size(), 5000u) << "the drain ended before the kill; nothing was tested";
  start_agent();
  settle_and_check("agent SIGKILLed mid-drain");
  EXPECT_EQ(tally_.dropped(), 0);
}

TEST_F(UplinkFaults, TheNetworkCutWithTheBrokerAlive) {
  ASSERT_TRUE(net_->broker->start());
  start_fleet();
  ASSERT_TRUE(fleet_->ready(10));
  start_agent();
  std::thread producer = produce_for(25, 50);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  net_->proxy->cut();  // nothing passes, both ends stay up: the uplink must notice by itself
  std::this_thread::sleep_for(std::chrono::seconds(15));
  net_->proxy->restore();
  producer.join();
  settle_and_check("network cut for 15 s");
  EXPECT_EQ(tally_.dropped(), 0);
  EXPECT_NE(log().find("the outbox keeps what is not sent"), std::string::npos)
      << "the cut was not noticed\n" << log();
}

TEST_F(UplinkFaults, AFloodPastTheOutboxBoundIsDroppedOldestFirstAndReported) {
  start_agent(/*outbox_max_mb=*/1);  // the broker is down
  {
    UplinkClient client(world_->state_dir() + "/uplink.sock");
    const std::string pad(500, 'f');
    for (int i = 0; i < 5000; ++i) produce_one(client, pad);  // about 2.7 MB into 1 MB
  }
  ASSERT_TRUE(net_->broker->start());
  start_fleet();
  ASSERT_TRUE(fleet_->ready(10));
  settle_and_check("flood of 2.7 MB into a 1 MB outbox");
  EXPECT_GT(tally_.dropped(), 3000);
  EXPECT_GT(tally_.delivered.size(), 1000u);
  // Drop-oldest: what arrived is the newest events.
  int64_t oldest = INT64_MAX;
  for (const auto& [id, body] : tally_.delivered) oldest = std::min(oldest, body["seq"].get<int64_t>());
  EXPECT_EQ(oldest, produced_ - static_cast<int64_t>(tally_.delivered.size()));
}

}  // namespace
}  // namespace outpost
