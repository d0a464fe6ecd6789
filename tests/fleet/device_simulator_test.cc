// The fleet scale tests' simulated devices against a real broker (Debian's mosquitto on a free
// loopback port), watched by a real subscriber (Paho, in a process of its own):
// - MqttLite*: the minimal MQTT client alone: QoS 1 and retained messages between two of its
//   sessions, PUBACKs counted, sessions that come back after the broker restarts, and a "broker"
//   speaking garbage that never brings it down;
// - DeviceSimulator*: twenty devices report their initial state; a signed manifest is applied
//   (applying, probation, healthy), one for a device that fails its probation is rolled back,
//   and a tampered one is refused, each as the real agent reports it.
#include "fleet/device_simulator.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "agent/signed_manifest.h"
#include "agentd/reported_state.h"
#include "bundle/keys.h"
#include "fleet/mqtt_lite.h"
#include "support/child_process.h"  // free_tcp_port
#include "support/mqtt_test_broker.h"
#include "support/test_paths.h"

namespace outpost::fleet {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// Waits up to `seconds` for `done`, looking every few milliseconds.
bool eventually(const std::function<bool()>& done, double seconds) {
  const auto until = Clock::now() + std::chrono::milliseconds(static_cast<int>(seconds * 1000));
  while (!done()) {
    if (Clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// What the loop's sessions received, for the test's thread to wait on.
class Inbox {
 public:
  MqttLiteLoop::MessageCallback callback() {
    return [this](int session, const LiteMessage& m) {
      std::lock_guard<std::mutex> lock(mu_);
      got_.push_back({session, m});
    };
  }
  // The messages `session` received on `topic`, once there are at least `count`.
  std::vector<LiteMessage> wait(int session, const std::string& topic, size_t count,
                                double seconds) {
    std::vector<LiteMessage> found;
    eventually([&] {
      std::lock_guard<std::mutex> lock(mu_);
      found.clear();
      for (const auto& [s, m] : got_)
        if (s == session && m.topic == topic) found.push_back(m);
      return found.size() >= count;
    }, seconds);
    return found;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<int, LiteMessage>> got_;
};

class MqttLiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::have_mosquitto())
      GTEST_SKIP() << "needs Debian's mosquitto (scripts/setup installs it)";
    dir_ = testing::make_temp_dir("outpost-mqtt-lite");
    port_ = testing::free_tcp_port();
    broker_ = std::make_unique<testing::MosquittoBroker>(dir_, port_);
    ASSERT_TRUE(broker_->start());
  }
  void TearDown() override {
    broker_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  MqttLiteLoop::SessionOptions session(const std::string& id,
                                       std::vector<std::string> subscriptions = {}) {
    MqttLiteLoop::SessionOptions o;
    o.client_id = id;
    o.subscriptions = std::move(subscriptions);
    return o;
  }

  std::string dir_;
  int port_ = 0;
  std::unique_ptr<testing::MosquittoBroker> broker_;
};

TEST_F(MqttLiteTest, TwoSessionsExchangeQos1AndRetainedMessagesAndComeBackAfterABrokerRestart) {
  auto loop = MqttLiteLoop::start("127.0.0.1", port_);
  ASSERT_TRUE(loop.is_ok()) << loop.status().message();
  Inbox inbox;
  std::atomic<int> connects{0};
  const int reader = (*loop)->add_session(session("lite-reader", {"lite/#"}), inbox.callback(),
                                          [&](int) { ++connects; });
  const int writer =
      (*loop)->add_session(session("lite-writer"), nullptr, [&](int) { ++connects; });
  ASSERT_TRUE(eventually([&] { return (*loop)->stats().connected_sessions == 2; }, 5));

  (*loop)->publish(writer, "lite/a", "hello", /*retained=*/true, /*qos=*/1);
  auto got = inbox.wait(reader, "lite/a", 1, 5);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "hello");
  EXPECT_FALSE(got[0].retained);  // forwarded live: the retain flag is for late subscribers
  ASSERT_TRUE(eventually([&] { return (*loop)->stats().pubacks_in == 1; }, 5));

  // A session subscribing later gets the retained message, flagged so.
  const int late =
      (*loop)->add_session(session("lite-late", {"lite/#"}), inbox.callback(), nullptr);
  got = inbox.wait(late, "lite/a", 1, 5);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "hello");
  EXPECT_TRUE(got[0].retained);

  // A large message (beyond one read, and a 3-byte remaining length) arrives whole.
  const std::string big(300000, 'x');
  (*loop)->publish(writer, "lite/big", big, false, 1);
  got = inbox.wait(reader, "lite/big", 1, 5);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, big);

  broker_->stop();
  ASSERT_TRUE(eventually([&] { return (*loop)->stats().connected_sessions == 0; }, 5));
  ASSERT_TRUE(broker_->start());
  ASSERT_TRUE(eventually([&] { return (*loop)->stats().connected_sessions == 3; }, 10));
  EXPECT_EQ((*loop)->stats().reconnects, 3);
  EXPECT_EQ(connects.load(), 4);  // 2 at first, 2 again
  // The reader subscribed again: messages flow as before.
  (*loop)->publish(writer, "lite/b", "again", false, 1);
  got = inbox.wait(reader, "lite/b", 1, 5);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "again");
  const MqttLiteLoop::Stats stats = (*loop)->stats();
  EXPECT_EQ(stats.messages_out, 3);
  EXPECT_EQ(stats.protocol_errors, 0);
}

// A "broker" on a port of the test's own, answering each connection with bytes no broker sends.
class GarbageBroker {
 public:
  explicit GarbageBroker(std::vector<std::string> answers) : answers_(std::move(answers)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(a);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
        ::listen(listen_fd_, 8) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &length) != 0)
      return;
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~GarbageBroker() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ::close(listen_fd_);
  }
  int port() const { return port_; }
  int served() const { return served_; }

 private:
  void serve() {
    while (!stop_ && served_ < static_cast<int>(answers_.size())) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      char connect[512];
      (void)!::read(fd, connect, sizeof(connect));  // the CONNECT
      const std::string& answer = answers_[static_cast<size_t>(served_.load())];
      (void)!::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
      // Left open: the client, not the end of the stream, must decide to drop it.
      pollfd c{fd, POLLIN | POLLRDHUP, 0};
      ::poll(&c, 1, 2000);
      ::close(fd);
      ++served_;
    }
  }

  std::vector<std::string> answers_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> served_{0};
  std::thread thread_;
};

TEST(MqttLiteGarbage, ASessionDropsABrokerThatSendsGarbageAndTriesAgain) {
  const std::string connack("\x20\x02\x00\x00", 4);
  GarbageBroker broker({
      std::string("\xff\xff\xff\xff\xff\xff", 6),            // no such packet type
      connack + std::string("\x30\xff\xff\xff\x7f", 5),      // a 256 MiB PUBLISH
      connack + std::string("\x30\xff\xff\xff\xff\x01", 6),  // a 5-byte remaining length
      connack + std::string("\x32\x03\x00\x09t", 5),         // topic longer than the packet
      connack + std::string("\x34\x02\x00\x00", 4),          // QoS 2
      std::string("\x30\x02\x00\x00", 4),                    // PUBLISH before CONNACK
      connack + connack,                                     // CONNACK twice
  });
  ASSERT_GT(broker.port(), 0);
  auto loop = MqttLiteLoop::start("127.0.0.1", broker.port());
  ASSERT_TRUE(loop.is_ok()) << loop.status().message();
  MqttLiteLoop::SessionOptions o;
  o.client_id = "victim";
  (*loop)->add_session(o, nullptr, nullptr);
  EXPECT_TRUE(eventually([&] { return (*loop)->stats().protocol_errors == 7; }, 15))
      << (*loop)->stats().protocol_errors;
  EXPECT_EQ(broker.served(), 7);
}

TEST(MqttLiteQueue, MessagesForABrokerThatIsAwayWaitUpToTheBoundAndTheOldestGo) {
  auto loop = MqttLiteLoop::start("127.0.0.1", testing::free_tcp_port());  // nobody listens
  ASSERT_TRUE(loop.is_ok()) << loop.status().message();
  MqttLiteLoop::SessionOptions o;
  o.client_id = "patient";
  o.max_queued = 2;
  const int session = (*loop)->add_session(o, nullptr, nullptr);
  for (int i = 0; i < 5; ++i) (*loop)->publish(session, "t", std::to_string(i), false, 1);
  EXPECT_TRUE(eventually([&] { return (*loop)->stats().dropped == 3; }, 5));
  EXPECT_EQ((*loop)->stats().messages_out, 0);
}

TEST(MqttLiteStart, RefusesABadPortOrHost) {
  EXPECT_EQ(MqttLiteLoop::start("127.0.0.1", 0).status().code(), StatusCode::kUsage);
  EXPECT_EQ(MqttLiteLoop::start("no such host.invalid", 1883).status().code(), StatusCode::kUsage);
}

// ---------------------------------------------------------------------------------------------
// The simulated devices

// Every device's reported state as the subscriber saw it, in order.
class FleetView {
 public:
  explicit FleetView(testing::MqttSubscriber& subscriber) : subscriber_(subscriber) {}

  // Takes messages until `done` holds (true) or `seconds` passed (false).
  bool wait(const std::function<bool()>& done, double seconds) {
    const auto until = Clock::now() + std::chrono::milliseconds(static_cast<int>(seconds * 1000));
    while (!done()) {
      const double left = std::chrono::duration<double>(until - Clock::now()).count();
      if (left <= 0) return false;
      for (const auto& [topic, doc] : subscriber_.receive(1, std::min(left, 0.1))) take(topic, doc);
    }
    return true;
  }
  // The envelopes `device` reported, oldest first.
  const std::vector<json>& reports(const std::string& device) { return reports_[device]; }
  json latest(const std::string& device) {
    const auto& r = reports_[device];
    return r.empty() ? json() : r.back()["body"];
  }
  size_t devices() const {
    size_t n = 0;
    for (const auto& [id, r] : reports_) n += r.empty() ? 0 : 1;
    return n;
  }

 private:
  void take(const std::string& topic, const json& doc) {
    const std::string prefix = "outpost/v1/", leaf = "/reported";
    if (topic.rfind(prefix, 0) != 0 || topic.size() <= prefix.size() + leaf.size() ||
        topic.compare(topic.size() - leaf.size(), leaf.size(), leaf) != 0)
      return;
    const std::string device =
        topic.substr(prefix.size(), topic.size() - prefix.size() - leaf.size());
    reports_[device].push_back(doc);
  }

  testing::MqttSubscriber& subscriber_;
  std::map<std::string, std::vector<json>> reports_;
};

class DeviceSimulatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::have_mosquitto())
      GTEST_SKIP() << "needs Debian's mosquitto (scripts/setup installs it)";
    dir_ = testing::make_temp_dir("outpost-simulator");
    std::filesystem::create_directories(dir_ + "/trust");
    ::chmod((dir_ + "/trust").c_str(), 0700);
    auto key = bundle::generate_key_pair(true, "acme");
    ASSERT_TRUE(key.is_ok()) << key.status().message();
    publisher_ = std::make_unique<bundle::KeyPair>(std::move(*key));
    std::ofstream(dir_ + "/trust/acme.publisher.pub") << bundle::public_key_text(*publisher_);
    ::chmod((dir_ + "/trust/acme.publisher.pub").c_str(), 0600);
    // A thousand sessions on each side: the broker (forked here) inherits the limit.
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < 4096) {
      files.rlim_cur = std::min<rlim_t>(4096, files.rlim_max);
      ::setrlimit(RLIMIT_NOFILE, &files);
    }
    port_ = testing::free_tcp_port();
    broker_ = std::make_unique<testing::MosquittoBroker>(dir_, port_);
    ASSERT_TRUE(broker_->start());
    // Forked before the simulator starts its thread.
    subscriber_ = std::make_unique<testing::MqttSubscriber>(broker_->uri());
    ASSERT_TRUE(subscriber_->ready(10));
    view_ = std::make_unique<FleetView>(*subscriber_);
  }
  void TearDown() override {
    simulator_.reset();
    view_.reset();
    subscriber_.reset();
    broker_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  void start(int devices, std::vector<std::string> fail_globs = {}) {
    SimulatorOptions o;
    o.port = port_;
    o.devices = devices;
    o.trust_dir = dir_ + "/trust";
    o.apply_s = 0.2;
    o.probation_s = 0.3;
    o.fail_globs = std::move(fail_globs);
    auto s = DeviceSimulator::start(o);
    ASSERT_TRUE(s.is_ok()) << s.status().message();
    simulator_ = std::move(*s);
  }

  // A one-module manifest, as a publisher signs it (what the device checks of it: the
  // signature, the expiry, the version; nothing is fetched).
  static json manifest(int64_t version) {
    const json bundle = {{"url", "file:///srv/repo/adder-1.0.0.opk"},
                         {"sha256", std::string(64, 'a')},
                         {"size", 1234},
                         {"name", "adder"},
                         {"version", "1.0.0"}};
    const json module = {{"name", "adder"}, {"run", "serve"}, {"bundles", json::array({bundle})}};
    return {{"deployment_id", "lobby"},
            {"version", version},
            {"expires", "2099-01-01T00:00:00Z"},
            {"modules", json::array({module})}};
  }
  std::string signed_manifest(int64_t version) {
    auto text = agent::sign_manifest(manifest(version).dump(2), *publisher_);
    EXPECT_TRUE(text.is_ok()) << text.status().message();
    if (!text.is_ok()) return "";
    // Without its final newline: the test's subscriber writes one line per message. (The
    // signature covers the manifest's bytes inside the envelope, not the envelope's layout.)
    while (!text->empty() && text->back() == '\n') text->pop_back();
    return *text;
  }
  void publish_manifest(const std::string& device, const std::string& text) {
    ASSERT_TRUE(
        testing::publish_retained(broker_->uri(), "outpost/v1/" + device + "/desired", text));
  }
  // The device's last reported state, checked with the agent's own reader of status.json.
  agentd::ReportedState state_of(const std::string& device) {
    auto s = agentd::parse_reported_state(view_->latest(device), device);
    EXPECT_TRUE(s.is_ok()) << s.status().message();
    return s.is_ok() ? *s : agentd::ReportedState();
  }
  bool settled(const std::string& device, const std::function<bool(const json&)>& test) {
    const json body = view_->latest(device);
    return body.is_object() && body.value("agent", "") == "idle" && test(body);
  }

  std::string dir_;
  int port_ = 0;
  std::unique_ptr<bundle::KeyPair> publisher_;
  std::unique_ptr<testing::MosquittoBroker> broker_;
  std::unique_ptr<testing::MqttSubscriber> subscriber_;
  std::unique_ptr<FleetView> view_;
  std::unique_ptr<DeviceSimulator> simulator_;
};

TEST_F(DeviceSimulatorTest, EveryDeviceReportsItsInitialStateRetained) {
  start(20);
  ASSERT_TRUE(view_->wait([&] { return view_->devices() == 20; }, 5)) << view_->devices();
  EXPECT_TRUE(eventually([&] { return simulator_->stats().connected == 20; }, 5));
  for (int i = 0; i < 20; ++i) {
    const std::string id = DeviceSimulator::device_id("sim-", i);
    ASSERT_EQ(view_->reports(id).size(), 1u) << id;
    const json& envelope = view_->reports(id)[0];
    EXPECT_EQ(envelope["id"], 1);
    EXPECT_EQ(envelope["class"], "state");
    EXPECT_GT(envelope["created_ms"].get<int64_t>(), 1700000000000);
    const agentd::ReportedState s = state_of(id);
    EXPECT_EQ(s.agent, "idle");
    EXPECT_FALSE(s.desired || s.current || s.last_good);
    EXPECT_TRUE(s.modules.empty());
    EXPECT_EQ(s.last_error, "");
    EXPECT_EQ(s.rollbacks, 0);
  }
  EXPECT_EQ(view_->reports("sim-0020").size(), 0u);
  // Retained: a subscriber that comes later gets all twenty at once.
  testing::MqttSubscriber late(broker_->uri());
  ASSERT_TRUE(late.ready(10));
  FleetView late_view(late);
  EXPECT_TRUE(late_view.wait([&] { return late_view.devices() == 20; }, 5));
}

TEST_F(DeviceSimulatorTest, ASignedManifestIsAppliedThroughProbationToHealthy) {
  start(20);
  ASSERT_TRUE(view_->wait([&] { return view_->devices() == 20; }, 5));
  publish_manifest("sim-0003", signed_manifest(1));
  ASSERT_TRUE(view_->wait([&] {
    return settled("sim-0003", [](const json& b) { return b["last_good"].is_object(); });
  }, 5)) << view_->latest("sim-0003").dump();
  std::vector<std::string> phases;
  int64_t last_id = 0;
  for (const json& envelope : view_->reports("sim-0003")) {
    phases.push_back(envelope["body"]["agent"].get<std::string>());
    EXPECT_GT(envelope["id"].get<int64_t>(), last_id);  // ids only grow
    last_id = envelope["id"].get<int64_t>();
  }
  EXPECT_EQ(phases, (std::vector<std::string>{"idle", "applying", "probation", "idle"}));
  const auto& reports = view_->reports("sim-0003");
  EXPECT_EQ(reports[1]["body"]["desired"]["version"], 1);
  EXPECT_TRUE(reports[1]["body"]["current"].is_null());
  EXPECT_EQ(reports[2]["body"]["current"]["version"], 1);
  EXPECT_TRUE(reports[2]["body"]["last_good"].is_null());
  const agentd::ReportedState s = state_of("sim-0003");
  ASSERT_TRUE(s.last_good && s.current && s.desired);
  EXPECT_EQ(s.last_good->version, 1);
  EXPECT_EQ(s.last_good->deployment_id, "lobby");
  EXPECT_EQ(s.current->version, 1);
  EXPECT_EQ(s.last_good->manifest_sha256.size(), 64u);
  EXPECT_EQ(s.last_error, "");
  // Only the device addressed moved.
  EXPECT_EQ(view_->reports("sim-0004").size(), 1u);
  const DeviceSimulator::Stats stats = simulator_->stats();
  EXPECT_EQ(stats.accepted, 1);
  EXPECT_EQ(stats.healthy, 1);
  EXPECT_EQ(stats.refused, 0);

  // A newer version replaces it; the same bytes again (the broker's retained copy after a
  // reconnect) are not taken twice.
  publish_manifest("sim-0003", signed_manifest(2));
  ASSERT_TRUE(view_->wait([&] {
    return settled("sim-0003", [](const json& b) {
      return b["last_good"].is_object() && b["last_good"]["version"] == 2;
    });
  }, 5)) << view_->latest("sim-0003").dump();
  broker_->stop();
  ASSERT_TRUE(broker_->start());  // not persistent: the retained manifests are gone, sent again
  publish_manifest("sim-0003", signed_manifest(2));
  ASSERT_TRUE(eventually([&] { return simulator_->stats().connected == 20; }, 10));
  ASSERT_TRUE(eventually([&] { return simulator_->stats().messages_in >= 3; }, 5));
  EXPECT_EQ(simulator_->stats().accepted, 2);
  EXPECT_EQ(simulator_->stats().refused, 0);
}

TEST_F(DeviceSimulatorTest, ADeviceThatFailsItsProbationRollsBack) {
  start(20, {"sim-001[5-9]"});
  ASSERT_TRUE(view_->wait([&] { return view_->devices() == 20; }, 5));
  publish_manifest("sim-0015", signed_manifest(7));
  ASSERT_TRUE(view_->wait([&] {
    return settled("sim-0015", [](const json& b) { return b["rollbacks"] == 1; });
  }, 5)) << view_->latest("sim-0015").dump();
  const agentd::ReportedState s = state_of("sim-0015");
  EXPECT_EQ(s.rollbacks, 1);
  EXPECT_FALSE(s.current);  // nothing was good before: nothing runs
  EXPECT_FALSE(s.last_good);
  EXPECT_NE(s.last_error.find("'lobby' version 7 failed its probation: simulated failure"),
            std::string::npos)
      << s.last_error;
  EXPECT_FALSE(s.last_error_time.empty());
  const DeviceSimulator::Stats stats = simulator_->stats();
  EXPECT_EQ(stats.rolled_back, 1);
  EXPECT_EQ(stats.healthy, 0);
}

TEST_F(DeviceSimulatorTest, ATamperedManifestIsRefusedAndReported) {
  start(20);
  ASSERT_TRUE(view_->wait([&] { return view_->devices() == 20; }, 5));
  json envelope = json::parse(signed_manifest(1));
  std::string text = envelope["signed"].get<std::string>();
  char& c = text[text.size() / 2];
  c = c == 'A' ? 'B' : 'A';  // still base64, no longer what was signed
  envelope["signed"] = text;
  publish_manifest("sim-0007", envelope.dump());
  ASSERT_TRUE(view_->wait([&] {
    return settled("sim-0007", [](const json& b) { return b["last_error"] != ""; });
  }, 5)) << view_->latest("sim-0007").dump();
  const agentd::ReportedState s = state_of("sim-0007");
  EXPECT_NE(s.last_error.find("manifest refused (bad_signature)"), std::string::npos)
      << s.last_error;
  EXPECT_FALSE(s.last_error_time.empty());
  EXPECT_FALSE(s.desired || s.current || s.last_good);
  EXPECT_EQ(simulator_->stats().refused, 1);
  EXPECT_EQ(simulator_->stats().accepted, 0);
}

// The scale the simulator is for, and its cost: it prints the time to connect and report, the
// resident memory it took, and the time to apply a manifest on all (about 1.5 s in all on the
// development machine).
TEST_F(DeviceSimulatorTest, AThousandDevicesConnectReportAndApply) {
  const auto rss_kib = [] {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return 0L;
  };
  const long rss_before = rss_kib();
  const auto t0 = Clock::now();
  start(1000, {"sim-09*"});
  ASSERT_TRUE(eventually([&] { return simulator_->stats().connected == 1000; }, 30))
      << simulator_->stats().connected;
  const double connect_s = std::chrono::duration<double>(Clock::now() - t0).count();
  ASSERT_TRUE(view_->wait([&] { return view_->devices() == 1000; }, 30)) << view_->devices();
  const double report_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const long rss_connected = rss_kib();
  EXPECT_LT(rss_connected - rss_before, 100 * 1024);

  // One manifest to every device, from a session of the test's own.
  auto publisher = MqttLiteLoop::start("127.0.0.1", port_);
  ASSERT_TRUE(publisher.is_ok());
  MqttLiteLoop::SessionOptions o;
  o.client_id = "fleet-publisher";
  o.max_queued = 1000;
  const int session = (*publisher)->add_session(o, nullptr, nullptr);
  const std::string text = signed_manifest(1);
  const auto t1 = Clock::now();
  for (int i = 0; i < 1000; ++i)
    (*publisher)->publish(
        session, "outpost/v1/" + DeviceSimulator::device_id("sim-", i) + "/desired", text, true,
        1);
  ASSERT_TRUE(eventually([&] {
    const DeviceSimulator::Stats s = simulator_->stats();
    return s.healthy + s.rolled_back == 1000;
  }, 60)) << simulator_->stats().healthy;
  const double apply_s = std::chrono::duration<double>(Clock::now() - t1).count();
  const DeviceSimulator::Stats s = simulator_->stats();
  EXPECT_EQ(s.rolled_back, 100);
  EXPECT_EQ((*publisher)->stats().dropped, 0);
  std::printf("1000 devices: connected in %.2f s, all reported in %.2f s; RSS +%ld KiB "
              "(%ld KiB in all) connected, %ld KiB after applying; manifest on all, through "
              "0.5 s of simulated apply and probation, in %.2f s; %lld messages out\n",
              connect_s, report_s, rss_connected - rss_before, rss_connected, rss_kib(), apply_s,
              static_cast<long long>(s.messages_out));
}

TEST(DeviceSimulatorStart, RefusesBadOptions) {
  SimulatorOptions o;
  o.trust_dir = "";
  EXPECT_EQ(DeviceSimulator::start(o).status().code(), StatusCode::kUsage);
  o.trust_dir = "/nonexistent";
  o.devices = 0;
  EXPECT_EQ(DeviceSimulator::start(o).status().code(), StatusCode::kUsage);
  o.devices = 3;
  EXPECT_FALSE(DeviceSimulator::start(o).is_ok());  // no trust store there
  EXPECT_EQ(DeviceSimulator::device_id("sim-", 42), "sim-0042");
}

}  // namespace
}  // namespace outpost::fleet
