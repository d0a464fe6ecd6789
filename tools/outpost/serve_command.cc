// outpost serve MODEL... : the models over HTTP, with the KServe v2 (Triton) inference protocol,
// health, a model repository with swaps, and Prometheus metrics (docs/serve.md).
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <set>
#include <thread>

#include "core/log.h"
#include "outpost/cli_common.h"
#include "outpost/commands.h"
#include "serve/bearer_token.h"
#include "serve/http_server.h"
#include "serve/metrics.h"
#include "serve/model_repository.h"

namespace outpost::cli {
namespace {

struct ServeFlags {
  ModelFlags model;  // .model unused: MODEL... is a list here
  std::vector<std::string> models;
  std::vector<std::string> names;
  serve::ServerOptions server;
  std::string token_file;
};

// The name each model is served under: --name in order, then the file's stem.
Result<std::vector<std::string>> model_names(const ServeFlags& flags) {
  if (flags.names.size() > flags.models.size())
    return usage_error("--name given " + std::to_string(flags.names.size()) + " times for " +
                       std::to_string(flags.models.size()) + " models");
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (size_t i = 0; i < flags.models.size(); ++i) {
    std::string name = i < flags.names.size()
                           ? flags.names[i]
                           : std::filesystem::path(flags.models[i]).stem().string();
    if (name.empty() || name.find('/') != std::string::npos)
      return usage_error("model name '" + name + "' must be non-empty and without '/' (--name)");
    if (!seen.insert(name).second)
      return usage_error("two models would be served as '" + name + "': give each a --name");
    names.push_back(name);
  }
  return names;
}

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// SIGTERM and SIGINT are blocked in every thread (before the sessions start theirs) and taken
// by this one, which stops the server: it accepts nothing more and finishes what is in flight.
class SignalWatcher {
 public:
  explicit SignalWatcher(serve::InferenceServer& server) : server_(server) {
    thread_ = std::thread([this] { watch(); });
  }
  ~SignalWatcher() {
    done_ = true;
    thread_.join();
  }
  int signal() const { return signal_; }

  static void block_signals() {
    sigset_t set;
    stop_signals(&set);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
  }

 private:
  static void stop_signals(sigset_t* set) {
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
  }
  void watch() {
    sigset_t set;
    stop_signals(&set);
    const timespec tick{0, 200 * 1000 * 1000};
    while (!done_) {
      const int sig = sigtimedwait(&set, nullptr, &tick);
      if (sig <= 0) continue;
      signal_ = sig;
      OUTPOST_LOG_INFO("signal " << sig << ": finishing the requests in flight, then exiting");
      server_.stop();
      return;
    }
  }
  serve::InferenceServer& server_;
  std::atomic<bool> done_{false};
  std::atomic<int> signal_{0};
  std::thread thread_;
};

Status serve_models(ServeFlags& flags) {
  OUTPOST_ASSIGN_OR_RETURN(const std::vector<std::string> names, model_names(flags));
  if (!flags.token_file.empty()) {
    OUTPOST_ASSIGN_OR_RETURN(flags.server.token, serve::read_token_file(flags.token_file));
  } else if (!is_loopback(flags.server.host)) {
    OUTPOST_LOG_WARNING("serving on " << flags.server.host
                                      << " without --token-file: anyone who can reach it may run "
                                         "and replace models");
  }
  SignalWatcher::block_signals();
  serve::Metrics metrics;
  // Every model, at start and on each load request, opens as `run` would open it: bundles,
  // trust store, device key, threads, backend.
  const ModelFlags base = flags.model;
  serve::ModelRepository models(
      [base](const std::string& path) {
        ModelFlags f = base;
        f.model = path;
        return open_session(f, nullptr, /*shapes_may_come_later=*/true);
      },
      &metrics);
  for (size_t i = 0; i < names.size(); ++i)
    OUTPOST_RETURN_IF_ERROR(models.load(names[i], flags.models[i]));

  serve::InferenceServer server(models, metrics, flags.server);
  OUTPOST_RETURN_IF_ERROR(server.bind());
  const std::string url = "http://" + flags.server.host + ":" + std::to_string(server.port());
  if (flags.model.json) {
    print_json({{"listening", url}, {"models", names}});
  } else {
    std::cout << "outpost serve: listening on " << url << " (models:";
    for (const std::string& n : names) std::cout << " " << n;
    std::cout << ")" << std::endl;
  }
  SignalWatcher watcher(server);
  OUTPOST_RETURN_IF_ERROR(server.serve());
  if (!flags.model.json) std::cout << "outpost serve: stopped" << std::endl;
  return Status::ok();
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Serve models over HTTP: KServe v2 inference protocol, health, metrics (docs/serve.md)");
  add_model_flags(cmd, flags->model);
  // MODEL... replaces the single MODEL of the other commands; their other flags stay.
  cmd->remove_option(cmd->get_option("model"));
  cmd->add_option("models", flags->models,
                  "Model files (.tflite, .onnx) or bundles (.opk) to serve")
      ->required();
  cmd->add_option("--name", flags->names,
                  "Name to serve each model under, in the order of the models (default: the file "
                  "name without its extension; repeat it, one per model)")
      ->allow_extra_args(false);
  cmd->add_option("--port", flags->server.port, "TCP port (default 8000; 0: any free port)")
      ->check(whole_number(0, 65535));
  cmd->add_option("--host", flags->server.host,
                  "Address to listen on (default 127.0.0.1: this machine only)");
  cmd->add_option("--token-file", flags->token_file,
                  "File holding a bearer token every request but /v2/health/* must carry");
  cmd->add_option("--max-body-bytes", flags->server.max_body_bytes,
                  "Largest request body accepted (default 67108864); larger ones get 413")
      ->check(whole_number(1, 1ll << 40));
  cmd->add_option("--max-concurrency", flags->server.max_concurrency,
                  "Connections served at once (default 8; as many more may wait; more get 503)")
      ->check(whole_number(1, 4096));
  set_action(cmd, [flags] { return serve_models(*flags); });
}

}  // namespace outpost::cli
