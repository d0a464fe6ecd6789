#include "agentd/gateway.h"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/log.h"
#include "core/regular_file.h"

namespace outpost::agentd {
namespace {

constexpr const char* kBrokerName = "gateway-broker";

std::string relay_socket(const std::string& dir) { return dir + "/relay.sock"; }

std::string current_user() {
  const passwd* me = ::getpwuid(::geteuid());
  return me != nullptr ? me->pw_name : "root";
}

// Written whole or not at all: a crash mid-write leaves the previous file.
Status write_file(const std::string& path, const std::string& text) {
  const std::string partial = path + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return io_error("cannot write '" + partial + "'");
  }
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) return io_error("cannot write '" + path + "': " + ec.message());
  return Status::ok();
}

}  // namespace

std::string gateway_broker_config(const GatewayConfig& g, const std::string& dir,
                                  const std::string& user) {
  std::ostringstream c;
  c << "# Written by outpost-agent at every start (docs/gateway.md): edits here are lost.\n"
    // Started as root, mosquitto would switch to its own user, who cannot write the agent's
    // state directory.
    << "user " << user << "\n"
    << "per_listener_settings true\n"
    // The children's messages wait here only while the relay is away (the agent restarting):
    // saved on a clean stop (the agent's SIGTERM) and every minute.
    << "persistence true\n"
    << "persistence_location " << dir << "/\n"
    << "autosave_interval 60\n"
    << "max_queued_messages 0\n"  // no bound on what waits for the relay: the outbox bounds it
    << "max_packet_size 4194304\n"
    << "set_tcp_nodelay true\n"  // PUBACKs at once (docs/mqtt.md, "Drain rate")
    << "log_dest stderr\n"
    << "log_type error\nlog_type warning\nlog_type notice\n"
    << "\n# The relay's listener: the agent alone can reach it (its state directory).\n"
    << "listener 0 " << relay_socket(dir) << "\n"
    << "allow_anonymous true\n"
    << "\n# The children's listener.\n"
    << "listener " << g.listen_port << " " << g.listen_host << "\n"
    << "allow_anonymous false\n"
    << "password_file " << g.password_file << "\n"
    << "acl_file " << dir << "/acl\n";
  if (!g.cert_file.empty())
    c << "certfile " << g.cert_file << "\nkeyfile " << g.key_file << "\ntls_version tlsv1.2\n";
  return c.str();
}

std::string gateway_acl() {
  return "# Written by outpost-agent (docs/gateway.md): each child, by its user name (%u), may\n"
         "# publish on its own topics and read its own desired state, and nothing else.\n"
         "pattern write outpost/v1/%u/events\n"
         "pattern write outpost/v1/%u/metrics\n"
         "pattern write outpost/v1/%u/reported\n"
         "pattern read outpost/v1/%u/desired\n";
}

Status check_gateway_password_file(const GatewayConfig& g) {
  OUTPOST_ASSIGN_OR_RETURN(std::string text, read_regular_file(g.password_file));
  std::set<std::string> users;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const size_t colon = line.find(':');
    if (colon != std::string::npos && colon > 0) users.insert(line.substr(0, colon));
  }
  for (const std::string& child : g.children)
    if (users.count(child) == 0)
      return invalid_model("gateway password file '" + g.password_file + "' has no line for child '" +
                           child + "': add one with `mosquitto_passwd " + g.password_file + " " +
                           child + "`");
  return Status::ok();
}

Result<std::unique_ptr<Gateway>> Gateway::start(const AgentConfig& config, agent::Outbox& outbox,
                                                MqttUplink& uplink) {
  const GatewayConfig& g = *config.gateway;
  OUTPOST_RETURN_IF_ERROR(check_gateway_password_file(g));
  // Checked here, by name: a broker that cannot read them would only restart, again and again.
  for (const std::string* file : {&g.cert_file, &g.key_file})
    if (!file->empty() && ::access(file->c_str(), R_OK) != 0)
      return io_error("gateway: '" + *file + "' cannot be read: " + std::strerror(errno));
  const std::string dir = config.gateway_dir();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error("gateway directory '" + dir + "' cannot be created: " + ec.message());
  // The relay's listener is anonymous: only the agent's user may enter the directory.
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  if (ec) return io_error("gateway directory '" + dir + "': " + ec.message());
  std::filesystem::remove(relay_socket(dir), ec);  // a stale one keeps mosquitto from binding
  OUTPOST_RETURN_IF_ERROR(write_file(dir + "/acl", gateway_acl()));
  OUTPOST_RETURN_IF_ERROR(
      write_file(dir + "/mosquitto.conf", gateway_broker_config(g, dir, current_user())));

  std::unique_ptr<Gateway> gateway(new Gateway());
  ProcessSpec broker;
  broker.name = kBrokerName;
  broker.argv = {g.mosquitto, "-c", dir + "/mosquitto.conf"};
  broker.working_dir = dir;
  broker.restart = {agent::RestartPolicy::kAlways, 0.5, 30};
  broker.stable_after_s = 60;
  broker.log_path = config.logs_dir() + "/" + kBrokerName + ".log";
  broker.log_max_bytes = config.log_max_bytes;
  broker.log_files = config.log_files;
  OUTPOST_RETURN_IF_ERROR(gateway->supervisor_.start(std::move(broker)));

  GatewayRelayOptions relay;
  relay.socket_path = relay_socket(dir);
  relay.children = g.children;
  gateway->relay_ = std::make_unique<GatewayRelay>(std::move(relay), outbox,
                                                   [&uplink] { return uplink.take_relayed(); });
  OUTPOST_LOG_INFO("agent: gateway for " << g.children.size() << " child device(s) on "
                                         << g.listen_host << ":" << g.listen_port);
  return gateway;
}

Gateway::~Gateway() {
  relay_.reset();
  supervisor_.stop_all(10);
}

std::optional<ProcessStatus> Gateway::broker_status() const {
  return supervisor_.status(kBrokerName);
}

}  // namespace outpost::agentd
