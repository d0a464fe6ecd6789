// The outbox: what a device must send upstream (events, metric samples, reported-state
// updates) is stored durably before it is acknowledged to its producer, and leaves only when
// the uplink has it (issue 15: MQTT QoS 1, deleted after PUBACK). It survives restarts, kill -9
// during a write and an uplink that is down for hours.
//
// SQLite (Debian's libsqlite3) in WAL mode with synchronous=FULL: a put() returns only after its
// transaction is in the write-ahead log and fsynced, so a message put() acknowledged is never
// lost, and one put() did not acknowledge is either whole or absent. Ids come from an
// AUTOINCREMENT key: strictly increasing and never reused, even across deletes and restarts,
// so a consumer that de-duplicates by id never sees the same id for two messages. The database
// is opened in exclusive locking mode: one process owns an outbox at a time. Within it, the
// methods may be called from several threads (a producer's and the uplink's): each runs whole,
// one at a time.
//
// Bounded by bytes (topic + payload) and by age. Each message belongs to a class with a priority
// and an overflow policy: when a new message does not fit, the oldest messages of drop-oldest
// classes of no higher priority go first, lowest priority first; if that cannot make room, the
// new message is refused. Nothing is lost silently: every message dropped (evicted, expired or
// refused) is counted in a drop record per class and reason, with its time and id range, kept
// in the same database until the uplink has reported it (drop_reports(), then
// acknowledge_drop_report()).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "outpost/status.h"

struct sqlite3;

namespace outpost::agent {

enum class Overflow {
  kDropOldest,  // room is made by evicting this class's oldest messages
  kRefuseNew,   // this class's messages are kept; a new one that does not fit is refused
};

struct OutboxClass {
  std::string name;  // "events", "metrics", "state", ...
  int priority = 0;  // higher survives longer: eviction starts at the lowest
  Overflow overflow = Overflow::kDropOldest;
};

struct OutboxOptions {
  std::string path;                  // the SQLite database file (created when missing)
  int64_t max_bytes = 64ll << 20;    // topics + payloads of the messages stored
  int64_t max_age_ms = 7ll * 24 * 3600 * 1000;  // older messages expire (and are reported)
  std::vector<OutboxClass> classes = {
      {"state", 3, Overflow::kRefuseNew},
      {"events", 2, Overflow::kDropOldest},
      {"metrics", 1, Overflow::kDropOldest},
  };
  // Milliseconds since the epoch; the system clock unless a test sets another.
  std::function<int64_t()> now_ms;
};

struct OutboxMessage {
  int64_t id = 0;
  std::string message_class;
  std::string topic;
  std::string payload;
  int64_t created_ms = 0;
};

// Messages of one class dropped for one reason ("evicted", "expired", "refused"), merged while
// the record is not yet reported: how many, their bytes, and the span of time and ids.
struct DropReport {
  int64_t id = 0;
  std::string message_class;
  std::string reason;
  int64_t count = 0;
  int64_t bytes = 0;
  int64_t first_ms = 0, last_ms = 0;  // when the drops happened
  int64_t first_id = 0, last_id = 0;  // the ids dropped (0 for refused ones: they got none)
  // Handed out by drop_reports() before and not acknowledged (the uplink may have it already;
  // it is sent again under the same id, and no later drops are merged into it).
  bool sent_before = false;
};

struct PutResult {
  bool stored = false;  // false: refused, and counted in a drop report
  int64_t id = 0;       // the stored message's id
  int64_t evicted = 0;  // older messages dropped to make room
  // put_relayed(): the message was handed over before (stored, or refused, then): nothing
  // changed now, and `stored` and `id` say what became of it the first time.
  bool duplicate = false;
};

// Where a relayed message came from, for put_relayed(): a broker that resends what it did not
// see acknowledged (the gateway's local broker, when the relay stopped between storing a
// message and acknowledging it; agentd/gateway_relay.h).
struct RelayKey {
  int64_t slot = 0;     // where the sender keeps the message until acknowledged: its packet id
  bool resent = false;  // the sender flags it as possibly sent before (MQTT's DUP)
};

struct OutboxStats {
  int64_t messages = 0;
  int64_t bytes = 0;
  int64_t oldest_id = 0;  // 0 when empty
  int64_t drop_reports = 0;
};

class Outbox {
 public:
  // Opens (or creates) the outbox. kIoError when the file cannot be opened or is locked by
  // another process; kInvalidModel when it is not an outbox (or a corrupt one).
  static Result<std::unique_ptr<Outbox>> open(OutboxOptions options);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Stores a message durably, expiring and evicting as the bounds require. kUsage for a class
  // the options do not name.
  Result<PutResult> put(const std::string& message_class, const std::string& topic,
                        const std::string& payload);
  // put(), and the message's digest kept under key.slot in the same transaction. A resent
  // message (key.resent) whose slot holds the same topic and payload is the one handed over
  // before: it is not stored again (PutResult::duplicate), so that a consumer that
  // de-duplicates by id never gets it twice under two ids.
  Result<PutResult> put_relayed(const std::string& message_class, const std::string& topic,
                                const std::string& payload, RelayKey key);

  // Up to `limit` stored messages, oldest first (ascending ids): the order to send them in.
  Result<std::vector<OutboxMessage>> peek(size_t limit);

  // The uplink has message `id` (its PUBACK came): it is deleted. An id no longer stored (sent
  // twice, or dropped meanwhile) is not an error.
  Status acknowledge(int64_t id);

  // Expires what is older than max_age_ms now (put() does this too); returns how many went.
  Result<int64_t> expire();

  // Messages a producer lost before they reached the outbox (a pipeline that could not reach
  // the agent while its own bounded buffer overflowed): recorded as the outbox's own drops are,
  // under `reason`, with the producer's time span, so they are reported upstream too. The ids
  // are 0: those messages never got one. kUsage for an unknown class or a malformed record.
  Status record_producer_drops(const std::string& message_class, const std::string& reason,
                               int64_t count, int64_t bytes, int64_t first_ms, int64_t last_ms);

  // The drops not yet acknowledged, oldest first. Each one returned is frozen: later drops of
  // its class and reason go to a new record, so acknowledging it loses none of them.
  Result<std::vector<DropReport>> drop_reports();
  Status acknowledge_drop_report(int64_t id);

  Result<OutboxStats> stats();

 private:
  Outbox(OutboxOptions options, sqlite3* db);
  Status exec(const char* sql);
  Status record_drop(const std::string& message_class, const std::string& reason, int64_t count,
                     int64_t bytes, int64_t first_id, int64_t last_id, int64_t now);
  Status record_drop_span(const std::string& message_class, const std::string& reason,
                          int64_t count, int64_t bytes, int64_t first_id, int64_t last_id,
                          int64_t first_ms, int64_t last_ms);
  Result<PutResult> put_message(const std::string& message_class, const std::string& topic,
                                const std::string& payload, const RelayKey* key);
  Result<PutResult> store(const OutboxClass& c, const std::string& topic,
                          const std::string& payload, int64_t now);
  Result<int64_t> expire_at(int64_t now);
  Result<int64_t> make_room(const OutboxClass& incoming, int64_t needed, int64_t now);
  const OutboxClass* find_class(const std::string& name) const;
  Status sqlite_error(const std::string& doing) const;

  OutboxOptions options_;
  std::mutex mu_;  // one operation (and its transaction) at a time on the one connection
  sqlite3* db_ = nullptr;
  int64_t bytes_ = 0;  // of the messages stored (exclusive locking: only this process writes)
  std::map<std::string, int64_t> class_bytes_;  // the same by class
};

}  // namespace outpost::agent
