// The edge gateway's broker configuration and relay, with Debian's mosquitto run on the
// configuration the agent writes (agentd/gateway.h) and children as real MQTT clients in
// processes of their own: each child's telemetry lands in the outbox under its own topic, a
// desired state handed down reaches its child alone, the ACL keeps children off each other's
// topics, and a wrong password is refused.
#include "agentd/gateway.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "support/child_process.h"
#include "support/mqtt_test_broker.h"
#include "support/test_pki.h"
#include "support/test_paths.h"

namespace outpost::agentd {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using testing::MqttChildDevice;

std::string read_log(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class GatewayRelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::have_mosquitto()) GTEST_SKIP() << "needs Debian's mosquitto (scripts/setup)";
    dir_ = testing::make_temp_dir("outpost-gw");  // short: the relay's socket path is bounded
    fs::create_directories(dir_ + "/gateway");
    fs::permissions(dir_ + "/gateway", fs::perms::owner_all);
    config_.listen_host = "127.0.0.1";
    config_.listen_port = testing::free_tcp_port();
    config_.password_file = dir_ + "/children.passwd";
    config_.children = {"sensor-1", "sensor-2"};
    ASSERT_TRUE(testing::make_password_file(config_.password_file,
                                            {{"sensor-1", "pw-one"}, {"sensor-2", "pw-two"}}));
    agent::OutboxOptions o;
    o.path = dir_ + "/outbox.db";
    auto box = agent::Outbox::open(o);
    ASSERT_TRUE(box.is_ok()) << box.status().message();
    outbox_ = std::move(*box);
  }
  void TearDown() override {
    relay_.reset();
    if (broker_pid_ > 0) {
      kill(broker_pid_, SIGTERM);
      waitpid(broker_pid_, nullptr, 0);
    }
    if (!dir_.empty() && !HasFailure()) fs::remove_all(dir_);
  }
  // mosquitto on the configuration the agent writes, and the relay.
  void start_gateway() {
    const std::string gw = dir_ + "/gateway";
    std::ofstream(gw + "/acl") << gateway_acl();
    const passwd* me = getpwuid(geteuid());
    std::ofstream(gw + "/mosquitto.conf") << gateway_broker_config(config_, gw, me->pw_name);
    broker_pid_ = fork();
    if (broker_pid_ == 0) {
      freopen((dir_ + "/mosquitto.log").c_str(), "a", stderr);
      execlp("mosquitto", "mosquitto", "-c", (gw + "/mosquitto.conf").c_str(),
             static_cast<char*>(nullptr));
      _exit(127);
    }
    GatewayRelayOptions r;
    r.socket_path = gw + "/relay.sock";
    r.children = config_.children;
    relay_ = std::make_unique<GatewayRelay>(r, *outbox_, [this] {
      std::lock_guard<std::mutex> lock(mu_);
      return std::exchange(down_, {});
    });
    const auto until = Clock::now() + std::chrono::seconds(10);
    while (!relay_->connected() && Clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(relay_->connected()) << read_log(dir_ + "/mosquitto.log");
  }
  MqttChildDevice::Options child(const std::string& id, const std::string& password, int count) {
    MqttChildDevice::Options o;
    o.uri = "tcp://127.0.0.1:" + std::to_string(config_.listen_port);
    o.id = id;
    o.password = password;
    o.count = count;
    o.per_second = 200;
    o.subscriptions = {"outpost/v1/" + id + "/desired"};
    return o;
  }
  void hand_down(const std::string& topic, const std::string& payload) {
    std::lock_guard<std::mutex> lock(mu_);
    down_.push_back({topic, payload});
  }
  // The outbox's messages by topic, once `count` are there (or 10 s passed).
  std::map<std::string, std::vector<std::string>> stored(size_t count) {
    // Each message is fsynced before its PUBACK: on a loaded disk 200 took over 10 s once.
    const auto until = Clock::now() + std::chrono::seconds(30);
    std::vector<agent::OutboxMessage> all;
    while (Clock::now() < until) {
      all = outbox_->peek(100000).value();
      if (all.size() >= count) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::map<std::string, std::vector<std::string>> by_topic;
    for (const auto& m : all) by_topic[m.topic].push_back(m.payload);
    return by_topic;
  }

  std::string dir_;
  GatewayConfig config_;
  std::unique_ptr<agent::Outbox> outbox_;
  std::unique_ptr<GatewayRelay> relay_;
  pid_t broker_pid_ = -1;
  std::mutex mu_;
  std::vector<TopicMessage> down_;
};

TEST_F(GatewayRelayTest, EachChildsTelemetryIsStoredUnderItsOwnTopic) {
  MqttChildDevice one(child("sensor-1", "pw-one", 100));
  MqttChildDevice two(child("sensor-2", "pw-two", 100));
  start_gateway();
  ASSERT_TRUE(one.wait_for("sent", 20)) << read_log(dir_ + "/mosquitto.log");
  ASSERT_TRUE(two.wait_for("sent", 20));
  auto by_topic = stored(200);
  ASSERT_EQ(by_topic["outpost/v1/sensor-1/events"].size(), 100u);
  ASSERT_EQ(by_topic["outpost/v1/sensor-2/events"].size(), 100u);
  for (int seq = 0; seq < 100; ++seq)
    EXPECT_EQ(nlohmann::json::parse(by_topic["outpost/v1/sensor-1/events"][seq])["seq"], seq)
        << "in the order the child sent them";
  EXPECT_EQ(relay_->stats().relayed_up, 200);
  // Reported state and metrics go to their classes (reported: kept, never evicted).
  auto r = child("sensor-2", "pw-two", 1);
  r.topic = "outpost/v1/sensor-2/reported";
  MqttChildDevice reporter(r);
  ASSERT_TRUE(reporter.wait_for("sent", 20));
  // The broker acknowledged the child; the relay gets the message from the broker after that.
  EXPECT_EQ(stored(201)["outpost/v1/sensor-2/reported"].size(), 1u);
  const auto all = outbox_->peek(1000).value();
  ASSERT_EQ(all.size(), 201u);
  EXPECT_EQ(all.back().message_class, "state");
  EXPECT_EQ(all.back().topic, "outpost/v1/sensor-2/reported");
}

TEST_F(GatewayRelayTest, ADesiredStateReachesItsChildAloneEvenIfTheChildComesLater) {
  start_gateway();
  hand_down("outpost/v1/sensor-1/desired", "manifest for sensor-1");
  hand_down("outpost/v1/sensor-2/desired", "manifest for sensor-2");
  const auto until = Clock::now() + std::chrono::seconds(10);
  while (relay_->stats().relayed_down < 2 && Clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(relay_->stats().relayed_down, 2);
  // Retained at the gateway: a child that connects afterwards gets its own, and only its own
  // (sensor-2 also asks for sensor-1's).
  auto o = child("sensor-2", "pw-two", 0);
  o.subscriptions.push_back("outpost/v1/sensor-1/desired");
  o.subscriptions.push_back("outpost/v1/#");
  MqttChildDevice two(o);
  auto got = two.wait_for("message", 10);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, "message outpost/v1/sensor-2/desired manifest for sensor-2");
  // (Its two subscriptions that match its own topic may bring its own state twice.)
  while (auto more = two.wait_for("message", 1))
    EXPECT_EQ(*more, *got) << "sensor-2 read another child's desired state";
}

TEST_F(GatewayRelayTest, AChildCannotPublishAsAnotherNorConnectWithAWrongPassword) {
  start_gateway();
  MqttChildDevice wrong(child("sensor-1", "pw-two", 1));
  auto refused = wrong.wait_for("refused", 20);
  ASSERT_TRUE(refused) << "a wrong password was let in";
  MqttChildDevice stranger(child("sensor-9", "pw-one", 1));
  ASSERT_TRUE(stranger.wait_for("refused", 20)) << "a child not in the password file was let in";

  auto o = child("sensor-2", "pw-two", 5);
  o.topic = "outpost/v1/sensor-1/events";  // impersonating sensor-1
  MqttChildDevice impostor(o);
  // mosquitto 2.0.11 drops a version 3.1.1 client that publishes where its ACL denies it.
  ASSERT_TRUE(impostor.wait_for("lost", 20));
  MqttChildDevice honest(child("sensor-2", "pw-two", 1));
  ASSERT_TRUE(honest.wait_for("sent", 20));
  auto by_topic = stored(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  by_topic = stored(1);
  EXPECT_EQ(by_topic.count("outpost/v1/sensor-1/events"), 0u);
  EXPECT_EQ(by_topic["outpost/v1/sensor-2/events"].size(), 1u);
}

// Messages that arrive while the relay is away wait at the broker (the relay's persistent
// session) and are stored once it is back; none is stored twice.
TEST_F(GatewayRelayTest, MessagesWaitForARelayThatRestarts) {
  start_gateway();
  relay_.reset();
  MqttChildDevice one(child("sensor-1", "pw-one", 50));
  ASSERT_TRUE(one.wait_for("sent", 20));
  EXPECT_EQ(outbox_->stats()->messages, 0);
  GatewayRelayOptions r;
  r.socket_path = dir_ + "/gateway/relay.sock";
  r.children = config_.children;
  relay_ = std::make_unique<GatewayRelay>(r, *outbox_, [] { return std::vector<TopicMessage>{}; });
  auto by_topic = stored(50);
  EXPECT_EQ(by_topic["outpost/v1/sensor-1/events"].size(), 50u);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(outbox_->stats()->messages, 50);
}

// With a certificate, the children's listener speaks TLS: a child that checks the gateway with
// its CA logs in with its password and publishes; plain TCP to that port gets nowhere.
TEST_F(GatewayRelayTest, TheChildrensListenerOverTls) {
  if (!testing::TestPki::have_openssl()) GTEST_SKIP() << "needs openssl";
  const testing::TestPki pki(dir_);
  ASSERT_TRUE(pki.make_ca("ca"));
  ASSERT_TRUE(pki.make_cert("ca", "gateway", "subjectAltName=IP:127.0.0.1"));
  config_.cert_file = pki.crt("gateway");
  config_.key_file = pki.key("gateway");
  start_gateway();
  auto tls = child("sensor-1", "pw-one", 20);
  tls.uri = "ssl://127.0.0.1:" + std::to_string(config_.listen_port);
  tls.ca_file = pki.crt("ca");
  MqttChildDevice one(tls);
  ASSERT_TRUE(one.wait_for("sent", 20)) << read_log(dir_ + "/mosquitto.log");
  EXPECT_EQ(stored(20)["outpost/v1/sensor-1/events"].size(), 20u);
  auto plain = child("sensor-2", "pw-two", 1);
  MqttChildDevice two(plain);
  // (It keeps trying, as a child whose broker is not up yet would.)
  EXPECT_FALSE(two.wait_for("ready", 5)) << "plain TCP to the TLS listener was let in";
  EXPECT_EQ(stored(20).count("outpost/v1/sensor-2/events"), 0u);
}

TEST(GatewayConfigFiles, ThePasswordFileMustNameEveryChild) {
  const std::string dir = testing::make_temp_dir("outpost-gw-pw");
  GatewayConfig g;
  g.password_file = dir + "/p";
  g.children = {"a", "b"};
  std::ofstream(g.password_file) << "a:$7$101$xyz\n";
  Status s = check_gateway_password_file(g);
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel);
  EXPECT_NE(s.message().find("no line for child 'b'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("mosquitto_passwd"), std::string::npos) << s.message();
  std::ofstream(g.password_file, std::ios::app) << "b:$7$101$abc\n";
  EXPECT_TRUE(check_gateway_password_file(g).is_ok());
  g.password_file = dir + "/missing";
  EXPECT_EQ(check_gateway_password_file(g).code(), StatusCode::kIoError);
  fs::remove_all(dir);
}

TEST(GatewayConfigFiles, TheAclKeepsEachChildToItsOwnTopics) {
  const std::string acl = gateway_acl();
  EXPECT_NE(acl.find("pattern write outpost/v1/%u/events"), std::string::npos);
  EXPECT_NE(acl.find("pattern read outpost/v1/%u/desired"), std::string::npos);
  EXPECT_EQ(acl.find("readwrite"), std::string::npos);
  EXPECT_EQ(acl.find("topic "), std::string::npos) << "no rule for a fixed topic";
}

}  // namespace
}  // namespace outpost::agentd
