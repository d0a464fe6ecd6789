// The agent with an uplink (docs/mqtt.md): its reported state reaches a real broker (Debian's
// mosquitto on a loopback port) on outpost/v1/<device>/reported as it changes (running, the
// deployment it runs, stopped) and, unchanged, every report interval. A broker that is down at first gets what accumulated in the
// outbox once it is up.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "agent/signed_manifest.h"
#include "e2e/agent_harness.h"
#include "support/child_process.h"
#include "support/model_paths.h"
#include "support/mqtt_test_broker.h"

namespace outpost {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::AgentProcess;
using testing::AgentWorld;

class AgentUplinkCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::have_mosquitto()) GTEST_SKIP() << "needs Debian's mosquitto (scripts/setup)";
    dir_ = testing::make_temp_dir("outpost-agent-uplink");
    world_ = std::make_unique<AgentWorld>(dir_);
    broker_ = std::make_unique<testing::MosquittoBroker>(dir_, testing::free_tcp_port());
    config_ = world_->write_config(
        world_->state_dir(), {{"uplink",
                               {{"device_id", "dev1"},
                                {"broker", broker_->uri()},
                                {"backoff_min_s", 0.1},
                                {"backoff_max_s", 1},
                                {"report_interval_s", 1}}}});
  }
  void TearDown() override {
    agent_.reset();
    broker_.reset();
    if (!HasFailure() && !dir_.empty()) fs::remove_all(dir_);
  }
  std::string log() const { return testing::read_text(dir_ + "/agent.log"); }

  // Reported states received until one satisfies `done` (true) or time runs out (false).
  bool receive_until(testing::MqttSubscriber& sub, const std::function<bool(const json&)>& done,
                     std::vector<json>* seen, double seconds = 30) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until) {
      for (auto& [topic, message] : sub.receive(1, 0.5)) {
        EXPECT_EQ(topic, "outpost/v1/dev1/reported");
        seen->push_back(message["body"]);
        if (done(message["body"])) return true;
      }
    }
    return false;
  }
  static bool runs_v1(const json& s) {
    return s.value("agent", "") == "idle" && s.contains("modules") && s["modules"].size() == 1 &&
           s["modules"][0].value("process", "") == "running" &&
           s["modules"][0]["bundles"][0].value("version", "") == "1.0.0";
  }
  // Starts the broker, a subscriber and the agent, deploys version 1 and waits until its
  // reported state says it runs.
  void run_v1_with_fleet_listening(testing::MqttSubscriber& fleet, std::vector<json>* seen) {
    ASSERT_TRUE(broker_->start());
    ASSERT_TRUE(fleet.ready(10));
    agent_ = std::make_unique<AgentProcess>(config_, dir_ + "/agent.log");
    deploy_v1();
    ASSERT_TRUE(receive_until(fleet, runs_v1, seen)) << seen->size() << " states\n" << log();
  }
  void deploy_v1() {
    const std::string v1 = world_->make_bundle("adder", "1.0.0", false);
    world_->publish(world_->manifest(1, {AgentWorld::bundle_ref(v1, "adder", "1.0.0")}), "v1.json");
  }

  std::string dir_, config_;
  std::unique_ptr<AgentWorld> world_;
  std::unique_ptr<testing::MosquittoBroker> broker_;
  std::unique_ptr<AgentProcess> agent_;
};

TEST_F(AgentUplinkCli, ReportedStateReachesTheBrokerAsItChanges) {
  testing::MqttSubscriber fleet(broker_->uri());
  std::vector<json> seen;
  run_v1_with_fleet_listening(fleet, &seen);
  if (HasFatalFailure()) return;
  // Unchanged, it is reported again every report_interval_s (1 s here).
  const json steady = seen.back();
  std::vector<json> again;
  EXPECT_TRUE(receive_until(fleet, [&](const json& s) { return s == steady; }, &again, 5))
      << "the unchanged state was not reported again\n" << log();
  EXPECT_TRUE(agent_->stop()) << log();
  ASSERT_TRUE(receive_until(fleet, [](const json& s) { return s.value("agent", "") == "stopped"; },
                            &seen, 10))
      << "the agent's last report, sent as it stops\n" << log();
}

TEST_F(AgentUplinkCli, ABrokerDownAtFirstGetsTheStatesTheOutboxKept) {
  testing::MqttSubscriber fleet(broker_->uri());  // waits for the broker in its own process
  agent_ = std::make_unique<AgentProcess>(config_, dir_ + "/agent.log");
  deploy_v1();
  ASSERT_TRUE(world_->wait_for(world_->state_dir(), [](const agentd::ReportedState& r) {
    return r.agent == "idle" && r.modules.size() == 1 && r.modules[0].process == "running";
  })) << log();
  ASSERT_TRUE(broker_->start());
  ASSERT_TRUE(fleet.ready(10));
  std::vector<json> seen;
  ASSERT_TRUE(receive_until(fleet, runs_v1, &seen)) << seen.size() << " states\n" << log();
  EXPECT_TRUE(agent_->stop()) << log();
  // The outage is in the log once (not at every retry), and its end too.
  const std::string text = log();
  const size_t first = text.find("the outbox keeps what is not sent, retrying");
  EXPECT_NE(first, std::string::npos) << text;
  EXPECT_EQ(text.find("the outbox keeps what is not sent, retrying", first + 1), std::string::npos)
      << text;
  EXPECT_NE(text.find("reached again"), std::string::npos) << text;
}

// A damaged outbox (here: not a database at all) does not keep the agent from running: it is
// moved aside, a new one is started, and the reports flow.
TEST_F(AgentUplinkCli, ADamagedOutboxIsMovedAsideAndTheAgentRuns) {
  fs::create_directories(world_->state_dir());
  std::ofstream(world_->state_dir() + "/outbox.db") << std::string(8192, 'x');
  testing::MqttSubscriber fleet(broker_->uri());
  std::vector<json> seen;
  run_v1_with_fleet_listening(fleet, &seen);
  if (HasFatalFailure()) return;
  EXPECT_NE(log().find("starting an empty outbox"), std::string::npos) << log();
  bool aside = false;
  for (const auto& e : fs::directory_iterator(world_->state_dir()))
    aside = aside || e.path().filename().string().rfind("outbox.db.damaged-", 0) == 0;
  EXPECT_TRUE(aside) << "the damaged file is kept for whoever wants to look";
  EXPECT_TRUE(agent_->stop()) << log();
}

// The fleet publishes the signed manifest, retained, on the device's desired topic: the agent
// applies it as it would one from its directory, and refuses a tampered one the same way.
TEST_F(AgentUplinkCli, ARetainedSignedManifestOnTheDesiredTopicIsApplied) {
  ASSERT_TRUE(broker_->start());
  const std::string v1 = world_->make_bundle("adder", "1.0.0", false);
  auto signed_text = agent::sign_manifest(
      world_->manifest(1, {AgentWorld::bundle_ref(v1, "adder", "1.0.0")}).dump(2),
      world_->publisher());
  ASSERT_TRUE(signed_text.is_ok()) << signed_text.status().message();
  // Published before the agent runs: the broker hands the retained manifest to its subscription.
  ASSERT_TRUE(testing::publish_retained(broker_->uri(), "outpost/v1/dev1/desired", *signed_text));
  agent_ = std::make_unique<AgentProcess>(config_, dir_ + "/agent.log");
  auto r = world_->wait_for(world_->state_dir(), [](const agentd::ReportedState& s) {
    return s.agent == "idle" && s.modules.size() == 1 && s.modules[0].process == "running";
  });
  ASSERT_TRUE(r) << log();
  EXPECT_EQ(r->modules[0].bundles.at(0).version, "1.0.0");
  EXPECT_NE(log().find("MQTT topic 'outpost/v1/dev1/desired'"), std::string::npos) << log();
  EXPECT_TRUE(world_->eventually_answers(5)) << log();

  // A version 2 changed after signing: refused, and version 1 keeps running.
  const std::string v2 = world_->make_bundle("adder", "1.1.0", true);
  auto v2_text = agent::sign_manifest(
      world_->manifest(2, {AgentWorld::bundle_ref(v2, "adder", "1.1.0")}).dump(2),
      world_->publisher());
  ASSERT_TRUE(v2_text.is_ok());
  // One character of the signed manifest (base64 in the envelope) changed on the way.
  json envelope = json::parse(*v2_text);
  std::string body = envelope.at("signed").get<std::string>();
  char& c = body[body.size() / 2];
  c = c == 'A' ? 'B' : 'A';
  envelope["signed"] = body;
  const std::string tampered = envelope.dump();
  ASSERT_TRUE(testing::publish_retained(broker_->uri(), "outpost/v1/dev1/desired", tampered));
  auto refused = world_->wait_for(world_->state_dir(), [](const agentd::ReportedState& s) {
    return !s.last_error.empty();
  }, 20);
  ASSERT_TRUE(refused) << log();
  EXPECT_NE(refused->last_error.find("changed after signing"), std::string::npos)
      << refused->last_error;
  EXPECT_EQ(refused->modules.at(0).bundles.at(0).version, "1.0.0");
  EXPECT_TRUE(agent_->stop()) << log();
}

// A pipeline module's events go through the agent's outbox to the broker: the module finds the
// agent's socket in OUTPOST_UPLINK_SOCKET, each event is stored before the sink goes on, and
// the fleet receives every frame's event (and the metrics sample) on the device's topics.
TEST_F(AgentUplinkCli, APipelineModulesEventsReachTheBrokerThroughTheOutbox) {
  const std::string model = testing::model_path("face_detection_short_range.tflite");
  const std::string image = testing::skimage_path("astronaut.png");
  OUTPOST_SKIP_UNLESS_EXISTS(model);
  OUTPOST_SKIP_UNLESS_EXISTS(image);
  // The module's files: a signed bundle of the face detector, and a pipeline over five frames.
  const std::string frames = dir_ + "/frames";
  fs::create_directories(frames);
  for (int i = 0; i < 5; ++i) fs::copy_file(image, frames + "/f" + std::to_string(i) + ".png");
  const std::string bundle = world_->pack_model_bundle(model, "faces", "1.0.0");
  const std::string pipeline = dir_ + "/repo/pipeline.json";
  std::ofstream(pipeline) << json{{"source", frames},
                                  {"model", "faces.opk"},
                                  {"task", "faces"},
                                  {"sinks", {{{"type", "uplink"}, {"metrics_interval_s", 3600}}}}}
                                 .dump();
  const std::string pipeline_text = testing::read_text(pipeline);
  json manifest = world_->manifest(1, {});
  manifest["modules"] = {{{"name", "door"},
                          {"run", "pipeline"},
                          {"pipeline",
                           {{"url", "file://" + pipeline},
                            {"sha256", agentd::sha256_hex(pipeline_text)},
                            {"size", pipeline_text.size()}}},
                          {"bundles", {AgentWorld::bundle_ref(bundle, "faces", "1.0.0")}},
                          {"restart", {{"policy", "never"}}}}};
  ASSERT_TRUE(broker_->start());
  testing::MqttSubscriber fleet(broker_->uri());
  ASSERT_TRUE(fleet.ready(10));
  agent_ = std::make_unique<AgentProcess>(config_, dir_ + "/agent.log");
  world_->publish(manifest, "v1.json");

  std::set<int64_t> frames_seen, ids;
  std::vector<json> samples;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while ((frames_seen.size() < 5 || samples.empty()) && std::chrono::steady_clock::now() < until) {
    for (auto& [topic, message] : fleet.receive(1, 0.5)) {
      if (topic == "outpost/v1/dev1/events" && message.contains("body")) {
        EXPECT_EQ(message["class"], "events");
        EXPECT_TRUE(ids.insert(message["id"].get<int64_t>()).second) << "an id twice: " << message;
        EXPECT_EQ(message["body"]["faces"].size(), 1u) << message;
        frames_seen.insert(message["body"]["frame"].get<int64_t>());
      } else if (topic == "outpost/v1/dev1/metrics") {
        samples.push_back(message["body"]);
      }
    }
  }
  EXPECT_EQ(frames_seen, (std::set<int64_t>{0, 1, 2, 3, 4}))
      << log() << testing::read_text(world_->state_dir() + "/logs/door.log");
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0]["type"], "pipeline_metrics");
  EXPECT_EQ(samples[0]["frames"], 5);
  const std::string module_log = testing::read_text(world_->state_dir() + "/logs/door.log");
  EXPECT_NE(module_log.find("uplink: 6 events and samples stored by the agent"), std::string::npos)
      << module_log;
  EXPECT_TRUE(agent_->stop()) << log();
}

}  // namespace
}  // namespace outpost
