#include "agent/outbox.h"

#include <sodium.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <utility>

#include "agent/sqlite_statement.h"
#include "core/wall_clock.h"

namespace outpost::agent {
namespace {

// PRAGMA application_id of an outbox database ("OPOB"), and its schema version.
constexpr int kApplicationId = 0x4F504F42;
constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  class TEXT NOT NULL,
  topic TEXT NOT NULL,
  payload BLOB NOT NULL,
  bytes INTEGER NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE INDEX messages_by_class ON messages (class, id);
CREATE INDEX messages_by_age ON messages (created_ms);
CREATE TABLE drops (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  class TEXT NOT NULL,
  reason TEXT NOT NULL,
  count INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  first_ms INTEGER NOT NULL,
  last_ms INTEGER NOT NULL,
  first_id INTEGER NOT NULL,
  last_id INTEGER NOT NULL,
  sent INTEGER NOT NULL DEFAULT 0
);
)sql";

// Added after schema 1 shipped, so created when missing (an older outbox gains it unchanged):
// for each slot of a relaying sender, the digest of the message last handed over in it.
constexpr const char* kRelayedTable = R"sql(
CREATE TABLE IF NOT EXISTS relayed (
  slot INTEGER PRIMARY KEY,
  digest BLOB NOT NULL,
  message_id INTEGER NOT NULL
);
)sql";

// A digest of a relayed message's topic and payload (BLAKE2b, 16 bytes): the topic's length
// first, so that no two (topic, payload) pairs hash the same concatenation.
std::string relay_digest(const std::string& topic, const std::string& payload) {
  unsigned char out[16];
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, sizeof(out));
  const uint64_t topic_size = topic.size();
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(&topic_size),
                            sizeof(topic_size));
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(topic.data()),
                            topic.size());
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(payload.data()),
                            payload.size());
  crypto_generichash_final(&state, out, sizeof(out));
  return std::string(reinterpret_cast<const char*>(out), sizeof(out));
}

}  // namespace

Outbox::Outbox(OutboxOptions options, sqlite3* db) : options_(std::move(options)), db_(db) {}

Outbox::~Outbox() { sqlite3_close(db_); }

Status Outbox::sqlite_error(const std::string& doing) const {
  return io_error(options_.path + ": outbox: " + doing + ": " + sqlite3_errmsg(db_));
}

Status Outbox::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) == SQLITE_OK) return Status::ok();
  const std::string why = error != nullptr ? error : sqlite3_errmsg(db_);
  sqlite3_free(error);
  return io_error(options_.path + ": outbox: " + why);
}

Result<std::unique_ptr<Outbox>> Outbox::open(OutboxOptions options) {
  if (options.max_bytes <= 0 || options.max_age_ms <= 0 || options.classes.empty())
    return usage_error("outbox: max_bytes and max_age_ms must be positive, with a class or more");
  if (!options.now_ms) options.now_ms = unix_now_ms;
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(options.path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<Outbox> box(new Outbox(std::move(options), db));
  if (rc != SQLITE_OK) return box->sqlite_error("cannot open");
  // Exclusive locking first: WAL then keeps its index in this process, and a second process
  // that opens the same outbox is refused instead of sharing it.
  OUTPOST_RETURN_IF_ERROR(box->exec("PRAGMA locking_mode=EXCLUSIVE"));
  sqlite3_busy_timeout(db, 0);
  {
    Statement mode(db, "PRAGMA journal_mode=WAL");
    const int rc = mode.prepared() ? mode.step() : sqlite3_errcode(db);
    const int primary = sqlite3_errcode(db) & 0xff;
    if (rc != SQLITE_ROW && (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT))
      return invalid_model(box->options_.path + ": not an outbox, or a damaged one (" +
                           sqlite3_errmsg(db) + ")");
    if (rc != SQLITE_ROW)
      return io_error(box->options_.path +
                      ": outbox: cannot switch to WAL (is another process using it?): " +
                      sqlite3_errmsg(db));
    if (mode.text(0) != "wal")
      return io_error(box->options_.path + ": outbox: the file system does not allow WAL");
  }
  OUTPOST_RETURN_IF_ERROR(box->exec("PRAGMA synchronous=FULL"));
  Statement app(db, "PRAGMA application_id");
  Statement tables(db, "SELECT count(*) FROM sqlite_master");
  if (!app.prepared() || app.step() != SQLITE_ROW || !tables.prepared() ||
      tables.step() != SQLITE_ROW)
    return invalid_model(box->options_.path + ": not an outbox (" + sqlite3_errmsg(db) + ")");
  if (tables.integer(0) == 0) {
    Transaction t(db);
    if (!t.begun()) return box->sqlite_error("cannot create (locked by another process?)");
    OUTPOST_RETURN_IF_ERROR(box->exec(kSchema));
    OUTPOST_RETURN_IF_ERROR(box->exec(("PRAGMA application_id=" + std::to_string(kApplicationId) +
                                       ";PRAGMA user_version=" + std::to_string(kSchemaVersion))
                                          .c_str()));
    if (!t.commit()) return box->sqlite_error("cannot create");
  } else if (app.integer(0) != kApplicationId) {
    return invalid_model(box->options_.path + ": a SQLite database, but not an outbox");
  }
  OUTPOST_RETURN_IF_ERROR(box->exec(kRelayedTable));
  if (sodium_init() < 0) return io_error("outbox: libsodium cannot be initialised");
  Statement sum(db, "SELECT COALESCE(SUM(bytes), 0) FROM messages");
  if (!sum.prepared() || sum.step() != SQLITE_ROW) return box->sqlite_error("cannot read");
  box->bytes_ = sum.integer(0);
  Statement by_class(db, "SELECT class, SUM(bytes) FROM messages GROUP BY class");
  if (!by_class.prepared()) return box->sqlite_error("cannot read");
  for (int rc = by_class.step(); rc != SQLITE_DONE; rc = by_class.step()) {
    if (rc != SQLITE_ROW) return box->sqlite_error("cannot read");
    box->class_bytes_[by_class.text(0)] = by_class.integer(1);
  }
  return box;
}

const OutboxClass* Outbox::find_class(const std::string& name) const {
  for (const OutboxClass& c : options_.classes)
    if (c.name == name) return &c;
  return nullptr;
}

// Merged into the newest record of the same class and reason that was not handed out yet.
Status Outbox::record_drop(const std::string& message_class, const std::string& reason,
                           int64_t count, int64_t bytes, int64_t first_id, int64_t last_id,
                           int64_t now) {
  return record_drop_span(message_class, reason, count, bytes, first_id, last_id, now, now);
}

Status Outbox::record_drop_span(const std::string& message_class, const std::string& reason,
                                int64_t count, int64_t bytes, int64_t first_id, int64_t last_id,
                                int64_t first_ms, int64_t last_ms) {
  Statement merge(db_,
                  "UPDATE drops SET count = count + ?1, bytes = bytes + ?2, "
                  "first_ms = MIN(first_ms, ?8), last_ms = MAX(last_ms, ?3), "
                  "first_id = CASE WHEN first_id = 0 THEN ?4 ELSE first_id END, "
                  "last_id = MAX(last_id, ?5) WHERE id = (SELECT MAX(id) FROM drops WHERE "
                  "class = ?6 AND reason = ?7) AND sent = 0");
  merge.bind(1, count).bind(2, bytes).bind(3, last_ms).bind(4, first_id).bind(5, last_id);
  merge.bind(6, message_class).bind(7, reason).bind(8, first_ms);
  if (!merge.prepared() || merge.step() != SQLITE_DONE) return sqlite_error("cannot count a drop");
  if (sqlite3_changes(db_) > 0) return Status::ok();
  Statement insert(db_,
                   "INSERT INTO drops (class, reason, count, bytes, first_ms, last_ms, first_id, "
                   "last_id) VALUES (?1, ?2, ?3, ?4, ?5, ?8, ?6, ?7)");
  insert.bind(1, message_class).bind(2, reason).bind(3, count).bind(4, bytes).bind(5, first_ms);
  insert.bind(6, first_id).bind(7, last_id).bind(8, last_ms);
  if (!insert.prepared() || insert.step() != SQLITE_DONE)
    return sqlite_error("cannot record a drop");
  return Status::ok();
}

Result<int64_t> Outbox::expire_at(int64_t now) {
  const int64_t cutoff = now - options_.max_age_ms;
  // The oldest message first, from the age index: the grouped query below may be planned over
  // the class index and read every row, which on every put made a filling outbox of 50 MB
  // cost the agent a core (bench/agent_full_outbox.py).
  Statement oldest(db_, "SELECT MIN(created_ms) FROM messages");
  if (!oldest.prepared() || oldest.step() != SQLITE_ROW) return sqlite_error("cannot expire");
  if (oldest.is_null(0) || oldest.integer(0) >= cutoff) return int64_t{0};
  Statement old(db_,
                "SELECT class, COUNT(*), SUM(bytes), MIN(id), MAX(id) FROM messages "
                "WHERE created_ms < ?1 GROUP BY class");
  old.bind(1, cutoff);
  if (!old.prepared()) return sqlite_error("cannot expire");
  int64_t expired = 0, freed = 0;
  for (int rc = old.step(); rc != SQLITE_DONE; rc = old.step()) {
    if (rc != SQLITE_ROW) return sqlite_error("cannot expire");
    OUTPOST_RETURN_IF_ERROR(record_drop(old.text(0), "expired", old.integer(1), old.integer(2),
                                        old.integer(3), old.integer(4), now));
    expired += old.integer(1);
    freed += old.integer(2);
    class_bytes_[old.text(0)] -= old.integer(2);
  }
  if (expired == 0) return int64_t{0};
  Statement remove(db_, "DELETE FROM messages WHERE created_ms < ?1");
  remove.bind(1, cutoff);
  if (!remove.prepared() || remove.step() != SQLITE_DONE) return sqlite_error("cannot expire");
  bytes_ -= freed;
  return expired;
}

// Evicts the oldest messages of drop-oldest classes of no higher priority than `incoming`,
// lowest priority first, until `needed` bytes are free; evicts nothing when they cannot be.
// Returns the messages evicted, or -1 when the room cannot be made.
Result<int64_t> Outbox::make_room(const OutboxClass& incoming, int64_t needed, int64_t now) {
  std::vector<const OutboxClass*> victims;
  for (const OutboxClass& c : options_.classes)
    if (c.overflow == Overflow::kDropOldest && c.priority <= incoming.priority)
      victims.push_back(&c);
  std::stable_sort(victims.begin(), victims.end(),
                   [](const OutboxClass* a, const OutboxClass* b) { return a->priority < b->priority; });
  int64_t available = 0;
  // From the totals kept in memory: a SUM over the class's rows on every put made a full
  // outbox of 64 MiB take milliseconds per put (bench/agent_full_outbox.py).
  for (const OutboxClass* c : victims) available += class_bytes_[c->name];
  if (available < needed) return int64_t{-1};
  int64_t evicted = 0;
  for (const OutboxClass* c : victims) {
    if (needed <= 0) break;
    Statement oldest(db_, "SELECT id, bytes FROM messages WHERE class = ?1 ORDER BY id");
    oldest.bind(1, c->name);
    if (!oldest.prepared()) return sqlite_error("cannot make room");
    int64_t count = 0, freed = 0, first = 0, last = 0;
    while (needed > 0) {
      const int rc = oldest.step();
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return sqlite_error("cannot make room");
      if (count == 0) first = oldest.integer(0);
      last = oldest.integer(0);
      freed += oldest.integer(1);
      needed -= oldest.integer(1);
      ++count;
    }
    if (count == 0) continue;
    Statement remove(db_, "DELETE FROM messages WHERE class = ?1 AND id <= ?2");
    remove.bind(1, c->name).bind(2, last);
    if (!remove.prepared() || remove.step() != SQLITE_DONE) return sqlite_error("cannot evict");
    OUTPOST_RETURN_IF_ERROR(record_drop(c->name, "evicted", count, freed, first, last, now));
    bytes_ -= freed;
    class_bytes_[c->name] -= freed;
    evicted += count;
  }
  return evicted;
}

Result<PutResult> Outbox::put(const std::string& message_class, const std::string& topic,
                              const std::string& payload) {
  return put_message(message_class, topic, payload, nullptr);
}

Result<PutResult> Outbox::put_relayed(const std::string& message_class, const std::string& topic,
                                      const std::string& payload, RelayKey key) {
  return put_message(message_class, topic, payload, &key);
}

// Inside put's transaction: expires, makes room or refuses, and stores.
Result<PutResult> Outbox::store(const OutboxClass& c, const std::string& topic,
                                const std::string& payload, int64_t now) {
  const int64_t size = static_cast<int64_t>(topic.size() + payload.size());
  OUTPOST_RETURN_IF_ERROR(expire_at(now).status());
  PutResult r;
  if (bytes_ + size > options_.max_bytes) {
    int64_t evicted = -1;
    if (size <= options_.max_bytes) {
      OUTPOST_ASSIGN_OR_RETURN(evicted, make_room(c, bytes_ + size - options_.max_bytes, now));
    }
    if (evicted < 0) {
      OUTPOST_RETURN_IF_ERROR(record_drop(c.name, "refused", 1, size, 0, 0, now));
      return r;
    }
    r.evicted = evicted;
  }
  Statement insert(db_,
                   "INSERT INTO messages (class, topic, payload, bytes, created_ms) "
                   "VALUES (?1, ?2, ?3, ?4, ?5)");
  insert.bind(1, c.name).bind(2, topic).bind_blob(3, payload).bind(4, size).bind(5, now);
  if (!insert.prepared() || insert.step() != SQLITE_DONE) return sqlite_error("cannot store");
  bytes_ += size;
  class_bytes_[c.name] += size;
  r.stored = true;
  r.id = sqlite3_last_insert_rowid(db_);
  return r;
}

Result<PutResult> Outbox::put_message(const std::string& message_class, const std::string& topic,
                                      const std::string& payload, const RelayKey* key) {
  std::lock_guard<std::mutex> lock(mu_);
  const OutboxClass* c = find_class(message_class);
  if (c == nullptr) return usage_error("outbox: no message class '" + message_class + "'");
  const int64_t now = options_.now_ms();
  const int64_t bytes_before = bytes_;
  const std::map<std::string, int64_t> class_bytes_before = class_bytes_;
  Transaction t(db_);
  if (!t.begun()) return sqlite_error("cannot begin a write");
  auto stored = [&]() -> Result<PutResult> {
    const std::string digest = key != nullptr ? relay_digest(topic, payload) : std::string();
    if (key != nullptr && key->resent) {
      Statement seen(db_, "SELECT message_id FROM relayed WHERE slot = ?1 AND digest = ?2");
      seen.bind(1, key->slot).bind_blob(2, digest);
      if (!seen.prepared()) return sqlite_error("cannot read the relayed messages");
      const int rc = seen.step();
      if (rc == SQLITE_ROW) {
        PutResult r;
        r.duplicate = true;
        r.id = seen.integer(0);
        r.stored = r.id != 0;
        return r;
      }
      if (rc != SQLITE_DONE) return sqlite_error("cannot read the relayed messages");
    }
    OUTPOST_ASSIGN_OR_RETURN(PutResult r, store(*c, topic, payload, now));
    if (key != nullptr) {
      Statement remember(db_,
                         "INSERT OR REPLACE INTO relayed (slot, digest, message_id) "
                         "VALUES (?1, ?2, ?3)");
      remember.bind(1, key->slot).bind_blob(2, digest).bind(3, r.id);
      if (!remember.prepared() || remember.step() != SQLITE_DONE)
        return sqlite_error("cannot remember a relayed message");
    }
    return r;
  }();
  if (!stored.is_ok() || !t.commit()) {
    bytes_ = bytes_before;  // the transaction rolls back
    class_bytes_ = class_bytes_before;
    return stored.is_ok() ? sqlite_error("cannot commit") : stored.status();
  }
  return stored;
}

Result<std::vector<OutboxMessage>> Outbox::peek(size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement q(db_,
              "SELECT id, class, topic, payload, created_ms FROM messages ORDER BY id LIMIT ?1");
  q.bind(1, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  if (!q.prepared()) return sqlite_error("cannot read");
  std::vector<OutboxMessage> out;
  for (int rc = q.step(); rc != SQLITE_DONE; rc = q.step()) {
    if (rc != SQLITE_ROW) return sqlite_error("cannot read");
    out.push_back({q.integer(0), q.text(1), q.text(2), q.text(3), q.integer(4)});
  }
  return out;
}

Status Outbox::acknowledge(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction t(db_);
  if (!t.begun()) return sqlite_error("cannot begin a write");
  Statement size(db_, "SELECT bytes, class FROM messages WHERE id = ?1");
  size.bind(1, id);
  if (!size.prepared()) return sqlite_error("cannot acknowledge");
  const int rc = size.step();
  if (rc == SQLITE_DONE) return Status::ok();  // sent twice, or dropped meanwhile
  if (rc != SQLITE_ROW) return sqlite_error("cannot acknowledge");
  const int64_t bytes = size.integer(0);
  const std::string message_class = size.text(1);
  Statement remove(db_, "DELETE FROM messages WHERE id = ?1");
  remove.bind(1, id);
  if (!remove.prepared() || remove.step() != SQLITE_DONE || !t.commit())
    return sqlite_error("cannot acknowledge");
  bytes_ -= bytes;
  class_bytes_[message_class] -= bytes;
  return Status::ok();
}

Result<int64_t> Outbox::expire() {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t bytes_before = bytes_;
  const std::map<std::string, int64_t> class_bytes_before = class_bytes_;
  Transaction t(db_);
  if (!t.begun()) return sqlite_error("cannot begin a write");
  auto expired = expire_at(options_.now_ms());
  if (!expired.is_ok() || !t.commit()) {
    bytes_ = bytes_before;
    class_bytes_ = class_bytes_before;
    return expired.is_ok() ? sqlite_error("cannot commit") : expired.status();
  }
  return expired;
}

Result<std::vector<DropReport>> Outbox::drop_reports() {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction t(db_);
  if (!t.begun()) return sqlite_error("cannot begin a write");
  Statement q(db_,
              "SELECT id, class, reason, count, bytes, first_ms, last_ms, first_id, last_id, sent "
              "FROM drops ORDER BY id");
  if (!q.prepared()) return sqlite_error("cannot read the drops");
  std::vector<DropReport> out;
  for (int rc = q.step(); rc != SQLITE_DONE; rc = q.step()) {
    if (rc != SQLITE_ROW) return sqlite_error("cannot read the drops");
    out.push_back({q.integer(0), q.text(1), q.text(2), q.integer(3), q.integer(4), q.integer(5),
                   q.integer(6), q.integer(7), q.integer(8), q.integer(9) != 0});
  }
  // Frozen from here: later drops start a record of their own.
  if (!out.empty()) {
    Statement mark(db_, "UPDATE drops SET sent = 1 WHERE id <= ?1");
    mark.bind(1, out.back().id);
    if (!mark.prepared() || mark.step() != SQLITE_DONE) return sqlite_error("cannot mark drops");
  }
  if (!t.commit()) return sqlite_error("cannot commit");
  return out;
}

Status Outbox::record_producer_drops(const std::string& message_class, const std::string& reason,
                                     int64_t count, int64_t bytes, int64_t first_ms,
                                     int64_t last_ms) {
  if (find_class(message_class) == nullptr)
    return usage_error("outbox: no message class '" + message_class + "'");
  if (reason.empty() || count <= 0 || bytes < 0 || first_ms > last_ms)
    return usage_error("outbox: a producer's drop record needs a reason, a count of 1 or more, "
                       "bytes of 0 or more and first_ms <= last_ms");
  std::lock_guard<std::mutex> lock(mu_);
  // One statement: SQLite's own transaction, fsynced (synchronous=FULL) before it returns.
  return record_drop_span(message_class, reason, count, bytes, 0, 0, first_ms, last_ms);
}

Status Outbox::acknowledge_drop_report(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement remove(db_, "DELETE FROM drops WHERE id = ?1 AND sent = 1");
  remove.bind(1, id);
  if (!remove.prepared() || remove.step() != SQLITE_DONE)
    return sqlite_error("cannot acknowledge a drop report");
  return Status::ok();
}

Result<OutboxStats> Outbox::stats() {
  std::lock_guard<std::mutex> lock(mu_);
  Statement q(db_,
              "SELECT COUNT(*), COALESCE(SUM(bytes), 0), COALESCE(MIN(id), 0), "
              "(SELECT COUNT(*) FROM drops) FROM messages");
  if (!q.prepared() || q.step() != SQLITE_ROW) return sqlite_error("cannot read");
  return OutboxStats{q.integer(0), q.integer(1), q.integer(2), q.integer(3)};
}

}  // namespace outpost::agent
