// outpost status --config agent.json: the agent's desired vs reported state, from the files it
// keeps (status.json and the journal), so that it works whether or not the agent runs.
#include <signal.h>

#include <cerrno>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "agent/journal.h"
#include "agentd/agent_config.h"
#include "agentd/reported_state.h"
#include "outpost/cli_common.h"
#include "outpost/commands.h"

namespace outpost::cli {
namespace {

using nlohmann::json;

struct StatusFlags {
  std::string config;
  bool json = false;
};

// kill(pid, 0) delivers nothing: it only asks whether the process exists (EPERM: it does, as
// another user's).
bool process_alive(int pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

json deployment_json(const std::optional<agent::DeploymentRef>& d) {
  if (!d) return nullptr;
  return {{"deployment_id", d->deployment_id},
          {"version", d->version},
          {"manifest_sha256", d->manifest_sha256}};
}

json journal_json(const agent::JournalRead& read) {
  const agent::AgentState& s = read.state;
  json in_progress = nullptr;
  if (s.in_progress)
    in_progress = {{"target", deployment_json(s.in_progress->target)},
                   {"step", agent::apply_step_name(s.in_progress->step)}};
  return {{"found", read.found},
          {"used_previous", read.used_previous},
          {"note", read.note},
          {"sequence", s.sequence},
          {"last_accepted_version", s.last_accepted_version},
          {"last_good", deployment_json(s.last_good)},
          {"current", deployment_json(s.current)},
          {"in_progress", in_progress}};
}

// Columns padded to their widest cell, two spaces apart, the last one unpadded.
void print_table(const std::vector<std::vector<std::string>>& rows, const std::string& indent) {
  std::vector<size_t> widths;
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], row[i].size());
    }
  for (const auto& row : rows) {
    std::string line = indent;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

std::vector<std::string> deployment_row(const std::string& label,
                                        const std::optional<agentd::DeploymentReport>& d) {
  if (!d) return {label, "-", "-", "-"};
  return {label, d->deployment_id, std::to_string(d->version),
          or_dash(d->manifest_sha256.substr(0, 12))};
}

std::string describe(const std::optional<agent::DeploymentRef>& d) {
  return d ? d->deployment_id + " " + std::to_string(d->version) : "none";
}

std::string agent_line(const agentd::ReportedState& s, bool running) {
  std::string line = s.agent + ", pid " + std::to_string(s.agent_pid);
  if (running) return line + " (running)";
  if (s.agent == "stopped") return line + " (not running)";
  return line + " (not running: it ended without saying so; what follows is what it last wrote)";
}

void print_journal(const agent::JournalRead& read) {
  if (!read.found) {
    std::cout << "journal:    none yet (no deployment accepted)\n";
    return;
  }
  const agent::AgentState& s = read.state;
  std::cout << "journal:    current " << describe(s.current) << ", last good "
            << describe(s.last_good) << ", applying "
            << (s.in_progress ? describe(s.in_progress->target) + " (step " +
                                    agent::apply_step_name(s.in_progress->step) + ")"
                              : std::string("nothing"))
            << ", last accepted version " << s.last_accepted_version << "\n";
  if (read.used_previous)
    std::cout << "            (from its previous copy: " << read.note << ")\n";
}

void print_modules(const std::vector<agentd::ModuleReport>& modules) {
  if (modules.empty()) {
    std::cout << "modules:    none\n";
    return;
  }
  std::cout << "modules:\n";
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "RUN", "PROCESS", "PID", "RESTARTS", "HEALTH", "ENDPOINT", "BUNDLES"}};
  for (const agentd::ModuleReport& m : modules) {
    std::string bundles;
    for (const agentd::BundleReport& b : m.bundles)
      bundles += (bundles.empty() ? "" : ", ") + b.name + "@" + b.version;
    rows.push_back({m.name, m.run, m.process, m.pid > 0 ? std::to_string(m.pid) : "-",
                    std::to_string(m.restarts), m.health, or_dash(m.endpoint), or_dash(bundles)});
  }
  print_table(rows, "  ");
  for (const agentd::ModuleReport& m : modules)
    if (!m.last_error.empty()) std::cout << "  " << m.name << ": " << m.last_error << "\n";
}

void print_text(const agentd::ReportedState& s, const agent::JournalRead& journal, bool running) {
  std::cout << "agent:      " << agent_line(s, running) << "\n";
  std::cout << "updated:    " << s.updated << "\n";
  print_table({{"", "DEPLOYMENT", "VERSION", "MANIFEST"},
               deployment_row("desired", s.desired),
               deployment_row("current", s.current),
               deployment_row("last good", s.last_good)},
              "");
  if (!s.apply_step.empty()) std::cout << "apply step: " << s.apply_step << "\n";
  print_journal(journal);
  print_modules(s.modules);
  if (s.last_error.empty())
    std::cout << "last error: none\n";
  else
    std::cout << "last error: " << or_dash(s.last_error_time) << " " << s.last_error << "\n";
  std::cout << "rollbacks:  " << s.rollbacks << "\n";
  if (s.gateway)
    std::cout << "gateway:    " << s.gateway->children << " child device(s); broker "
              << s.gateway->broker << ", relay " << s.gateway->relay << "\n";
}

Status show_status(const StatusFlags& flags) {
  auto config = agentd::load_agent_config(flags.config);
  // A parse error names the file and field already; a read error names only the path.
  if (!config.is_ok() && config.status().code() == StatusCode::kIoError)
    return config.status().with_context("the agent's configuration (--config)");
  if (!config.is_ok()) return config.status();
  auto reported = agentd::read_reported_state(config->state_dir);
  if (!reported.is_ok()) {
    if (reported.status().code() != StatusCode::kIoError) return reported.status();
    return io_error(
        reported.status().message() + ": start it with `outpost agent --config " + flags.config +
        "` (it writes status.json as it starts), or check state_dir in " + flags.config);
  }
  OUTPOST_ASSIGN_OR_RETURN(const agent::JournalRead journal,
                           agent::Journal(config->journal_dir()).read());
  const bool running = reported->agent != "stopped" && process_alive(reported->agent_pid);
  if (flags.json) {
    print_json({{"config", flags.config},
                {"state_dir", config->state_dir},
                {"reported", agentd::reported_state_json(*reported)},
                {"journal", journal_json(journal)},
                {"agent_running", running}});
    return Status::ok();
  }
  print_text(*reported, journal, running);
  return Status::ok();
}

}  // namespace

void add_status_command(CLI::App& app) {
  auto flags = std::make_shared<StatusFlags>();
  CLI::App* cmd = app.add_subcommand(
      "status",
      "Show the device agent's desired vs reported state: deployments, modules, health, last "
      "error (docs/cli.md)");
  cmd->add_option("--config", flags->config, "The agent's configuration file (agent.json)")
      ->required();
  add_json_flag(cmd, flags->json);
  set_action(cmd, [flags] { return show_status(*flags); });
}

}  // namespace outpost::cli
