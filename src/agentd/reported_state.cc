#include "agentd/reported_state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <mutex>

#include "agent/manifest.h"
#include "agent/strict_json.h"
#include "agent/utc_time.h"
#include "core/json_text.h"
#include "core/regular_file.h"
#include "core/utf8.h"

namespace outpost::agentd {
namespace {

using agent::FieldReader;
using nlohmann::json;

// status.json holds a handful of modules and messages; far more is not the agent's file.
constexpr size_t kMaxStatusBytes = size_t{4} << 20;
constexpr size_t kMaxModules = 1024;
constexpr size_t kMaxBundles = 1024;
constexpr size_t kMaxName = 1024;
// Messages can quote a whole refusal (every unsupported op of a model); longer ones are cut
// when written so that the reader's limit always holds.
constexpr size_t kMaxMessage = 16384;

const char* const kAgentStates[] = {"starting", "idle", "applying", "probation", "stopped"};
const char* const kHealthStates[] = {"probation", "healthy", "failed", "unknown"};
const char* const kRunKinds[] = {"serve", "pipeline"};
const char* const kRelayStates[] = {"connected", "disconnected"};

std::string errno_text() { return std::strerror(errno); }

// Strings as JSON can carry them: a message may quote a file name that is not UTF-8, which
// nlohmann::json's dump() would throw on; such bytes become the text \xNN (core/utf8.h).
std::string json_safe(const std::string& s) { return escape_invalid_utf8(s); }

// `text` cut to at most `max` bytes at a UTF-8 character boundary, saying it was cut.
std::string clipped(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  const std::string mark = " ... (cut)";
  size_t end = max - mark.size();
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + mark;
}

json deployment_json(const std::optional<DeploymentReport>& d) {
  if (!d) return nullptr;
  return {{"deployment_id", json_safe(d->deployment_id)},
          {"version", d->version},
          {"manifest_sha256", json_safe(d->manifest_sha256)}};
}

json module_json(const ModuleReport& m) {
  json bundles = json::array();
  for (const BundleReport& b : m.bundles)
    bundles.push_back({{"name", json_safe(b.name)},
                       {"version", json_safe(b.version)},
                       {"sha256", json_safe(b.sha256)}});
  return {{"name", json_safe(m.name)},
          {"run", json_safe(m.run)},
          {"process", json_safe(m.process)},
          {"pid", m.pid},
          {"restarts", m.restarts},
          {"health", json_safe(m.health)},
          {"endpoint", json_safe(m.endpoint)},
          {"bundles", bundles},
          {"last_error", clipped(json_safe(m.last_error), kMaxMessage)}};
}

// A string member that must be one of `choices`.
template <size_t N>
Result<std::string> one_of(const FieldReader& r, const char* key, const char* const (&choices)[N]) {
  OUTPOST_ASSIGN_OR_RETURN(std::string value, r.string(key, kMaxName));
  std::string list;
  for (const char* c : choices) {
    if (value == c) return value;
    list += list.empty() ? c : std::string(", ") + c;
  }
  return r.error(key, "'" + value + "' is not one of " + list);
}

// An RFC 3339 UTC time, or "" where the field allows none.
Result<std::string> utc_time(const FieldReader& r, const char* key, bool may_be_empty) {
  OUTPOST_ASSIGN_OR_RETURN(std::string value, r.string(key, 64));
  if (value.empty() && may_be_empty) return value;
  if (!agent::parse_utc_time(value))
    return r.error(key, "expected an RFC 3339 UTC time such as 2027-01-31T12:00:00Z");
  return value;
}

Result<int> small_count(const FieldReader& r, const char* key) {
  OUTPOST_ASSIGN_OR_RETURN(const int64_t n, r.integer(key, 0, INT_MAX));
  return static_cast<int>(n);
}

Result<std::optional<DeploymentReport>> read_deployment(const FieldReader& parent, const char* key,
                                                        const std::string& what) {
  if (parent.at(key).is_null()) return std::optional<DeploymentReport>();
  FieldReader r(parent.at(key), what, parent.path_of(key));
  OUTPOST_RETURN_IF_ERROR(r.check_members({"deployment_id", "version", "manifest_sha256"},
                                          {"deployment_id", "version", "manifest_sha256"}));
  DeploymentReport d;
  OUTPOST_ASSIGN_OR_RETURN(d.deployment_id, r.string("deployment_id", kMaxName));
  OUTPOST_ASSIGN_OR_RETURN(d.version, r.integer("version", 0, agent::kMaxJsonInteger));
  OUTPOST_ASSIGN_OR_RETURN(d.manifest_sha256, r.string("manifest_sha256", 128));
  return std::optional<DeploymentReport>(std::move(d));
}

Result<BundleReport> read_bundle(const json& doc, const std::string& what,
                                 const std::string& path) {
  FieldReader r(doc, what, path);
  OUTPOST_RETURN_IF_ERROR(
      r.check_members({"name", "version", "sha256"}, {"name", "version", "sha256"}));
  BundleReport b;
  OUTPOST_ASSIGN_OR_RETURN(b.name, r.string("name", kMaxName));
  OUTPOST_ASSIGN_OR_RETURN(b.version, r.string("version", kMaxName));
  OUTPOST_ASSIGN_OR_RETURN(b.sha256, r.string("sha256", 128));
  return b;
}

Result<ModuleReport> read_module(const json& doc, const std::string& what,
                                 const std::string& path) {
  FieldReader r(doc, what, path);
  std::initializer_list<const char*> members = {
      "name", "run", "process", "pid", "restarts", "health", "endpoint", "bundles", "last_error"};
  OUTPOST_RETURN_IF_ERROR(r.check_members(members, members));
  ModuleReport m;
  OUTPOST_ASSIGN_OR_RETURN(m.name, r.string("name", kMaxName));
  OUTPOST_ASSIGN_OR_RETURN(m.run, one_of(r, "run", kRunKinds));
  // The supervisor's state names (supervisor.h process_state_name) are its own to extend.
  OUTPOST_ASSIGN_OR_RETURN(m.process, r.string("process", 64));
  OUTPOST_ASSIGN_OR_RETURN(m.pid, small_count(r, "pid"));
  OUTPOST_ASSIGN_OR_RETURN(m.restarts, small_count(r, "restarts"));
  OUTPOST_ASSIGN_OR_RETURN(m.health, one_of(r, "health", kHealthStates));
  OUTPOST_ASSIGN_OR_RETURN(m.endpoint, r.string("endpoint", kMaxName));
  OUTPOST_ASSIGN_OR_RETURN(const json* bundles, r.array("bundles", kMaxBundles));
  for (size_t i = 0; i < bundles->size(); ++i) {
    OUTPOST_ASSIGN_OR_RETURN(
        BundleReport b,
        read_bundle((*bundles)[i], what, agent::element_path(r.path_of("bundles"), i)));
    m.bundles.push_back(std::move(b));
  }
  OUTPOST_ASSIGN_OR_RETURN(m.last_error, r.string("last_error", kMaxMessage));
  return m;
}

Result<std::optional<GatewayReport>> read_gateway(const json& doc, const std::string& what) {
  FieldReader r(doc, what, "gateway");
  std::initializer_list<const char*> members = {"broker", "relay", "children"};
  OUTPOST_RETURN_IF_ERROR(r.check_members(members, members));
  GatewayReport g;
  OUTPOST_ASSIGN_OR_RETURN(g.broker, r.string("broker", 64));
  OUTPOST_ASSIGN_OR_RETURN(g.relay, one_of(r, "relay", kRelayStates));
  OUTPOST_ASSIGN_OR_RETURN(g.children, small_count(r, "children"));
  return std::optional<GatewayReport>(std::move(g));
}

Status write_all(int fd, const std::string& text, const std::string& path) {
  const char* data = text.data();
  size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error(path + ": cannot write: " + errno_text());
    data += n;
    left -= static_cast<size_t>(n);
  }
  return Status::ok();
}

// The rename is durable only once the directory holding it is.
Status sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error(dir + ": cannot open the directory: " + errno_text());
  const int rc = ::fsync(fd);
  const std::string why = errno_text();
  ::close(fd);
  if (rc != 0) return io_error(dir + ": fsync of the directory failed: " + why);
  return Status::ok();
}

}  // namespace

json reported_state_json(const ReportedState& s) {
  json modules = json::array();
  for (const ModuleReport& m : s.modules) modules.push_back(module_json(m));
  json doc = {{"agent", json_safe(s.agent)},
          {"agent_pid", s.agent_pid},
          {"updated", json_safe(s.updated)},
          {"desired", deployment_json(s.desired)},
          {"current", deployment_json(s.current)},
          {"last_good", deployment_json(s.last_good)},
          {"apply_step", json_safe(s.apply_step)},
          {"modules", modules},
          {"last_error", clipped(json_safe(s.last_error), kMaxMessage)},
          {"last_error_time", json_safe(s.last_error_time)},
          {"rollbacks", s.rollbacks}};
  if (s.gateway)
    doc["gateway"] = {{"broker", json_safe(s.gateway->broker)},
                      {"relay", json_safe(s.gateway->relay)},
                      {"children", s.gateway->children}};
  return doc;
}

Result<ReportedState> parse_reported_state(const json& doc, const std::string& what) {
  FieldReader r(doc, what, "");
  std::initializer_list<const char*> required = {
      "agent",      "agent_pid", "updated",    "desired",         "current",  "last_good",
      "apply_step", "modules",   "last_error", "last_error_time", "rollbacks"};
  std::initializer_list<const char*> members = {
      "agent",      "agent_pid",  "updated",         "desired",   "current", "last_good",
      "apply_step", "modules",    "last_error",      "last_error_time", "rollbacks", "gateway"};
  OUTPOST_RETURN_IF_ERROR(r.check_members(members, required));
  ReportedState s;
  OUTPOST_ASSIGN_OR_RETURN(s.agent, one_of(r, "agent", kAgentStates));
  OUTPOST_ASSIGN_OR_RETURN(s.agent_pid, small_count(r, "agent_pid"));
  OUTPOST_ASSIGN_OR_RETURN(s.updated, utc_time(r, "updated", false));
  OUTPOST_ASSIGN_OR_RETURN(s.desired, read_deployment(r, "desired", what));
  OUTPOST_ASSIGN_OR_RETURN(s.current, read_deployment(r, "current", what));
  OUTPOST_ASSIGN_OR_RETURN(s.last_good, read_deployment(r, "last_good", what));
  OUTPOST_ASSIGN_OR_RETURN(s.apply_step, r.string("apply_step", 64));
  OUTPOST_ASSIGN_OR_RETURN(const json* modules, r.array("modules", kMaxModules));
  for (size_t i = 0; i < modules->size(); ++i) {
    OUTPOST_ASSIGN_OR_RETURN(ModuleReport m,
                             read_module((*modules)[i], what, agent::element_path("modules", i)));
    s.modules.push_back(std::move(m));
  }
  OUTPOST_ASSIGN_OR_RETURN(s.last_error, r.string("last_error", kMaxMessage));
  OUTPOST_ASSIGN_OR_RETURN(s.last_error_time, utc_time(r, "last_error_time", true));
  OUTPOST_ASSIGN_OR_RETURN(s.rollbacks, r.integer("rollbacks", 0, agent::kMaxJsonInteger));
  if (r.has("gateway")) {
    OUTPOST_ASSIGN_OR_RETURN(s.gateway, read_gateway(r.at("gateway"), what));
  }
  return s;
}

std::string reported_state_path(const std::string& state_dir) { return state_dir + "/status.json"; }

Status write_reported_state(const std::string& state_dir, const ReportedState& state) {
  // Two threads of the agent reporting at once would share the temporary file.
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  const std::string path = reported_state_path(state_dir);
  const std::string temp = path + ".tmp";
  const std::string text = json_line(reported_state_json(state)) + "\n";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return io_error(temp + ": cannot create: " + errno_text());
  Status s = write_all(fd, text, temp);
  if (s.is_ok() && ::fsync(fd) != 0) s = io_error(temp + ": fsync failed: " + errno_text());
  if (::close(fd) != 0 && s.is_ok()) s = io_error(temp + ": cannot close: " + errno_text());
  if (s.is_ok() && ::rename(temp.c_str(), path.c_str()) != 0)
    s = io_error(temp + ": cannot rename to " + path + ": " + errno_text());
  if (!s.is_ok()) {
    ::unlink(temp.c_str());
    return s;
  }
  return sync_directory(state_dir);
}

Result<ReportedState> read_reported_state(const std::string& state_dir) {
  const std::string path = reported_state_path(state_dir);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT)
    return io_error(path + " does not exist: the agent has not run with state directory " +
                    state_dir);
  OUTPOST_ASSIGN_OR_RETURN(const RegularFile file, open_regular_file(path));
  if (file.size() > kMaxStatusBytes)
    return invalid_model(path + ": " + std::to_string(file.size()) +
                         " bytes, more than the agent ever writes (4 MiB at most)");
  OUTPOST_ASSIGN_OR_RETURN(const std::string text, read_regular_file(path));
  OUTPOST_ASSIGN_OR_RETURN(const json doc, agent::parse_strict_json(text, path));
  return parse_reported_state(doc, path);
}

}  // namespace outpost::agentd
