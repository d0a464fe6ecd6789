// The outbox on a real SQLite file: ids only grow, order is kept, a restart loses nothing
// acknowledged, the byte and age bounds drop by class and policy with every drop reported,
// and kill -9 in the middle of writes leaves every acknowledged message in a sound database.
#include "agent/outbox.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <chrono>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "support/test_paths.h"

namespace outpost::agent {
namespace {

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("outpost-outbox"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  OutboxOptions options(int64_t max_bytes = 1 << 20) {
    OutboxOptions o;
    o.path = dir_ + "/outbox.db";
    o.max_bytes = max_bytes;
    o.max_age_ms = 60'000;
    o.now_ms = [this] { return now_; };  // a clock the test moves (ages of hours, instantly)
    return o;
  }
  std::unique_ptr<Outbox> open(const OutboxOptions& o) {
    auto box = Outbox::open(o);
    EXPECT_TRUE(box.is_ok()) << box.status().message();
    return box.is_ok() ? std::move(*box) : nullptr;
  }
  int64_t put(Outbox& box, const std::string& cls, const std::string& payload) {
    auto r = box.put(cls, "outpost/v1/dev1/" + cls, payload);
    EXPECT_TRUE(r.is_ok()) << r.status().message();
    return r.is_ok() && r->stored ? r->id : 0;
  }
  // Drop counts by "class/reason".
  static std::map<std::string, int64_t> dropped(Outbox& box) {
    std::map<std::string, int64_t> out;
    auto reports = box.drop_reports();
    EXPECT_TRUE(reports.is_ok()) << reports.status().message();
    if (reports.is_ok())
      for (const DropReport& d : *reports) out[d.message_class + "/" + d.reason] += d.count;
    return out;
  }

  std::string dir_;
  int64_t now_ = 1'700'000'000'000;
};

TEST_F(OutboxTest, IdsGrowAndMessagesComeBackInOrderAfterARestart) {
  std::vector<int64_t> ids;
  {
    auto box = open(options());
    ASSERT_NE(box, nullptr);
    for (int i = 0; i < 5; ++i) ids.push_back(put(*box, "events", "event " + std::to_string(i)));
    ASSERT_TRUE(box->acknowledge(ids[0]).is_ok());  // the uplink had the first
    ASSERT_TRUE(box->acknowledge(ids[0]).is_ok());  // a second PUBACK for it is harmless
  }
  for (size_t i = 1; i < ids.size(); ++i) EXPECT_GT(ids[i], ids[i - 1]);
  auto box = open(options());  // a restart
  ASSERT_NE(box, nullptr);
  auto pending = box->peek(10);
  ASSERT_TRUE(pending.is_ok());
  ASSERT_EQ(pending->size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ((*pending)[i].id, ids[i + 1]);
    EXPECT_EQ((*pending)[i].payload, "event " + std::to_string(i + 1));
    EXPECT_EQ((*pending)[i].topic, "outpost/v1/dev1/events");
  }
  // Deleted ids are never handed out again, even the newest after a restart.
  ASSERT_TRUE(box->acknowledge(ids.back()).is_ok());
  const int64_t next = put(*box, "events", "after");
  EXPECT_GT(next, ids.back());
}

TEST_F(OutboxTest, AFullOutboxEvictsTheLowestPriorityFirstAndReportsEveryDrop) {
  // A message is its topic (22 or 23 bytes) and a 75-byte payload: 10 of them fit in 1000.
  auto box = open(options(1000));
  ASSERT_NE(box, nullptr);
  const std::string payload(75, 'x');
  std::vector<int64_t> metrics, events;
  for (int i = 0; i < 5; ++i) metrics.push_back(put(*box, "metrics", payload));
  for (int i = 0; i < 5; ++i) events.push_back(put(*box, "events", payload));
  auto stats = box->stats();
  ASSERT_TRUE(stats.is_ok());
  EXPECT_EQ(stats->messages, 10);
  // Five more events: the metrics (lower priority) go first, oldest first; no event is lost.
  for (int i = 0; i < 5; ++i) events.push_back(put(*box, "events", payload));
  auto pending = box->peek(100);
  ASSERT_TRUE(pending.is_ok());
  std::set<int64_t> kept;
  for (const OutboxMessage& m : *pending) kept.insert(m.id);
  for (int64_t id : events) EXPECT_EQ(kept.count(id), 1u) << "event " << id;
  size_t metrics_kept = 0;
  for (int64_t id : metrics) metrics_kept += kept.count(id);
  EXPECT_LT(metrics_kept, metrics.size());
  EXPECT_EQ(metrics_kept, 0u) << "ten events fill the outbox";
  // A metric sample cannot evict events (they outrank it): refused, and reported as such.
  for (int i = 0; i < 10; ++i) (void)put(*box, "metrics", payload);
  auto drops = dropped(*box);
  EXPECT_EQ(drops["metrics/evicted"], 5);
  EXPECT_EQ(drops["metrics/refused"], 10);
  EXPECT_EQ(drops.count("events/evicted"), 0u);
}

TEST_F(OutboxTest, ARefuseNewClassKeepsItsMessagesAndRefusesTheNewOne) {
  OutboxOptions o = options(500);
  o.classes = {{"state", 3, Overflow::kRefuseNew}, {"events", 2, Overflow::kDropOldest}};
  auto box = open(o);
  ASSERT_NE(box, nullptr);
  const std::string payload(100, 's');
  std::vector<int64_t> states;
  for (int i = 0; i < 4; ++i) states.push_back(put(*box, "state", payload));  // 4 x ~122 bytes
  auto refused = box->put("state", "outpost/v1/dev1/state", payload);
  ASSERT_TRUE(refused.is_ok());
  EXPECT_FALSE(refused->stored);
  auto pending = box->peek(10);
  ASSERT_TRUE(pending.is_ok());
  ASSERT_EQ(pending->size(), 4u);
  EXPECT_EQ(pending->front().id, states.front());
  auto reports = box->drop_reports();
  ASSERT_TRUE(reports.is_ok());
  ASSERT_EQ(reports->size(), 1u);
  EXPECT_EQ((*reports)[0].message_class, "state");
  EXPECT_EQ((*reports)[0].reason, "refused");
  EXPECT_EQ((*reports)[0].count, 1);
  // A message bigger than the whole outbox is refused too, whatever its class.
  auto huge = box->put("events", "t", std::string(600, 'e'));
  ASSERT_TRUE(huge.is_ok());
  EXPECT_FALSE(huge->stored);
  // An unknown class is the caller's error.
  EXPECT_EQ(box->put("logs", "t", "x").status().code(), StatusCode::kUsage);
}

TEST_F(OutboxTest, OldMessagesExpireAndTheirDropsSurviveARestartUntilReported) {
  {
    auto box = open(options());
    ASSERT_NE(box, nullptr);
    put(*box, "events", "old 1");
    put(*box, "metrics", "old 2");
    now_ += 30'000;
    put(*box, "events", "young");
    now_ += 40'000;  // the first two are now 70 s old: past the 60 s bound
    auto expired = box->expire();
    ASSERT_TRUE(expired.is_ok());
    EXPECT_EQ(*expired, 2);
  }
  auto box = open(options());
  ASSERT_NE(box, nullptr);
  auto pending = box->peek(10);
  ASSERT_TRUE(pending.is_ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->front().payload, "young");
  auto reports = box->drop_reports();
  ASSERT_TRUE(reports.is_ok());
  ASSERT_EQ(reports->size(), 2u);
  for (const DropReport& d : *reports) {
    EXPECT_EQ(d.reason, "expired");
    EXPECT_EQ(d.count, 1);
    EXPECT_GT(d.first_id, 0);
    EXPECT_FALSE(d.sent_before);
  }
  // Handed out, then a crash before the uplink confirmed them: they come again, same ids.
  auto again = box->drop_reports();
  ASSERT_TRUE(again.is_ok());
  ASSERT_EQ(again->size(), 2u);
  EXPECT_TRUE((*again)[0].sent_before);
  EXPECT_EQ((*again)[0].id, (*reports)[0].id);
  // Drops after a report was handed out go to a new record: acknowledging the old loses none.
  now_ += 70'000;
  ASSERT_TRUE(box->expire().is_ok());
  for (const DropReport& d : *again) ASSERT_TRUE(box->acknowledge_drop_report(d.id).is_ok());
  auto left = box->drop_reports();
  ASSERT_TRUE(left.is_ok());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].message_class, "events");
  EXPECT_EQ((*left)[0].count, 1);
}

TEST_F(OutboxTest, ASecondProcessCannotOpenTheSameOutboxAndAForeignDatabaseIsRefused) {
  auto box = open(options());
  ASSERT_NE(box, nullptr);
  put(*box, "events", "held");
  // Another process: a child opens the same file while this one holds it.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    OutboxOptions o = options();
    auto other = Outbox::open(o);
    bool wrote = other.is_ok() && (*other)->put("events", "t", "x").is_ok();
    _exit(wrote ? 0 : 3);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3) << "a second process wrote into a held outbox";
  box.reset();

  const std::string text = dir_ + "/not-a-database";
  std::ofstream(text) << "just text, not SQLite, long enough to fill the first page's header";
  OutboxOptions o = options();
  o.path = text;
  auto refused = Outbox::open(o);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidModel) << refused.status().message();
}

// A damaged outbox file (cut short, or bytes flipped) is an error or a readable outbox, never a
// crash: the agent moves a damaged one aside and starts anew.
TEST_F(OutboxTest, ADamagedFileIsAnErrorNotACrash) {
  {
    auto box = open(options());
    ASSERT_NE(box, nullptr);
    for (int i = 0; i < 200; ++i) put(*box, "events", std::string(300, static_cast<char>('a' + i % 26)));
  }
  const std::string path = dir_ + "/outbox.db";
  std::ifstream in(path, std::ios::binary);
  const std::string whole((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(whole.size(), 8192u);
  std::mt19937 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    std::string damaged = whole;
    if (trial % 2 == 0) {
      damaged.resize(std::uniform_int_distribution<size_t>(0, whole.size() - 1)(rng));
    } else {
      for (int k = 0; k < 16; ++k)
        damaged[std::uniform_int_distribution<size_t>(0, whole.size() - 1)(rng)] ^= 0x5a;
    }
    std::filesystem::remove(path + "-wal");
    std::ofstream(path, std::ios::binary | std::ios::trunc) << damaged;
    auto box = Outbox::open(options());
    if (!box.is_ok()) {
      EXPECT_TRUE(box.status().code() == StatusCode::kInvalidModel ||
                  box.status().code() == StatusCode::kIoError)
          << box.status().message();
      continue;
    }
    (void)(*box)->peek(1000);  // may fail (SQLITE_CORRUPT): an error, not a crash
    (void)(*box)->put("events", "t", "after the damage");
    (void)(*box)->drop_reports();
  }
}

// A producer's thread and the uplink's share the outbox: every put is taken once, in order.
TEST_F(OutboxTest, AProducerAndASenderOnTwoThreadsShareIt) {
  auto box = open(options(64 << 20));
  ASSERT_NE(box, nullptr);
  constexpr int kMessages = 400;
  std::thread producer([&] {
    for (int i = 0; i < kMessages; ++i) put(*box, "events", std::to_string(i));
  });
  std::vector<std::string> sent;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (sent.size() < kMessages && std::chrono::steady_clock::now() < until) {
    auto batch = box->peek(16);
    ASSERT_TRUE(batch.is_ok()) << batch.status().message();
    for (const OutboxMessage& m : *batch) {
      sent.push_back(m.payload);
      ASSERT_TRUE(box->acknowledge(m.id).is_ok());
    }
  }
  producer.join();
  ASSERT_EQ(sent.size(), static_cast<size_t>(kMessages));
  for (int i = 0; i < kMessages; ++i) EXPECT_EQ(sent[static_cast<size_t>(i)], std::to_string(i));
  auto left = box->stats();
  ASSERT_TRUE(left.is_ok());
  EXPECT_EQ(left->messages, 0);
  EXPECT_EQ(left->bytes, 0);
}

// kill -9 at random moments of a stream of puts: every id the child reported as returned is
// there after a restart, in order, and the database opens and reads whole.
TEST_F(OutboxTest, KillNineDuringWritesLosesNothingAcknowledged) {
  std::mt19937 rng(42);
  std::set<int64_t> acknowledged;
  for (int round = 0; round < 12; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      OutboxOptions o;
      o.path = dir_ + "/outbox.db";
      o.max_bytes = 64 << 20;
      auto box = Outbox::open(o);
      if (!box.is_ok()) _exit(3);
      for (int i = 0;; ++i) {
        auto r = (*box)->put("events", "outpost/v1/dev1/events", std::string(200 + i % 500, 'e'));
        if (!r.is_ok() || !r->stored) _exit(4);
        // Acknowledged to the producer only now, after put() returned.
        if (write(fds[1], &r->id, sizeof(r->id)) != sizeof(r->id)) _exit(5);
      }
    }
    close(fds[1]);
    const int wait_us = std::uniform_int_distribution<int>(5'000, 60'000)(rng);
    usleep(static_cast<useconds_t>(wait_us));
    kill(child, SIGKILL);
    int64_t id = 0;
    while (read(fds[0], &id, sizeof(id)) == sizeof(id)) acknowledged.insert(id);
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child ended by itself: exit " << WEXITSTATUS(status);
  }
  ASSERT_FALSE(acknowledged.empty());
  OutboxOptions o;
  o.path = dir_ + "/outbox.db";
  o.max_bytes = 64 << 20;
  auto box = Outbox::open(o);
  ASSERT_TRUE(box.is_ok()) << box.status().message();
  auto all = (*box)->peek(1'000'000);
  ASSERT_TRUE(all.is_ok());
  std::set<int64_t> stored;
  int64_t previous = 0;
  for (const OutboxMessage& m : *all) {
    EXPECT_GT(m.id, previous);
    previous = m.id;
    stored.insert(m.id);
  }
  for (int64_t id : acknowledged) EXPECT_EQ(stored.count(id), 1u) << "acknowledged id " << id << " lost";
  // At most one message per kill was written but not yet acknowledged to the producer.
  EXPECT_LE(stored.size(), acknowledged.size() + 12);
  std::printf("[outbox] %zu puts acknowledged over 12 kills, %zu stored\n", acknowledged.size(),
              stored.size());
}

// The gateway's relay hands a message over with its MQTT packet id; a broker that did not see
// the acknowledgement sends it again flagged DUP. The resend is recognised (same slot, same
// content) and not stored twice; a new message in a reused slot, or the same content without
// the flag (a sensor that reads the same value twice), is stored.
TEST_F(OutboxTest, ARelayedResendIsRecognisedAndNotStoredTwice) {
  auto box = open(options());
  ASSERT_TRUE(box);
  const std::string topic = "outpost/v1/sensor-1/events";
  auto first = box->put_relayed("events", topic, "{\"t\":21}", {7, false});
  ASSERT_TRUE(first.is_ok()) << first.status().message();
  EXPECT_TRUE(first->stored);
  EXPECT_FALSE(first->duplicate);

  auto resend = box->put_relayed("events", topic, "{\"t\":21}", {7, true});
  ASSERT_TRUE(resend.is_ok());
  EXPECT_TRUE(resend->duplicate);
  EXPECT_TRUE(resend->stored);
  EXPECT_EQ(resend->id, first->id);

  auto same_value_again = box->put_relayed("events", topic, "{\"t\":21}", {7, false});
  ASSERT_TRUE(same_value_again.is_ok());
  EXPECT_FALSE(same_value_again->duplicate);
  EXPECT_GT(same_value_again->id, first->id);

  auto other_slot = box->put_relayed("events", topic, "{\"t\":21}", {8, true});
  ASSERT_TRUE(other_slot.is_ok());
  EXPECT_FALSE(other_slot->duplicate) << "a resend is known by its slot, not its content alone";

  auto other_content = box->put_relayed("events", topic, "{\"t\":22}", {7, true});
  ASSERT_TRUE(other_content.is_ok());
  EXPECT_FALSE(other_content->duplicate);
  auto other_topic = box->put_relayed("events", "outpost/v1/sensor-2/events", "{\"t\":22}", {7, true});
  ASSERT_TRUE(other_topic.is_ok());
  EXPECT_FALSE(other_topic->duplicate);
  EXPECT_EQ(box->stats()->messages, 5);
}

// The record of what was handed over survives a restart (the relay's resend comes after the
// agent was killed between storing and acknowledging), and holds even once the message itself
// has left the outbox (the uplink delivered it meanwhile).
TEST_F(OutboxTest, ARelayedResendIsRecognisedAfterARestartAndAfterDelivery) {
  int64_t id = 0;
  {
    auto box = open(options());
    ASSERT_TRUE(box);
    auto r = box->put_relayed("metrics", "outpost/v1/s/metrics", "m", {3, false});
    ASSERT_TRUE(r.is_ok());
    id = r->id;
    ASSERT_TRUE(box->acknowledge(id).is_ok());  // delivered upstream
  }
  auto box = open(options());
  ASSERT_TRUE(box);
  auto resend = box->put_relayed("metrics", "outpost/v1/s/metrics", "m", {3, true});
  ASSERT_TRUE(resend.is_ok());
  EXPECT_TRUE(resend->duplicate);
  EXPECT_EQ(resend->id, id);
  EXPECT_EQ(box->stats()->messages, 0);
}

// A relayed message the outbox refused (full of kept messages) is refused once: its resend is
// not counted as a second drop.
TEST_F(OutboxTest, ARefusedRelayedMessageIsCountedOnce) {
  auto box = open(options(/*max_bytes=*/200));
  ASSERT_TRUE(box);
  ASSERT_GT(put(*box, "state", std::string(150, 's')), 0);
  auto r = box->put_relayed("state", "outpost/v1/s/reported", std::string(100, 'r'), {1, false});
  ASSERT_TRUE(r.is_ok());
  EXPECT_FALSE(r->stored);
  auto resend = box->put_relayed("state", "outpost/v1/s/reported", std::string(100, 'r'), {1, true});
  ASSERT_TRUE(resend.is_ok());
  EXPECT_TRUE(resend->duplicate);
  EXPECT_FALSE(resend->stored);
  EXPECT_EQ(dropped(*box)["state/refused"], 1);
}

}  // namespace
}  // namespace outpost::agent
