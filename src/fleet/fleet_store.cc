#include "fleet/fleet_store.h"

#include "agent/sqlite_statement.h"
#include "core/json_text.h"

namespace outpost::fleet {
namespace {

using agent::Statement;
using agent::Transaction;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS devices (
  device TEXT PRIMARY KEY,
  reported TEXT NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS rollouts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  deployment_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  devices_glob TEXT NOT NULL,
  state TEXT NOT NULL,
  started_ms INTEGER NOT NULL,
  finished_ms INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS rollout_devices (
  rollout_id INTEGER NOT NULL REFERENCES rollouts(id),
  device TEXT NOT NULL,
  wave INTEGER NOT NULL,
  state TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '',
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY (rollout_id, device)
);
)sql";

}  // namespace

FleetStore::~FleetStore() { sqlite3_close(db_); }

Status FleetStore::error(const std::string& doing) const {
  return io_error(path_ + ": fleet database: " + doing + ": " + sqlite3_errmsg(db_));
}

Result<std::unique_ptr<FleetStore>> FleetStore::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    const std::string why = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return io_error(path + ": cannot open the fleet database: " + why);
  }
  std::unique_ptr<FleetStore> store(new FleetStore(path, db));
  sqlite3_busy_timeout(db, 5000);  // a `fleet status` beside a rollout waits, briefly
  char* message = nullptr;
  const int rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, &message);
  sqlite3_free(message);
  if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
    return Status(StatusCode::kInvalidModel, path + ": not a fleet database (SQLite: " +
                                                 sqlite3_errstr(rc) + ")");
  if (rc != SQLITE_OK || sqlite3_exec(db, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK)
    return store->error("cannot create its tables");
  return store;
}

Status FleetStore::record_reported(const std::string& device, const nlohmann::json& reported,
                                   int64_t now_ms) {
  return record_reported_all({{device, reported}}, now_ms);
}

Status FleetStore::record_reported_all(const std::map<std::string, nlohmann::json>& reported,
                                       int64_t now_ms) {
  Transaction t(db_);
  if (!t.begun()) return error("cannot begin");
  for (const auto& [device, state] : reported) {
    Statement q(db_,
                "INSERT INTO devices (device, reported, updated_ms) VALUES (?1, ?2, ?3) "
                "ON CONFLICT(device) DO UPDATE SET reported = ?2, updated_ms = ?3");
    q.bind(1, device).bind(2, json_line(state)).bind(3, now_ms);
    if (!q.prepared() || q.step() != SQLITE_DONE) return error("cannot record a reported state");
  }
  if (!t.commit()) return error("cannot commit");
  return Status::ok();
}

Result<std::map<std::string, nlohmann::json>> FleetStore::devices() {
  Statement q(db_, "SELECT device, reported FROM devices ORDER BY device");
  if (!q.prepared()) return error("cannot read the devices");
  std::map<std::string, nlohmann::json> out;
  for (int rc = q.step(); rc != SQLITE_DONE; rc = q.step()) {
    if (rc != SQLITE_ROW) return error("cannot read the devices");
    out[q.text(0)] = nlohmann::json::parse(q.text(1), nullptr, /*allow_exceptions=*/false);
  }
  return out;
}

Result<int64_t> FleetStore::begin_rollout(const std::string& deployment_id, int64_t version,
                                          const std::string& devices_glob, int64_t now_ms) {
  Statement q(db_,
              "INSERT INTO rollouts (deployment_id, version, devices_glob, state, started_ms) "
              "VALUES (?1, ?2, ?3, 'running', ?4)");
  q.bind(1, deployment_id).bind(2, version).bind(3, devices_glob).bind(4, now_ms);
  if (!q.prepared() || q.step() != SQLITE_DONE) return error("cannot record the rollout");
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db_));
}

Status FleetStore::set_devices(int64_t rollout_id, const std::vector<RolloutDevice>& devices,
                               int64_t now_ms) {
  Transaction t(db_);
  if (!t.begun()) return error("cannot begin");
  for (const RolloutDevice& d : devices) {
    Statement q(db_,
                "INSERT INTO rollout_devices (rollout_id, device, wave, state, detail, updated_ms) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(rollout_id, device) DO UPDATE SET "
                "wave = ?3, state = ?4, detail = ?5, updated_ms = ?6");
    q.bind(1, rollout_id).bind(2, d.device).bind(3, int64_t{d.wave}).bind(4, d.state);
    q.bind(5, d.detail).bind(6, now_ms);
    if (!q.prepared() || q.step() != SQLITE_DONE) return error("cannot record a device's state");
  }
  if (!t.commit()) return error("cannot commit");
  return Status::ok();
}

Status FleetStore::finish_rollout(int64_t rollout_id, const std::string& state, int64_t now_ms) {
  Statement q(db_, "UPDATE rollouts SET state = ?2, finished_ms = ?3 WHERE id = ?1");
  q.bind(1, rollout_id).bind(2, state).bind(3, now_ms);
  if (!q.prepared() || q.step() != SQLITE_DONE) return error("cannot finish the rollout");
  return Status::ok();
}

Result<std::optional<RolloutRecord>> FleetStore::last_rollout() {
  Statement r(db_,
              "SELECT id, deployment_id, version, devices_glob, state, started_ms, finished_ms "
              "FROM rollouts ORDER BY id DESC LIMIT 1");
  if (!r.prepared()) return error("cannot read the rollouts");
  const int rc = r.step();
  if (rc == SQLITE_DONE) return std::optional<RolloutRecord>();
  if (rc != SQLITE_ROW) return error("cannot read the rollouts");
  RolloutRecord out;
  out.id = r.integer(0);
  out.deployment_id = r.text(1);
  out.version = r.integer(2);
  out.devices_glob = r.text(3);
  out.state = r.text(4);
  out.started_ms = r.integer(5);
  out.finished_ms = r.integer(6);
  Statement d(db_,
              "SELECT device, wave, state, detail FROM rollout_devices WHERE rollout_id = ?1 "
              "ORDER BY wave, device");
  d.bind(1, out.id);
  if (!d.prepared()) return error("cannot read the rollout's devices");
  for (int s = d.step(); s != SQLITE_DONE; s = d.step()) {
    if (s != SQLITE_ROW) return error("cannot read the rollout's devices");
    out.devices.push_back({d.text(0), static_cast<int>(d.integer(1)), d.text(2), d.text(3)});
  }
  return std::optional<RolloutRecord>(std::move(out));
}

}  // namespace outpost::fleet
