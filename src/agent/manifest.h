// The deployment manifest (docs/manifest.md): what a device should run. A fleet operator writes
// it, signs it (agent/signed_manifest.h), and the agent makes the device match it.
//
// Parsing is strict, because the bytes come from the network: unknown fields, wrong types,
// duplicate keys and values out of range are errors naming the field path
// (`modules[1].bundles[0].sha256: expected 64 lowercase hex digits`), never a crash, and a
// manifest's size and counts are bounded.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outpost/status.h"

namespace outpost::agent {

constexpr size_t kMaxManifestBytes = size_t{1} << 20;  // 1 MiB
constexpr size_t kMaxModules = 64;
constexpr size_t kMaxBundlesPerModule = 16;
constexpr size_t kMaxUrlLength = 2048;
constexpr size_t kMaxIdLength = 128;
// Versions and sizes stay exact in every JSON reader (JavaScript's doubles included).
constexpr int64_t kMaxJsonInteger = (int64_t{1} << 53) - 1;

// A file the agent fetches and checks before use: by URL (http://, https:// or file://), with its
// SHA-256 and size, so the manifest's signature covers its content.
struct ArtifactRef {
  std::string url;
  std::string sha256;  // 64 lowercase hex digits
  int64_t size = 0;
};

struct BundleRef {
  ArtifactRef artifact;
  std::string name;              // the bundle's signed name must equal it
  std::string version;           // the bundle's signed version must equal it (semver)
  bool allow_downgrade = false;  // may replace a higher installed version of this name
};

enum class RunKind { kServe, kPipeline };
enum class RestartPolicy { kAlways, kOnFailure, kNever };

struct RestartSpec {
  RestartPolicy policy = RestartPolicy::kOnFailure;
  double backoff_min_s = 1;
  double backoff_max_s = 300;
};

// What a new deployment must show during its probation window to become last-good.
struct HealthGates {
  std::optional<double> max_error_rate;  // failed / all requests or frames, 0..1
  std::optional<double> max_p99_latency_ms;
  bool golden_must_pass = true;
  int64_t probation_s = 300;
};

struct Module {
  std::string name;
  RunKind run = RunKind::kServe;
  std::optional<ArtifactRef> pipeline;  // the pipeline file, when run is kPipeline
  std::vector<BundleRef> bundles;
  nlohmann::json config = nlohmann::json::object();  // passed to the module as it is
  RestartSpec restart;
  HealthGates health;
};

struct Manifest {
  std::string deployment_id;
  int64_t version = 0;       // increases with every manifest of a deployment
  std::string expires;       // as written (RFC 3339, UTC)
  int64_t expires_unix = 0;  // the same, in seconds since the epoch
  std::vector<Module> modules;
};

// Parses a manifest's bytes. Errors are kInvalidModel naming `what` (the file) and the field.
Result<Manifest> parse_manifest(std::string_view bytes, const std::string& what = "manifest");

const char* run_kind_name(RunKind kind);
const char* restart_policy_name(RestartPolicy policy);

}  // namespace outpost::agent
