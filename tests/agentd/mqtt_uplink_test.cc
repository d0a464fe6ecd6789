// The MQTT uplink against a real broker: Debian's mosquitto, started here on a free loopback
// port, and a real subscriber (Paho). Every message the outbox held arrives once, in order, in
// its envelope; the outbox lets go of it only after the PUBACK; a broker that is down keeps
// everything in the outbox until it is back; drop reports are delivered and confirmed.
#include "agentd/mqtt_uplink.h"

#include <MQTTClient.h>
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/child_process.h"  // free_tcp_port
#include "support/mqtt_test_broker.h"
#include "support/test_pki.h"
#include "support/test_paths.h"

namespace outpost::agentd {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using Broker = testing::MosquittoBroker;
using Subscriber = testing::MqttSubscriber;
using testing::have_mosquitto;

class MqttUplinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_mosquitto())
      GTEST_SKIP() << "needs Debian's mosquitto (scripts/setup installs it)";
    dir_ = testing::make_temp_dir("outpost-uplink");
    agent::OutboxOptions o;
    o.path = dir_ + "/outbox.db";
    o.max_bytes = 1 << 20;
    auto box = agent::Outbox::open(o);
    ASSERT_TRUE(box.is_ok()) << box.status().message();
    outbox_ = std::move(*box);
    port_ = testing::free_tcp_port();
    broker_ = std::make_unique<Broker>(dir_, port_);
  }
  void TearDown() override {
    broker_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<MqttUplink> uplink() {
    UplinkOptions o;
    o.broker_uri = broker_->uri();
    o.client_id = "dev1";
    o.drops_topic = "outpost/v1/dev1/events";
    o.window = 8;
    o.backoff_min_s = 0.1;
    o.backoff_max_s = 0.4;
    auto u = MqttUplink::create(o, *outbox_);
    EXPECT_TRUE(u.is_ok()) << u.status().message();
    return u.is_ok() ? std::move(*u) : nullptr;
  }
  int64_t put(int i) {
    auto r = outbox_->put("events", "outpost/v1/dev1/events",
                          json{{"type", "detection"}, {"n", i}}.dump());
    EXPECT_TRUE(r.is_ok() && r->stored);
    return r.is_ok() ? r->id : 0;
  }

  std::string dir_;
  int port_ = 0;
  std::unique_ptr<agent::Outbox> outbox_;
  std::unique_ptr<Broker> broker_;
};

TEST_F(MqttUplinkTest, DeliversEveryMessageOnceInOrderAndTheOutboxLetsGoAfterThePuback) {
  ASSERT_TRUE(broker_->start());
  Subscriber sub(broker_->uri());
  ASSERT_TRUE(sub.ready(10));
  std::vector<int64_t> ids;
  for (int i = 0; i < 50; ++i) ids.push_back(put(i));
  auto up = uplink();
  ASSERT_NE(up, nullptr);
  ASSERT_TRUE(up->drain().is_ok());
  EXPECT_EQ(up->stats().delivered, 50);
  auto left = outbox_->stats();
  ASSERT_TRUE(left.is_ok());
  EXPECT_EQ(left->messages, 0);
  const auto got = sub.receive(50, 10);
  ASSERT_EQ(got.size(), 50u);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].first, "outpost/v1/dev1/events");
    EXPECT_EQ(got[i].second["id"], ids[i]);
    EXPECT_EQ(got[i].second["class"], "events");
    EXPECT_EQ(got[i].second["body"]["n"], static_cast<int>(i));  // the payload, inline
  }
}

TEST_F(MqttUplinkTest, ABrokerThatIsDownKeepsEverythingInTheOutboxUntilItIsBack) {
  auto up = uplink();
  ASSERT_NE(up, nullptr);
  for (int i = 0; i < 20; ++i) put(i);
  const Status down = up->drain();  // no broker yet
  EXPECT_EQ(down.code(), StatusCode::kNetwork) << down.message();
  auto kept = outbox_->stats();
  ASSERT_TRUE(kept.is_ok());
  EXPECT_EQ(kept->messages, 20);

  // The sender runs on its own, backing off; the broker comes, then a subscriber, then more
  // events: all 30 arrive, none twice.
  Subscriber sub(broker_->uri());  // waits for the broker, in its own process
  std::atomic<bool> stop{false};
  std::thread sender([&] { up->run(stop); });
  struct Joiner {  // the sender stops and is joined however the test ends
    std::atomic<bool>& stop;
    std::thread& thread;
    ~Joiner() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } joiner{stop, sender};
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(broker_->start());
  ASSERT_TRUE(sub.ready(10));
  // The first 20 may reach the broker before the subscriber does (the broker keeps nothing
  // for a subscriber it does not know yet): the sender's own count says they were delivered.
  const auto until = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < until && up->stats().delivered < 20)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(up->stats().delivered, 20);
  for (int i = 20; i < 30; ++i) put(i);
  std::vector<std::pair<std::string, json>> got;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline && (got.empty() || got.back().second["body"]["n"] != 29))
    for (auto& m : sub.receive(30, 0.5)) got.push_back(std::move(m));
  stop = true;
  sender.join();
  EXPECT_EQ(up->stats().delivered, 30);
  // Whatever the subscriber saw came in order and once; the last ten it saw all.
  ASSERT_GE(got.size(), 10u);
  for (size_t i = 1; i < got.size(); ++i) EXPECT_GT(got[i].second["id"], got[i - 1].second["id"]);
  for (size_t i = 0; i < 10; ++i)
    EXPECT_EQ(got[got.size() - 10 + i].second["body"]["n"], static_cast<int>(20 + i));
  EXPECT_GE(up->stats().connection_failures, 1);
  auto left = outbox_->stats();
  ASSERT_TRUE(left.is_ok());
  EXPECT_EQ(left->messages, 0);
}

TEST_F(MqttUplinkTest, DropReportsAreDeliveredAndConfirmed) {
  ASSERT_TRUE(broker_->start());
  Subscriber sub(broker_->uri());
  ASSERT_TRUE(sub.ready(10));
  // A message bigger than the whole outbox is refused, and the refusal reported.
  auto refused = outbox_->put("events", "outpost/v1/dev1/events", std::string(2 << 20, 'x'));
  ASSERT_TRUE(refused.is_ok());
  ASSERT_FALSE(refused->stored);
  auto up = uplink();
  ASSERT_NE(up, nullptr);
  ASSERT_TRUE(up->drain().is_ok());
  EXPECT_EQ(up->stats().drop_reports, 1);
  const auto got = sub.receive(1, 10);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].second["drops"]["reason"], "refused");
  EXPECT_EQ(got[0].second["drops"]["count"], 1);
  auto reports = outbox_->drop_reports();
  ASSERT_TRUE(reports.is_ok());
  EXPECT_TRUE(reports->empty()) << "a delivered drop report is confirmed to the outbox";
}

// A CA made here with the openssl CLI, a broker certificate for 127.0.0.1, and a certificate
// per client: the devices dev1 and dev2, the fleet's subscriber, and one from another CA.
class MqttUplinkTlsTest : public MqttUplinkTest {
 protected:
  void SetUp() override {
    MqttUplinkTest::SetUp();
    if (IsSkipped()) return;
    if (!testing::TestPki::have_openssl()) GTEST_SKIP() << "needs openssl";
    const testing::TestPki pki(dir_);
    ASSERT_TRUE(pki.make_ca("ca") && pki.make_ca("rogue-ca"));
    ASSERT_TRUE(pki.make_cert("ca", "broker", "subjectAltName=IP:127.0.0.1,DNS:localhost"));
    for (const char* who : {"dev1", "dev2", "fleet"}) ASSERT_TRUE(pki.make_cert("ca", who, ""));
    ASSERT_TRUE(pki.make_cert("rogue-ca", "dev1-rogue", "", "dev1"));
    std::ofstream(dir_ + "/acl") << "user fleet\ntopic read outpost/v1/#\n"
                                 << "pattern readwrite outpost/v1/%u/#\n";
    // The device's identity is its certificate's common name, and the ACL lets it touch only
    // its own topics.
    broker_ = std::make_unique<Broker>(
        dir_, port_,
        "cafile " + dir_ + "/ca.crt\ncertfile " + dir_ + "/broker.crt\nkeyfile " + dir_ +
            "/broker.key\nrequire_certificate true\nuse_identity_as_username true\n" +
            "allow_anonymous false\nacl_file " + dir_ + "/acl\n");
  }
  std::vector<std::string> files(const std::string& who) const {
    return {dir_ + "/ca.crt", dir_ + "/" + who + ".crt", dir_ + "/" + who + ".key"};
  }
  std::unique_ptr<MqttUplink> tls_uplink(const std::string& who) {
    UplinkOptions o;
    o.broker_uri = broker_->uri("ssl");
    o.client_id = "dev1";
    o.drops_topic = "outpost/v1/dev1/events";
    o.ca_file = dir_ + "/ca.crt";
    o.cert_file = dir_ + "/" + who + ".crt";
    o.key_file = dir_ + "/" + who + ".key";
    o.connect_timeout_s = 2;
    auto u = MqttUplink::create(o, *outbox_);
    EXPECT_TRUE(u.is_ok()) << u.status().message();
    return u.is_ok() ? std::move(*u) : nullptr;
  }
};

TEST_F(MqttUplinkTlsTest, ADeviceReachesOnlyItsOwnTopicsWithItsCertificate) {
  Subscriber fleet(broker_->uri("ssl"), files("fleet"));
  ASSERT_TRUE(broker_->start());
  ASSERT_TRUE(fleet.ready(10));
  put(1);
  // dev1's certificate, a message for dev2's topic: the broker's ACL drops it.
  ASSERT_TRUE(outbox_->put("events", "outpost/v1/dev2/events", json{{"n", 99}}.dump()).is_ok());
  put(2);
  auto up = tls_uplink("dev1");
  ASSERT_NE(up, nullptr);
  const Status sent = up->drain();
  ASSERT_TRUE(sent.is_ok()) << sent.message();
  const auto got = fleet.receive(3, 1.5);  // the third never comes
  ASSERT_EQ(got.size(), 2u) << "a device published into another device's topic";
  EXPECT_EQ(got[0].second["body"]["n"], 1);
  EXPECT_EQ(got[1].second["body"]["n"], 2);
  EXPECT_EQ(got[1].first, "outpost/v1/dev1/events");
}

TEST_F(MqttUplinkTlsTest, ACertificateFromAnotherCaIsRefusedAndTheOutboxKeepsItsMessages) {
  ASSERT_TRUE(broker_->start());
  put(1);
  auto up = tls_uplink("dev1-rogue");  // names itself dev1, signed by a CA the broker does not trust
  ASSERT_NE(up, nullptr);
  const Status refused = up->drain();
  EXPECT_EQ(refused.code(), StatusCode::kNetwork) << refused.message();
  auto kept = outbox_->stats();
  ASSERT_TRUE(kept.is_ok());
  EXPECT_EQ(kept->messages, 1);
  // And plain TCP to the TLS listener gets nowhere either.
  UplinkOptions plain;
  plain.broker_uri = broker_->uri("tcp");
  plain.client_id = "dev1";
  plain.drops_topic = "outpost/v1/dev1/events";
  plain.connect_timeout_s = 2;
  auto bare = MqttUplink::create(plain, *outbox_);
  ASSERT_TRUE(bare.is_ok());
  EXPECT_EQ((*bare)->drain().code(), StatusCode::kNetwork);
}

TEST(MqttUplinkOptions, ABadBrokerUriIsAUsageError) {
  agent::OutboxOptions o;
  const std::string dir = testing::make_temp_dir("outpost-uplink-options");
  o.path = dir + "/outbox.db";
  auto box = agent::Outbox::open(o);
  ASSERT_TRUE(box.is_ok());
  UplinkOptions u;
  u.broker_uri = "gopher://nowhere";
  u.client_id = "dev1";
  u.drops_topic = "outpost/v1/dev1/events";
  auto up = MqttUplink::create(u, **box);
  EXPECT_EQ(up.status().code(), StatusCode::kUsage);
  u.broker_uri = "ssl://127.0.0.1:8883";  // TLS without a certificate to show
  auto no_cert = MqttUplink::create(u, **box);
  EXPECT_EQ(no_cert.status().code(), StatusCode::kUsage);
  EXPECT_NE(no_cert.status().message().find("certificate"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace outpost::agentd
