#include "agentd/agent_config.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "agent/strict_json.h"
#include "core/regular_file.h"

namespace outpost::agentd {
namespace {

using agent::FieldReader;
constexpr size_t kMaxPath = 4096;
constexpr size_t kMaxConfigBytes = 64 * 1024;

// A path member: relative ones are taken from the configuration file's directory, so that a
// configuration and its directories can move together.
Result<std::string> read_path(const FieldReader& r, const char* key, const std::string& base) {
  OUTPOST_ASSIGN_OR_RETURN(std::string p, r.string(key, kMaxPath));
  if (p.empty()) return r.error(key, "expected a path, not an empty string");
  if (p.find('\0') != std::string::npos) return r.error(key, "a path cannot hold a NUL byte");
  std::filesystem::path path(p);
  if (path.is_relative()) path = std::filesystem::path(base) / path;
  return path.lexically_normal().string();
}

Status read_fetch(const nlohmann::json& doc, const std::string& what, FetchOptions& f,
                  const std::string& base) {
  FieldReader r(doc, what, "fetch");
  OUTPOST_RETURN_IF_ERROR(r.check_members({"max_attempts", "backoff_min_s", "backoff_max_s",
                                           "connect_timeout_s", "read_timeout_s", "ca_file"},
                                          {}));
  if (r.has("max_attempts")) {
    OUTPOST_ASSIGN_OR_RETURN(int64_t n, r.integer("max_attempts", 1, 100));
    f.max_attempts = static_cast<int>(n);
  }
  if (r.has("backoff_min_s")) {
    OUTPOST_ASSIGN_OR_RETURN(f.backoff_min_s, r.number("backoff_min_s", 0.01, 3600));
  }
  if (r.has("backoff_max_s")) {
    OUTPOST_ASSIGN_OR_RETURN(f.backoff_max_s, r.number("backoff_max_s", 0.01, 86400));
  }
  if (f.backoff_max_s < f.backoff_min_s)
    return r.error("backoff_max_s", "must not be below backoff_min_s");
  if (r.has("connect_timeout_s")) {
    OUTPOST_ASSIGN_OR_RETURN(f.connect_timeout_s, r.number("connect_timeout_s", 0.1, 3600));
  }
  if (r.has("read_timeout_s")) {
    OUTPOST_ASSIGN_OR_RETURN(f.read_timeout_s, r.number("read_timeout_s", 0.1, 3600));
  }
  if (r.has("ca_file")) {
    OUTPOST_ASSIGN_OR_RETURN(f.ca_file, read_path(r, "ca_file", base));
  }
  return Status::ok();
}

Status read_limits(const nlohmann::json& doc, const std::string& what, ProcessLimits& l) {
  FieldReader r(doc, what, "module_limits");
  OUTPOST_RETURN_IF_ERROR(
      r.check_members({"max_memory_mb", "max_cpu_seconds", "max_open_files", "nice"}, {}));
  constexpr int64_t kMiB = 1 << 20;
  if (r.has("max_memory_mb")) {
    OUTPOST_ASSIGN_OR_RETURN(int64_t mb, r.integer("max_memory_mb", 16, int64_t{1} << 30));
    l.max_memory_bytes = static_cast<uint64_t>(mb * kMiB);
  }
  if (r.has("max_cpu_seconds")) {
    OUTPOST_ASSIGN_OR_RETURN(int64_t s, r.integer("max_cpu_seconds", 1, agent::kMaxJsonInteger));
    l.max_cpu_seconds = static_cast<uint64_t>(s);
  }
  if (r.has("max_open_files")) {
    OUTPOST_ASSIGN_OR_RETURN(int64_t n, r.integer("max_open_files", 16, 1 << 20));
    l.max_open_files = static_cast<uint64_t>(n);
  }
  if (r.has("nice")) {
    OUTPOST_ASSIGN_OR_RETURN(int64_t n, r.integer("nice", 0, 19));
    l.nice = static_cast<int>(n);
  }
  return Status::ok();
}

// A device id names the device's MQTT session and its topics: no MQTT wildcard or separator.
bool valid_device_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return false;
  return true;
}

Status read_uplink(const nlohmann::json& doc, const std::string& what, UplinkConfig& u,
                   const std::string& base) {
  FieldReader r(doc, what, "uplink");
  OUTPOST_RETURN_IF_ERROR(r.check_members({"device_id", "broker", "ca_file", "cert_file",
                                           "key_file", "outbox_max_mb", "outbox_max_age_h",
                                           "backoff_min_s", "backoff_max_s",
                                           "report_interval_s"},
                                          {"device_id", "broker"}));
  OUTPOST_ASSIGN_OR_RETURN(u.device_id, r.string("device_id", 64));
  if (!valid_device_id(u.device_id))
    return r.error("device_id", "expected 1 to 64 letters, digits, '-', '_' or '.'");
  OUTPOST_ASSIGN_OR_RETURN(u.broker, r.string("broker", kMaxPath));
  const bool tls = u.broker.rfind("ssl://", 0) == 0;
  if (!tls && u.broker.rfind("tcp://", 0) != 0)
    return r.error("broker", "expected ssl://HOST:PORT (or tcp://HOST:PORT for development)");
  for (auto [key, field] : {std::pair<const char*, std::string*>{"ca_file", &u.ca_file},
                            {"cert_file", &u.cert_file},
                            {"key_file", &u.key_file}}) {
    if (r.has(key)) {
      OUTPOST_ASSIGN_OR_RETURN(*field, read_path(r, key, base));
    } else if (tls) {
      return r.error(key, "an ssl:// broker needs the CA, the device's certificate and its key");
    }
    if (!tls && r.has(key)) return r.error(key, "certificates are for an ssl:// broker");
  }
  if (r.has("outbox_max_mb")) {
    OUTPOST_ASSIGN_OR_RETURN(int64_t mb, r.integer("outbox_max_mb", 1, int64_t{1} << 20));
    u.outbox_max_bytes = static_cast<uint64_t>(mb) << 20;
  }
  if (r.has("outbox_max_age_h")) {
    OUTPOST_ASSIGN_OR_RETURN(double h, r.number("outbox_max_age_h", 0.01, 24 * 365));
    u.outbox_max_age_s = static_cast<int64_t>(h * 3600);
  }
  if (r.has("backoff_min_s")) {
    OUTPOST_ASSIGN_OR_RETURN(u.backoff_min_s, r.number("backoff_min_s", 0.01, 3600));
  }
  if (r.has("backoff_max_s")) {
    OUTPOST_ASSIGN_OR_RETURN(u.backoff_max_s, r.number("backoff_max_s", 0.01, 86400));
  }
  if (u.backoff_max_s < u.backoff_min_s)
    return r.error("backoff_max_s", "must not be below backoff_min_s");
  if (r.has("report_interval_s")) {
    OUTPOST_ASSIGN_OR_RETURN(u.report_interval_s, r.number("report_interval_s", 1, 86400));
  }
  return Status::ok();
}

// "HOST:PORT" of the gateway's listener.
Status read_listen(const FieldReader& r, GatewayConfig& g) {
  OUTPOST_ASSIGN_OR_RETURN(std::string listen, r.string("listen", 256));
  const size_t colon = listen.rfind(':');
  const std::string port = colon == std::string::npos ? "" : listen.substr(colon + 1);
  if (colon == 0 || colon == std::string::npos || port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) < 1 ||
      std::stoi(port) > 65535)
    return r.error("listen", "expected HOST:PORT (e.g. \"0.0.0.0:1883\"), with a port of 1 to 65535");
  g.listen_host = listen.substr(0, colon);
  g.listen_port = std::stoi(port);
  return Status::ok();
}

Status read_gateway(const nlohmann::json& doc, const std::string& what, GatewayConfig& g,
                    const std::string& device_id, const std::string& base) {
  FieldReader r(doc, what, "gateway");
  OUTPOST_RETURN_IF_ERROR(r.check_members(
      {"listen", "password_file", "children", "mosquitto", "cert_file", "key_file"},
      {"password_file", "children"}));
  if (r.has("cert_file") != r.has("key_file"))
    return r.error(r.has("cert_file") ? "key_file" : "cert_file",
                   "TLS on the children's listener needs both cert_file and key_file");
  if (r.has("cert_file")) {
    OUTPOST_ASSIGN_OR_RETURN(g.cert_file, read_path(r, "cert_file", base));
    OUTPOST_ASSIGN_OR_RETURN(g.key_file, read_path(r, "key_file", base));
  }
  if (r.has("listen")) OUTPOST_RETURN_IF_ERROR(read_listen(r, g));
  OUTPOST_ASSIGN_OR_RETURN(g.password_file, read_path(r, "password_file", base));
  if (r.has("mosquitto")) {
    OUTPOST_ASSIGN_OR_RETURN(g.mosquitto, read_path(r, "mosquitto", base));
  }
  OUTPOST_ASSIGN_OR_RETURN(const nlohmann::json* children, r.array("children", 1000));
  if (children->empty()) return r.error("children", "expected one child device or more");
  for (const nlohmann::json& child : *children) {
    const std::string id = child.is_string() ? child.get<std::string>() : std::string();
    if (!valid_device_id(id))
      return r.error("children", "each child is a device id: 1 to 64 letters, digits, '-', '_' "
                                 "or '.'");
    if (id == device_id)
      return r.error("children", "'" + id + "' is this gateway's own device id");
    if (std::find(g.children.begin(), g.children.end(), id) != g.children.end())
      return r.error("children", "'" + id + "' is named twice");
    g.children.push_back(id);
  }
  return Status::ok();
}

}  // namespace

Result<AgentConfig> parse_agent_config(const std::string& text, const std::string& what,
                                       const std::string& base_dir) {
  OUTPOST_ASSIGN_OR_RETURN(nlohmann::json doc, agent::parse_strict_json(text, what, 8));
  FieldReader r(doc, what, "");
  OUTPOST_RETURN_IF_ERROR(r.check_members(
      {"state_dir", "manifest_dir", "trust_dir", "device_key", "poll_interval_s",
       "outpost_binary", "fetch", "store_max_mb", "module_limits", "stable_after_s",
       "log_max_kb", "log_files", "health_interval_s", "uplink", "gateway"},
      {"state_dir", "manifest_dir", "trust_dir"}));
  AgentConfig c;
  c.path = what;
  OUTPOST_ASSIGN_OR_RETURN(c.state_dir, read_path(r, "state_dir", base_dir));
  OUTPOST_ASSIGN_OR_RETURN(c.manifest_dir, read_path(r, "manifest_dir", base_dir));
  OUTPOST_ASSIGN_OR_RETURN(c.trust_dir, read_path(r, "trust_dir", base_dir));
  if (r.has("device_key")) {
    OUTPOST_ASSIGN_OR_RETURN(c.device_key, read_path(r, "device_key", base_dir));
  }
  if (r.has("outpost_binary")) {
    OUTPOST_ASSIGN_OR_RETURN(c.outpost_binary, read_path(r, "outpost_binary", base_dir));
  }
  if (r.has("poll_interval_s")) {
    OUTPOST_ASSIGN_OR_RETURN(c.poll_interval_s, r.number("poll_interval_s", 0.05, 3600));
  }
  if (r.has("fetch")) OUTPOST_RETURN_IF_ERROR(read_fetch(r.at("fetch"), what, c.fetch, base_dir));
  if (r.has("store_max_mb")) {
    OUTPOST_ASSIGN_OR_RETURN(int64_t mb, r.integer("store_max_mb", 1, int64_t{1} << 30));
    c.store_max_bytes = static_cast<uint64_t>(mb) << 20;
  }
  if (r.has("module_limits"))
    OUTPOST_RETURN_IF_ERROR(read_limits(r.at("module_limits"), what, c.module_limits));
  if (r.has("stable_after_s")) {
    OUTPOST_ASSIGN_OR_RETURN(c.stable_after_s, r.number("stable_after_s", 0.1, 86400));
  }
  if (r.has("log_max_kb")) {
    OUTPOST_ASSIGN_OR_RETURN(int64_t kb, r.integer("log_max_kb", 4, int64_t{1} << 30));
    c.log_max_bytes = static_cast<uint64_t>(kb) << 10;
  }
  if (r.has("log_files")) {
    OUTPOST_ASSIGN_OR_RETURN(int64_t n, r.integer("log_files", 1, 100));
    c.log_files = static_cast<int>(n);
  }
  if (r.has("health_interval_s")) {
    OUTPOST_ASSIGN_OR_RETURN(c.health_interval_s, r.number("health_interval_s", 0.05, 3600));
  }
  if (r.has("uplink")) {
    c.uplink.emplace();
    OUTPOST_RETURN_IF_ERROR(read_uplink(r.at("uplink"), what, *c.uplink, base_dir));
  }
  if (r.has("gateway")) {
    if (!c.uplink)
      return r.error("gateway", "a gateway relays through the uplink: configure \"uplink\" too");
    c.gateway.emplace();
    OUTPOST_RETURN_IF_ERROR(
        read_gateway(r.at("gateway"), what, *c.gateway, c.uplink->device_id, base_dir));
  }
  return c;
}

Result<AgentConfig> load_agent_config(const std::string& path) {
  OUTPOST_ASSIGN_OR_RETURN(std::string text, read_regular_file(path));
  if (text.size() > kMaxConfigBytes)
    return invalid_model("agent configuration '" + path + "' is " + std::to_string(text.size()) +
                         " bytes, above the 64 KiB a configuration may have");
  const std::string base =
      std::filesystem::absolute(std::filesystem::path(path)).parent_path().string();
  return parse_agent_config(text, path, base);
}

}  // namespace outpost::agentd
