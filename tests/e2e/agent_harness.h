// The device agent's end-to-end tests' world: a publisher key and a device trust store, signed
// bundles of two small models (add and multiply: each answer shows which one served it), signed
// manifests dropped into the agent's manifest directory, and the real `outpost agent` as a child
// process whose modules are real `outpost serve` processes answering on a loopback port.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/signed_manifest.h"
#include "agentd/content_store.h"
#include "agentd/reported_state.h"
#include "bundle/keys.h"
#include "bundle/pack.h"
#include "serve/serve_test_models.h"
#include "support/child_process.h"
#include "support/spawned_process.h"
#include "support/test_paths.h"

namespace outpost::testing {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// `outpost agent --config CONFIG` (or, `standalone`, the `outpost-agent` executable built beside
// it), stdout and stderr appended to `log`, with extra environment variables and optionally a
// file-size limit (support/spawned_process.h). Its modules die with it (the supervisor gives
// them a parent-death signal).
class AgentProcess : public SpawnedProcess {
 public:
  AgentProcess(const std::string& config, const std::string& log,
               const std::vector<std::string>& env = {}, uint64_t file_size_limit = 0,
               bool standalone = false)
      : SpawnedProcess(argv(config, standalone), {log, log, true, env, file_size_limit}) {}

 private:
  static std::vector<std::string> argv(const std::string& config, bool standalone) {
    const std::string cli = OUTPOST_CLI_PATH;
    if (standalone) return {cli.substr(0, cli.rfind('/') + 1) + "outpost-agent", "--config", config};
    return {cli, "agent", "--config", config};
  }
};

class AgentWorld {
 public:
  explicit AgentWorld(const std::string& dir) : dir_(dir) {
    for (const char* sub : {"trust", "keys", "repo", "manifests"})
      std::filesystem::create_directories(dir_ + "/" + sub);
    chmod((dir_ + "/trust").c_str(), 0700);
    port_ = free_tcp_port();
    publisher_ = make_key("acme", true);
    std::ofstream(dir_ + "/trust/acme.publisher.pub") << bundle::public_key_text(*publisher_);
    chmod((dir_ + "/trust/acme.publisher.pub").c_str(), 0600);
  }

  const std::string& dir() const { return dir_; }
  int port() const { return port_; }
  std::string state_dir() const { return dir_ + "/state"; }
  const bundle::KeyPair& publisher() const { return *publisher_; }

  static std::unique_ptr<bundle::KeyPair> make_key(const std::string& name, bool publisher) {
    auto k = bundle::generate_key_pair(publisher, name);
    EXPECT_TRUE(k.is_ok()) << k.status().message();
    return std::make_unique<bundle::KeyPair>(std::move(*k));
  }

  // A signed bundle of the add (or multiply) model in repo/FILE. `signer` defaults to the
  // trusted publisher; `wrong_golden` packs golden outputs the model does not produce.
  std::string make_bundle(const std::string& name, const std::string& version, bool multiply,
                          const bundle::KeyPair* signer = nullptr, bool wrong_golden = false,
                          int side = 2) {
    const std::string file = name + "-" + version + (multiply ? "-mul" : "-add") +
                             (wrong_golden ? "-badgolden" : "") + ".opk";
    TfModelSpec spec = add_model_spec();
    if (multiply) {
      spec.operators[0].builtin_code = 18;  // MUL
      spec.operators[0].options_type = 21;  // MulOptions
    }
    for (auto& t : spec.tensors) t.shape = {1, side, side, 1};
    const std::vector<uint8_t> model = build_tflite(spec);
    bundle::PackOptions options;
    options.name = name;
    options.version = version;
    if (wrong_golden) {
      options.golden_mode = bundle::GoldenMode::kGiven;
      options.check_given_outputs = false;
      const Shape shape({1, side, side, 1});
      Tensor a = Tensor::allocate(DType::kFloat32, shape).value();
      Tensor b = Tensor::allocate(DType::kFloat32, shape).value();
      Tensor sum = Tensor::allocate(DType::kFloat32, shape).value();
      for (int i = 0; i < side * side; ++i) {
        a.data_as<float>()[i] = 1;
        b.data_as<float>()[i] = 2;
        sum.data_as<float>()[i] = 100;  // neither 3 nor 2
      }
      options.golden = {{true, "a", a}, {true, "b", b}, {false, "sum", sum}};
    }
    auto bytes = bundle::pack_bundle_to_memory(model.data(), model.size(),
                                               signer ? *signer : *publisher_, options);
    EXPECT_TRUE(bytes.is_ok()) << bytes.status().message();
    const std::string path = dir_ + "/repo/" + file;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes->data()), static_cast<long>(bytes->size()));
    return path;
  }

  // A signed bundle of the model file at `model` in repo/NAME-VERSION.opk (golden outputs
  // computed by packing), for modules that need a real model (pipelines).
  std::string pack_model_bundle(const std::string& model, const std::string& name,
                                const std::string& version) {
    const std::string bytes = read_text(model);
    bundle::PackOptions options;
    options.name = name;
    options.version = version;
    auto packed = bundle::pack_bundle_to_memory(reinterpret_cast<const uint8_t*>(bytes.data()),
                                                bytes.size(), *publisher_, options);
    EXPECT_TRUE(packed.is_ok()) << packed.status().message();
    const std::string path = dir_ + "/repo/" + name + "-" + version + ".opk";
    if (packed.is_ok())
      std::ofstream(path, std::ios::binary)
          .write(reinterpret_cast<const char*>(packed->data()), static_cast<long>(packed->size()));
    return path;
  }

  // A manifest's bundle reference to the file at `path` (file:// unless `url` is given).
  static nlohmann::json bundle_ref(const std::string& path, const std::string& name,
                                   const std::string& version, const std::string& url = "") {
    const std::string bytes = read_text(path);
    return {{"url", url.empty() ? "file://" + path : url},
            {"sha256", agentd::sha256_hex(bytes)},
            {"size", bytes.size()},
            {"name", name},
            {"version", version}};
  }

  // A one-module manifest serving `bundles` on this world's port, with a short probation.
  nlohmann::json manifest(int64_t version, const std::vector<nlohmann::json>& bundle_refs,
                          nlohmann::json health = nlohmann::json::object()) const {
    nlohmann::json bundles = nlohmann::json::array();
    for (const auto& b : bundle_refs) bundles.push_back(b);
    if (!health.contains("probation_s")) health["probation_s"] = 1;
    return {{"deployment_id", "lobby"},
            {"version", version},
            {"expires", "2099-01-01T00:00:00Z"},
            {"modules",
             {{{"name", "adder"},
               {"run", "serve"},
               {"bundles", bundles},
               {"config", {{"port", port_}}},
               {"restart", {{"policy", "always"}, {"backoff_min_s", 0.1}, {"backoff_max_s", 1}}},
               {"health", health}}}}};
  }

  // Signs `manifest` and drops it into the manifest directory (renamed into place).
  void publish(const nlohmann::json& manifest, const std::string& file) {
    auto signed_text = agent::sign_manifest(manifest.dump(2), *publisher_);
    ASSERT_TRUE(signed_text.is_ok()) << signed_text.status().message();
    const std::string tmp = dir_ + "/manifests/." + file + ".tmp";
    std::ofstream(tmp) << *signed_text;
    std::filesystem::rename(tmp, dir_ + "/manifests/" + file);
  }

  // The agent's configuration (fast polling and short back-offs for tests), written to a file.
  std::string write_config(const std::string& state_dir, nlohmann::json extra = {}) const {
    nlohmann::json c = {{"state_dir", state_dir},
                        {"manifest_dir", dir_ + "/manifests"},
                        {"trust_dir", dir_ + "/trust"},
                        {"poll_interval_s", 0.1},
                        {"health_interval_s", 0.2},
                        {"stable_after_s", 5},
                        {"fetch", {{"max_attempts", 2}, {"backoff_min_s", 0.05}, {"backoff_max_s", 0.5},
                                   {"connect_timeout_s", 2}, {"read_timeout_s", 5}}}};
    for (auto& [k, v] : extra.items()) c[k] = v;
    const std::string path = state_dir + ".config.json";
    std::ofstream(path) << c.dump(2);
    return path;
  }

  // Polls the agent's status.json until `done` holds for it (and returns it) or time runs out.
  std::optional<agentd::ReportedState> wait_for(
      const std::string& state_dir, const std::function<bool(const agentd::ReportedState&)>& done,
      double seconds = 60) const {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    std::optional<agentd::ReportedState> last;
    while (std::chrono::steady_clock::now() < give_up) {
      auto r = agentd::read_reported_state(state_dir);
      if (r.is_ok()) {
        last = *r;
        if (done(*r)) return last;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (last) ADD_FAILURE() << "last reported state: " << agentd::reported_state_json(*last).dump(2);
    return std::nullopt;
  }

  // a = 3, b = 2 through the served model "adder": 5 from the add bundle, 6 from multiply;
  // none when the server does not answer. `bad_shape` sends a request the model refuses.
  std::optional<float> infer(bool bad_shape = false) const {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(2);
    client.set_read_timeout(5);
    const int n = bad_shape ? 3 : 4;
    nlohmann::json body = {{"inputs",
                            {{{"name", "a"}, {"datatype", "FP32"}, {"shape", {1, bad_shape ? 3 : 2, 2, 1}},
                              {"data", std::vector<float>(static_cast<size_t>(bad_shape ? 6 : n), 3.0f)}},
                             {{"name", "b"}, {"datatype", "FP32"}, {"shape", {1, bad_shape ? 3 : 2, 2, 1}},
                              {"data", std::vector<float>(static_cast<size_t>(bad_shape ? 6 : n), 2.0f)}}}}};
    auto res = client.Post("/v2/models/adder/infer", body.dump(), "application/json");
    if (!res || res->status != 200) return std::nullopt;
    const auto doc = nlohmann::json::parse(res->body, nullptr, false);
    if (doc.is_discarded() || !doc.contains("outputs")) return std::nullopt;
    return doc["outputs"][0]["data"][0].get<float>();
  }

  // Keeps asking until the served model answers `expected` (a module starting up, or swapped).
  bool eventually_answers(float expected, double seconds = 30) const {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < give_up) {
      if (auto v = infer(); v && *v == expected) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

 private:
  std::string dir_;
  int port_ = 0;
  std::unique_ptr<bundle::KeyPair> publisher_;
};

// Predicates on the reported state.
inline bool runs_good(const agentd::ReportedState& r, int64_t version) {
  return r.current && r.current->version == version && r.last_good &&
         r.last_good->version == version && r.agent == "idle";
}

}  // namespace outpost::testing
