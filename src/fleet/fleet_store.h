// The fleet side's state (docs/fleet.md): every device's last reported state, and each rollout
// with the wave and outcome of every device in it. SQLite (Debian's libsqlite3) in WAL mode, so
// `outpost fleet status` can read while a rollout writes; one file, `fleet.db` by default.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "outpost/status.h"

struct sqlite3;

namespace outpost::fleet {

struct RolloutDevice {
  std::string device;
  int wave = 0;           // 1 = the canary wave
  std::string state;      // "pending" (not yet published), "published", "healthy", "failed", "skipped"
  std::string detail;     // why it failed or was skipped
};

struct RolloutRecord {
  int64_t id = 0;
  std::string deployment_id;
  int64_t version = 0;
  std::string devices_glob;
  std::string state;  // "running", "completed", "aborted"
  int64_t started_ms = 0, finished_ms = 0;
  std::vector<RolloutDevice> devices;
};

class FleetStore {
 public:
  // kIoError naming the file when it cannot be opened; kInvalidModel when it is not a fleet
  // database.
  static Result<std::unique_ptr<FleetStore>> open(const std::string& path);
  ~FleetStore();
  FleetStore(const FleetStore&) = delete;
  FleetStore& operator=(const FleetStore&) = delete;

  // The device's last reported state (the reported topic's body), and when it came.
  Status record_reported(const std::string& device, const nlohmann::json& reported, int64_t now_ms);
  Status record_reported_all(const std::map<std::string, nlohmann::json>& reported, int64_t now_ms);
  Result<std::map<std::string, nlohmann::json>> devices();

  Result<int64_t> begin_rollout(const std::string& deployment_id, int64_t version,
                                const std::string& devices_glob, int64_t now_ms);
  // Sets the state of many devices of a rollout at once (one transaction).
  Status set_devices(int64_t rollout_id, const std::vector<RolloutDevice>& devices, int64_t now_ms);
  Status finish_rollout(int64_t rollout_id, const std::string& state, int64_t now_ms);
  // The newest rollout with its devices; nullopt when there was none.
  Result<std::optional<RolloutRecord>> last_rollout();

 private:
  FleetStore(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  Status error(const std::string& doing) const;

  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace outpost::fleet
