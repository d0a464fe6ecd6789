// The models a server serves, by name, and their swap. Each name holds one loaded model; a load
// under a name already served opens the new session off to the side and then replaces the
// pointer under a lock, so requests that hold the old model finish on it, new ones get the new
// one, and the old session is freed when its last request ends. Nothing is dropped.
//
// Sessions are not thread-safe: each model has ONE session and a mutex, and its requests run
// one at a time (the session itself computes on its threads). A pool would multiply the
// model's memory; one session per model is what a small device can afford.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "outpost/session.h"
#include "serve/infer_protocol.h"
#include "serve/metrics.h"

namespace outpost::serve {

// Opens a model file as a session (the CLI's open_session: bundles, trust, --threads ...).
using SessionLoader = std::function<Result<std::unique_ptr<Session>>(const std::string& path)>;

class ServedModel {
 public:
  ServedModel(std::string name, std::string path, std::unique_ptr<Session> session);
  const std::string& name() const { return name_; }
  const std::string& path() const { return path_; }
  // The protocol's model metadata: name, versions, platform, inputs and outputs (name,
  // datatype, shape with -1 where a dimension varies).
  const nlohmann::json& metadata() const { return metadata_; }

  // Runs one request: waits for the session (the wait in *queue_seconds), checks the inputs
  // against the model (kUsage or kShapeMismatch naming the input and what it expects), runs.
  Result<InferResponse> infer(const InferRequest& request, double* queue_seconds);

 private:
  Status set_inputs(const InferRequest& request);
  std::string name_, path_;
  nlohmann::json metadata_;
  std::mutex run_mutex_;  // one request at a time on the session
  std::unique_ptr<Session> session_;
};

struct ModelEntry {
  std::string name, path;
  bool ready = false;
  std::string reason;  // why it is not ready
};

class ModelRepository {
 public:
  ModelRepository(SessionLoader loader, Metrics* metrics);

  // Opens `path` (the name's current path when empty) and serves it as `name`, replacing any
  // model served under that name once the new one is open. A model that fails to open leaves
  // the old one serving. kUsage for an empty path of a name never loaded.
  Status load(const std::string& name, const std::string& path = "");
  // Stops serving `name` (requests in flight finish); false when the name is unknown.
  bool unload(const std::string& name);

  // The model served as `name`; null when unknown or unloaded (see known()).
  std::shared_ptr<ServedModel> find(const std::string& name) const;
  bool known(const std::string& name) const;
  std::vector<ModelEntry> index() const;
  // Every model known is loaded (the server's readiness).
  bool all_ready() const;

 private:
  struct Slot {
    std::string path;
    std::shared_ptr<ServedModel> model;
    std::string reason;
  };
  SessionLoader loader_;
  Metrics* metrics_;
  std::mutex load_mutex_;  // one load at a time: two at once would hold two new models in memory
  mutable std::mutex mutex_;
  std::map<std::string, Slot> slots_;
};

}  // namespace outpost::serve
