#include "agentd/deployment.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "agent/strict_json.h"
#include "core/uplink_client.h"

namespace outpost::agentd {
namespace {

namespace fs = std::filesystem;
constexpr char kPipelineFile[] = "pipeline.json";

std::string bundle_file(const agent::BundleRef& b) { return b.name + ".opk"; }

// A configuration key as the command's flag: max_body_bytes -> --max-body-bytes.
std::string flag_of(std::string key) {
  for (char& c : key)
    if (c == '_') c = '-';
  return "--" + key;
}

// A relative link (`../../../store/sha256/<hex>`), so that a state directory can be moved or
// copied whole and still runs.
Status make_link(const std::string& target, const std::string& link) {
  const fs::path relative =
      fs::path(target).lexically_normal().lexically_relative(fs::path(link).parent_path());
  if (::symlink(relative.c_str(), link.c_str()) != 0)
    return io_error("cannot link '" + link + "' to '" + target + "': " + std::strerror(errno));
  return Status::ok();
}

void sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

Status stage_module(const ContentStore& store, const agent::Module& m, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return io_error("cannot create '" + dir + "': " + ec.message());
  if (m.pipeline)
    OUTPOST_RETURN_IF_ERROR(make_link(store.path(m.pipeline->sha256), dir + "/" + kPipelineFile));
  for (const agent::BundleRef& b : m.bundles)
    OUTPOST_RETURN_IF_ERROR(make_link(store.path(b.artifact.sha256), dir + "/" + bundle_file(b)));
  return Status::ok();
}

const nlohmann::json* config_value(const agent::Module& m, const char* key) {
  const auto it = m.config.find(key);
  return it == m.config.end() ? nullptr : &*it;
}

std::string config_path(const agent::Module& m, const std::string& key) {
  return "modules[" + m.name + "].config." + key;
}

}  // namespace

std::string deployment_dir(const AgentConfig& config, const std::string& manifest_sha256) {
  return config.deployments_dir() + "/" + manifest_sha256;
}

std::string module_dir(const AgentConfig& config, const std::string& manifest_sha256,
                       const std::string& module) {
  return deployment_dir(config, manifest_sha256) + "/" + module;
}

std::vector<std::string> deployment_files(const agent::Manifest& manifest) {
  std::vector<std::string> files;
  for (const agent::Module& m : manifest.modules) {
    if (m.pipeline) files.push_back(m.pipeline->sha256);
    for (const agent::BundleRef& b : m.bundles) files.push_back(b.artifact.sha256);
  }
  return files;
}

bool is_staged(const AgentConfig& config, const std::string& manifest_sha256) {
  std::error_code ec;
  return fs::is_directory(deployment_dir(config, manifest_sha256), ec);
}

Status stage_deployment(const AgentConfig& config, const ContentStore& store,
                        const agent::Manifest& manifest, const std::string& manifest_sha256) {
  if (is_staged(config, manifest_sha256)) return Status::ok();
  const std::string final_dir = deployment_dir(config, manifest_sha256);
  const std::string tmp = final_dir + ".tmp";
  std::error_code ec;
  fs::remove_all(tmp, ec);  // a staging a crash interrupted
  for (const agent::Module& m : manifest.modules)
    OUTPOST_RETURN_IF_ERROR(stage_module(store, m, tmp + "/" + m.name));
  sync_directory(tmp);
  if (::rename(tmp.c_str(), final_dir.c_str()) != 0)
    return io_error("cannot rename '" + tmp + "' to '" + final_dir + "': " + std::strerror(errno));
  sync_directory(config.deployments_dir());
  return Status::ok();
}

void remove_deployments_except(const AgentConfig& config, const std::vector<std::string>& keep) {
  const std::set<std::string> kept(keep.begin(), keep.end());
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(config.deployments_dir(), ec)) {
    if (kept.count(entry.path().filename().string())) continue;
    fs::remove_all(entry.path(), ec);
  }
}

Result<ServeEndpoint> serve_endpoint(const agent::Module& module) {
  ServeEndpoint e;
  if (const nlohmann::json* host = config_value(module, "host")) e.host = host->get<std::string>();
  if (const nlohmann::json* port = config_value(module, "port")) e.port = port->get<int>();
  return e;
}

Status check_module_config(const agent::Module& m) {
  const std::set<std::string> serve_keys = {"host", "port", "threads", "max_concurrency",
                                            "max_body_bytes", "backend"};
  const std::set<std::string> pipeline_keys = {"threads"};
  const auto& known = m.run == agent::RunKind::kServe ? serve_keys : pipeline_keys;
  for (const auto& [key, value] : m.config.items()) {
    const std::string path = config_path(m, key);
    if (!known.count(key))
      return invalid_model(path + ": not a setting of a '" + agent::run_kind_name(m.run) +
                           "' module (known: " +
                           (m.run == agent::RunKind::kServe
                                ? "host, port, threads, max_concurrency, max_body_bytes, backend"
                                : "threads") +
                           ")");
    if (key == "host" || key == "backend") {
      if (!value.is_string() || value.get<std::string>().empty() ||
          value.get<std::string>().size() > 255)
        return invalid_model(path + ": expected a non-empty string");
      continue;
    }
    const int64_t max = key == "port" ? 65535 : key == "max_body_bytes" ? (int64_t{1} << 40) : 4096;
    if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > max)
      return invalid_model(path + ": expected an integer from 1 to " + std::to_string(max));
  }
  return Status::ok();
}

std::string module_executable(const AgentConfig& config) {
  if (!config.outpost_binary.empty()) return config.outpost_binary;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "/usr/bin/outpost";
  return (self.parent_path() / "outpost").string();
}

ProcessSpec module_process(const AgentConfig& config, const std::string& manifest_sha256,
                           const agent::Module& m) {
  ProcessSpec p;
  p.name = m.name;
  p.working_dir = module_dir(config, manifest_sha256, m.name);
  p.argv = {module_executable(config)};
  if (m.run == agent::RunKind::kServe) {
    p.argv.push_back("serve");
    for (const agent::BundleRef& b : m.bundles) p.argv.push_back(bundle_file(b));
    for (const char* key : {"host", "port", "threads", "max_concurrency", "max_body_bytes",
                            "backend"}) {
      const nlohmann::json* v = config_value(m, key);
      if (v == nullptr) continue;
      p.argv.push_back(flag_of(key));
      p.argv.push_back(v->is_string() ? v->get<std::string>() : v->dump());
    }
  } else {
    p.argv.insert(p.argv.end(), {"pipeline", "run", kPipelineFile});
    if (const nlohmann::json* t = config_value(m, "threads"))
      p.argv.insert(p.argv.end(), {"--threads", t->dump()});
  }
  p.argv.insert(p.argv.end(), {"--trust", config.trust_dir});
  if (!config.device_key.empty()) p.argv.insert(p.argv.end(), {"--device-key", config.device_key});
  // With an uplink, the modules put their events into the agent's outbox through its socket.
  if (config.uplink) p.env.push_back(std::string(kUplinkSocketEnv) + "=" + config.uplink_socket_path());
  p.restart = m.restart;
  p.stable_after_s = config.stable_after_s;
  p.limits = config.module_limits;
  p.log_path = config.logs_dir() + "/" + m.name + ".log";
  p.log_max_bytes = config.log_max_bytes;
  p.log_files = config.log_files;
  return p;
}

}  // namespace outpost::agentd
