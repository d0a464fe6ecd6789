// A deployment on disk and the processes that run it. Staging makes, for a manifest whose
// files are all in the content store, `DEPLOYMENTS/<manifest sha256>/<module>/` holding a
// link to each of the module's files under the name the module uses (`<bundle name>.opk`,
// `pipeline.json`): a module runs in its directory, so a pipeline file refers to its bundles
// by those names. The directory is built under a temporary name and renamed into place, so a
// deployment is staged completely or not at all.
#pragma once

#include <string>
#include <vector>

#include "agent/manifest.h"
#include "agentd/agent_config.h"
#include "agentd/content_store.h"
#include "agentd/supervisor.h"
#include "outpost/status.h"

namespace outpost::agentd {

std::string deployment_dir(const AgentConfig& config, const std::string& manifest_sha256);
std::string module_dir(const AgentConfig& config, const std::string& manifest_sha256,
                       const std::string& module);

// Every file of every module, as the store names it (SHA-256s).
std::vector<std::string> deployment_files(const agent::Manifest& manifest);

// Stages the deployment (nothing to do when it is staged already). kIoError naming the path.
Status stage_deployment(const AgentConfig& config, const ContentStore& store,
                        const agent::Manifest& manifest, const std::string& manifest_sha256);
bool is_staged(const AgentConfig& config, const std::string& manifest_sha256);
// Deletes staged deployments other than `keep` (by manifest SHA-256).
void remove_deployments_except(const AgentConfig& config, const std::vector<std::string>& keep);

// A serve module's address, from its configuration ("host", "port"; default 127.0.0.1:8000).
struct ServeEndpoint {
  std::string host = "127.0.0.1";
  int port = 8000;
  std::string url() const { return "http://" + host + ":" + std::to_string(port); }
};
Result<ServeEndpoint> serve_endpoint(const agent::Module& module);

// The module's configuration checked: the keys `outpost serve` / `pipeline run` take from it
// (docs/agent.md, "Module configuration"), with the right types. kInvalidModel naming
// `modules[NAME].config.KEY` otherwise, so a typo fails the apply before anything changes.
Status check_module_config(const agent::Module& module);

// The `outpost` that modules and validations run: the configuration's `outpost_binary`, else
// `outpost` beside this executable (this one, or the one `outpost-agent` is installed with).
std::string module_executable(const AgentConfig& config);

// The child process that runs a staged module.
ProcessSpec module_process(const AgentConfig& config, const std::string& manifest_sha256,
                           const agent::Module& module);

}  // namespace outpost::agentd
