#include "agent/manifest.h"

#include <cctype>
#include <set>

#include "agent/strict_json.h"
#include "agent/utc_time.h"
#include "bundle/semver.h"

namespace outpost::agent {

namespace {

using nlohmann::json;

// Ids and names: what the agent uses in file names, topics and logs, so nothing that could
// be a path, an option or a control character.
bool valid_identifier(const std::string& s) {
  if (s.empty() || s.size() > kMaxIdLength) return false;
  if (!std::isalnum(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
      return false;
  return true;
}

Result<std::string> read_identifier(const FieldReader& r, const char* key) {
  OUTPOST_ASSIGN_OR_RETURN(std::string s, r.string(key, kMaxIdLength));
  if (!valid_identifier(s))
    return r.error(key, "expected 1-" + std::to_string(kMaxIdLength) +
                            " characters of [A-Za-z0-9._-] starting with a letter or digit");
  return s;
}

// http://HOST..., https://HOST... or file:///ABSOLUTE/PATH, printable ASCII without spaces.
Status check_url(const FieldReader& r, const std::string& url) {
  for (char c : url)
    if (c <= ' ' || c > '~')
      return r.error("url",
                     "expected a URL of printable ASCII without spaces (percent-encode others)");
  auto rest_after = [&url](const std::string& scheme) -> std::optional<std::string> {
    if (url.compare(0, scheme.size(), scheme) != 0) return std::nullopt;
    return url.substr(scheme.size());
  };
  if (auto rest = rest_after("https://"); rest || (rest = rest_after("http://"))) {
    if (rest->empty() || (*rest)[0] == '/') return r.error("url", "has no host");
    return Status::ok();
  }
  if (auto path = rest_after("file://")) {
    if (path->empty() || (*path)[0] != '/')
      return r.error("url", "a file URL needs an absolute path: file:///path/to/file");
    return Status::ok();
  }
  return r.error("url", "expected an http://, https:// or file:// URL");
}

Result<ArtifactRef> read_artifact(const FieldReader& r) {
  ArtifactRef a;
  OUTPOST_ASSIGN_OR_RETURN(a.url, r.string("url", kMaxUrlLength));
  OUTPOST_RETURN_IF_ERROR(check_url(r, a.url));
  OUTPOST_ASSIGN_OR_RETURN(a.sha256, r.string("sha256", 1024));
  bool hex = a.sha256.size() == 64;
  for (char c : a.sha256) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!hex) return r.error("sha256", "expected 64 lowercase hex digits");
  OUTPOST_ASSIGN_OR_RETURN(a.size, r.integer("size", 1, kMaxJsonInteger));
  return a;
}

Result<ArtifactRef> read_pipeline(const json& j, const std::string& what, const std::string& path) {
  FieldReader r(j, what, path);
  OUTPOST_RETURN_IF_ERROR(r.check_members({"url", "sha256", "size"}, {"url", "sha256", "size"}));
  return read_artifact(r);
}

Result<BundleRef> read_bundle(const json& j, const std::string& what, const std::string& path) {
  FieldReader r(j, what, path);
  OUTPOST_RETURN_IF_ERROR(
      r.check_members({"url", "sha256", "size", "name", "version", "allow_downgrade"},
                      {"url", "sha256", "size", "name", "version"}));
  BundleRef b;
  OUTPOST_ASSIGN_OR_RETURN(b.artifact, read_artifact(r));
  OUTPOST_ASSIGN_OR_RETURN(b.name, read_identifier(r, "name"));
  OUTPOST_ASSIGN_OR_RETURN(b.version, r.string("version", kMaxIdLength));
  auto semver = bundle::parse_semver(b.version, "version");
  if (!semver.is_ok()) return r.error("version", "expected a semantic version such as 1.2.0");
  if (r.has("allow_downgrade")) {
    OUTPOST_ASSIGN_OR_RETURN(b.allow_downgrade, r.boolean("allow_downgrade"));
  }
  return b;
}

Result<RestartSpec> read_restart(const json& j, const std::string& what, const std::string& path) {
  FieldReader r(j, what, path);
  OUTPOST_RETURN_IF_ERROR(r.check_members({"policy", "backoff_min_s", "backoff_max_s"}, {}));
  RestartSpec s;
  if (r.has("policy")) {
    OUTPOST_ASSIGN_OR_RETURN(const std::string p, r.string("policy", 64));
    if (p == "always")
      s.policy = RestartPolicy::kAlways;
    else if (p == "on-failure")
      s.policy = RestartPolicy::kOnFailure;
    else if (p == "never")
      s.policy = RestartPolicy::kNever;
    else
      return r.error("policy", "expected \"always\", \"on-failure\" or \"never\"");
  }
  if (r.has("backoff_min_s")) {
    OUTPOST_ASSIGN_OR_RETURN(s.backoff_min_s, r.number("backoff_min_s", 0.01, 3600));
  }
  if (r.has("backoff_max_s")) {
    OUTPOST_ASSIGN_OR_RETURN(s.backoff_max_s, r.number("backoff_max_s", 0.01, 86400));
  }
  if (s.backoff_max_s < s.backoff_min_s)
    return r.error(r.has("backoff_max_s") ? "backoff_max_s" : "backoff_min_s",
                   "backoff_max_s must not be below backoff_min_s");
  return s;
}

Result<HealthGates> read_health(const json& j, const std::string& what, const std::string& path) {
  FieldReader r(j, what, path);
  OUTPOST_RETURN_IF_ERROR(r.check_members(
      {"max_error_rate", "max_p99_latency_ms", "golden_must_pass", "probation_s"}, {}));
  HealthGates h;
  if (r.has("max_error_rate")) {
    OUTPOST_ASSIGN_OR_RETURN(h.max_error_rate, r.number("max_error_rate", 0, 1));
  }
  if (r.has("max_p99_latency_ms")) {
    OUTPOST_ASSIGN_OR_RETURN(h.max_p99_latency_ms, r.number("max_p99_latency_ms", 0.001, 3.6e6));
  }
  if (r.has("golden_must_pass")) {
    OUTPOST_ASSIGN_OR_RETURN(h.golden_must_pass, r.boolean("golden_must_pass"));
  }
  if (r.has("probation_s")) {
    OUTPOST_ASSIGN_OR_RETURN(h.probation_s, r.integer("probation_s", 0, 7 * 86400));
  }
  return h;
}

Result<Module> read_module(const json& j, const std::string& what, const std::string& path) {
  FieldReader r(j, what, path);
  OUTPOST_RETURN_IF_ERROR(r.check_members(
      {"name", "run", "pipeline", "bundles", "config", "restart", "health"}, {"name", "run"}));
  Module m;
  OUTPOST_ASSIGN_OR_RETURN(m.name, read_identifier(r, "name"));
  OUTPOST_ASSIGN_OR_RETURN(const std::string run, r.string("run", 64));
  if (run == "serve")
    m.run = RunKind::kServe;
  else if (run == "pipeline")
    m.run = RunKind::kPipeline;
  else
    return r.error("run", "expected \"serve\" or \"pipeline\"");
  if (m.run == RunKind::kPipeline) {
    if (!r.has("pipeline"))
      return r.error("pipeline", "missing (required when run is \"pipeline\")");
    OUTPOST_ASSIGN_OR_RETURN(m.pipeline,
                             read_pipeline(r.at("pipeline"), what, r.path_of("pipeline")));
  } else if (r.has("pipeline")) {
    return r.error("pipeline", "only a module that runs \"pipeline\" takes a pipeline file");
  }
  if (r.has("bundles")) {
    OUTPOST_ASSIGN_OR_RETURN(const json* bundles, r.array("bundles", kMaxBundlesPerModule));
    std::set<std::string> names;
    for (size_t i = 0; i < bundles->size(); ++i) {
      const std::string bpath = element_path(r.path_of("bundles"), i);
      OUTPOST_ASSIGN_OR_RETURN(BundleRef b, read_bundle((*bundles)[i], what, bpath));
      if (!names.insert(b.name).second)
        return field_error(what, field_path(bpath, "name"),
                           "'" + b.name + "' is listed twice in this module");
      m.bundles.push_back(std::move(b));
    }
  }
  if (m.run == RunKind::kServe && m.bundles.empty())
    return r.error("bundles", "a module that runs \"serve\" needs at least one bundle");
  if (r.has("config")) {
    if (!r.at("config").is_object()) return r.error("config", "expected an object");
    m.config = r.at("config");
  }
  if (r.has("restart")) {
    OUTPOST_ASSIGN_OR_RETURN(m.restart, read_restart(r.at("restart"), what, r.path_of("restart")));
  }
  if (r.has("health")) {
    OUTPOST_ASSIGN_OR_RETURN(m.health, read_health(r.at("health"), what, r.path_of("health")));
  }
  return m;
}

}  // namespace

const char* run_kind_name(RunKind kind) { return kind == RunKind::kServe ? "serve" : "pipeline"; }

const char* restart_policy_name(RestartPolicy policy) {
  switch (policy) {
    case RestartPolicy::kAlways:
      return "always";
    case RestartPolicy::kOnFailure:
      return "on-failure";
    case RestartPolicy::kNever:
      return "never";
  }
  return "on-failure";
}

Result<Manifest> parse_manifest(std::string_view bytes, const std::string& what) {
  if (bytes.size() > kMaxManifestBytes)
    return invalid_model(what + ": " + std::to_string(bytes.size()) +
                         " bytes; a manifest may have at most " +
                         std::to_string(kMaxManifestBytes) + " (1 MiB)");
  OUTPOST_ASSIGN_OR_RETURN(const json j, parse_strict_json(bytes, what));
  FieldReader r(j, what, "");
  OUTPOST_RETURN_IF_ERROR(r.check_members({"deployment_id", "version", "expires", "modules"},
                                          {"deployment_id", "version", "expires", "modules"}));
  Manifest m;
  OUTPOST_ASSIGN_OR_RETURN(m.deployment_id, read_identifier(r, "deployment_id"));
  OUTPOST_ASSIGN_OR_RETURN(m.version, r.integer("version", 1, kMaxJsonInteger));
  OUTPOST_ASSIGN_OR_RETURN(m.expires, r.string("expires", 64));
  const auto expires = parse_utc_time(m.expires);
  if (!expires)
    return r.error("expires", "expected an RFC 3339 time in UTC, such as 2027-01-31T12:00:00Z");
  m.expires_unix = *expires;
  OUTPOST_ASSIGN_OR_RETURN(const json* modules, r.array("modules", kMaxModules));
  if (modules->empty()) return r.error("modules", "expected at least one module");
  std::set<std::string> names;
  for (size_t i = 0; i < modules->size(); ++i) {
    const std::string path = element_path("modules", i);
    OUTPOST_ASSIGN_OR_RETURN(Module mod, read_module((*modules)[i], what, path));
    if (!names.insert(mod.name).second)
      return field_error(what, field_path(path, "name"),
                         "'" + mod.name + "' is used by another module");
    m.modules.push_back(std::move(mod));
  }
  return m;
}

}  // namespace outpost::agent
