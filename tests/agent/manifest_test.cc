// The manifest parser: a full manifest read field by field, and malformed ones refused with an
// error naming the field path (docs/manifest.md), never a crash. The malformed ones are
// CorruptManifest.*, which the sanitizer build runs (Makefile SANITIZED_TESTS: "Corrupt").
#include "agent/manifest.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "agent/strict_json.h"
#include "agent/utc_time.h"

namespace outpost::agent {
namespace {

using nlohmann::json;

const char* kSha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

json full_manifest() {
  json bundle = {{"url", "https://models.example.com/face.opk"},
                 {"sha256", kSha},
                 {"size", 231400},
                 {"name", "face-detector"},
                 {"version", "1.2.0"},
                 {"allow_downgrade", true}};
  json serve = {{"name", "faces"},
                {"run", "serve"},
                {"bundles", {bundle}},
                {"config", {{"port", 8000}, {"nested", {{"any", {1, 2}}}}}},
                {"restart", {{"policy", "always"}, {"backoff_min_s", 0.5}, {"backoff_max_s", 60}}},
                {"health",
                 {{"max_error_rate", 0.01},
                  {"max_p99_latency_ms", 50},
                  {"golden_must_pass", false},
                  {"probation_s", 600}}}};
  json pipeline = {
      {"name", "lobby"},
      {"run", "pipeline"},
      {"pipeline",
       {{"url", "file:///var/lib/outpost/lobby.json"}, {"sha256", kSha}, {"size", 812}}}};
  return {{"deployment_id", "lobby-cameras"},
          {"version", 7},
          {"expires", "2027-06-30T00:00:00Z"},
          {"modules", {serve, pipeline}}};
}

TEST(Manifest, ReadsEveryField) {
  auto m = parse_manifest(full_manifest().dump());
  ASSERT_TRUE(m.is_ok()) << m.status().message();
  EXPECT_EQ(m->deployment_id, "lobby-cameras");
  EXPECT_EQ(m->version, 7);
  EXPECT_EQ(m->expires, "2027-06-30T00:00:00Z");
  EXPECT_EQ(m->expires_unix, 1814313600);
  ASSERT_EQ(m->modules.size(), 2u);
  const Module& s = m->modules[0];
  EXPECT_EQ(s.name, "faces");
  EXPECT_EQ(s.run, RunKind::kServe);
  EXPECT_FALSE(s.pipeline.has_value());
  ASSERT_EQ(s.bundles.size(), 1u);
  EXPECT_EQ(s.bundles[0].artifact.url, "https://models.example.com/face.opk");
  EXPECT_EQ(s.bundles[0].artifact.sha256, kSha);
  EXPECT_EQ(s.bundles[0].artifact.size, 231400);
  EXPECT_EQ(s.bundles[0].name, "face-detector");
  EXPECT_EQ(s.bundles[0].version, "1.2.0");
  EXPECT_TRUE(s.bundles[0].allow_downgrade);
  EXPECT_EQ(s.config["port"], 8000);
  EXPECT_EQ(s.config["nested"]["any"][1], 2);
  EXPECT_EQ(s.restart.policy, RestartPolicy::kAlways);
  EXPECT_DOUBLE_EQ(s.restart.backoff_min_s, 0.5);
  EXPECT_DOUBLE_EQ(s.restart.backoff_max_s, 60);
  EXPECT_DOUBLE_EQ(*s.health.max_error_rate, 0.01);
  EXPECT_DOUBLE_EQ(*s.health.max_p99_latency_ms, 50);
  EXPECT_FALSE(s.health.golden_must_pass);
  EXPECT_EQ(s.health.probation_s, 600);
  const Module& p = m->modules[1];
  EXPECT_EQ(p.run, RunKind::kPipeline);
  ASSERT_TRUE(p.pipeline.has_value());
  EXPECT_EQ(p.pipeline->url, "file:///var/lib/outpost/lobby.json");
  EXPECT_EQ(p.pipeline->size, 812);
  EXPECT_TRUE(p.bundles.empty());
  // The documented defaults.
  EXPECT_TRUE(p.config.is_object() && p.config.empty());
  EXPECT_EQ(p.restart.policy, RestartPolicy::kOnFailure);
  EXPECT_DOUBLE_EQ(p.restart.backoff_min_s, 1);
  EXPECT_DOUBLE_EQ(p.restart.backoff_max_s, 300);
  EXPECT_FALSE(p.health.max_error_rate.has_value());
  EXPECT_FALSE(p.health.max_p99_latency_ms.has_value());
  EXPECT_TRUE(p.health.golden_must_pass);
  EXPECT_EQ(p.health.probation_s, 300);
}

// One malformation of the full manifest and the text its error must contain (the field path
// and what was expected).
struct Malformed {
  const char* name;
  std::function<void(json&)> change;
  const char* expected;
};

json& serve_module(json& j) { return j["modules"][0]; }
json& first_bundle(json& j) { return j["modules"][0]["bundles"][0]; }

const std::vector<Malformed>& malformed_cases() {
  static const std::vector<Malformed> cases = {
      {"top_not_object", [](json& j) { j = json::array(); },
       "(top level): expected an object, found an array"},
      {"unknown_top", [](json& j) { j["extra"] = 1; }, "extra: unknown field"},
      {"missing_id", [](json& j) { j.erase("deployment_id"); },
       "deployment_id: missing (required)"},
      {"id_type", [](json& j) { j["deployment_id"] = 5; },
       "deployment_id: expected a string, found an integer"},
      {"id_chars", [](json& j) { j["deployment_id"] = "../etc"; },
       "deployment_id: expected 1-128 characters"},
      {"id_empty", [](json& j) { j["deployment_id"] = ""; }, "deployment_id: expected 1-128"},
      {"id_long", [](json& j) { j["deployment_id"] = std::string(129, 'a'); },
       "deployment_id: longer than 128 bytes"},
      {"missing_version", [](json& j) { j.erase("version"); }, "version: missing (required)"},
      {"version_zero", [](json& j) { j["version"] = 0; }, "version: out of range"},
      {"version_negative", [](json& j) { j["version"] = -3; }, "version: out of range"},
      {"version_float", [](json& j) { j["version"] = 1.5; },
       "version: expected a whole number, found a number"},
      {"version_string", [](json& j) { j["version"] = "7"; },
       "version: expected a whole number, found a string"},
      {"version_huge", [](json& j) { j["version"] = uint64_t{1} << 60; }, "version: out of range"},
      {"expires_missing", [](json& j) { j.erase("expires"); }, "expires: missing"},
      {"expires_offset", [](json& j) { j["expires"] = "2027-06-30T00:00:00+02:00"; },
       "expires: expected an RFC 3339 time in UTC"},
      {"expires_date", [](json& j) { j["expires"] = "2027-02-30T00:00:00Z"; },
       "expires: expected an RFC 3339"},
      {"expires_type", [](json& j) { j["expires"] = 1814313600; }, "expires: expected a string"},
      {"modules_missing", [](json& j) { j.erase("modules"); }, "modules: missing"},
      {"modules_empty", [](json& j) { j["modules"] = json::array(); },
       "modules: expected at least one module"},
      {"modules_object", [](json& j) { j["modules"] = json::object(); },
       "modules: expected an array, found an object"},
      {"too_many_modules",
       [](json& j) {
         json many = json::array();
         for (size_t i = 0; i <= kMaxModules; ++i) {
           json m = j["modules"][0];
           m["name"] = "m" + std::to_string(i);
           many.push_back(m);
         }
         j["modules"] = many;
       },
       "modules: has 65 elements; at most 64"},
      {"module_not_object", [](json& j) { j["modules"][1] = "serve"; },
       "modules[1]: expected an object, found a string"},
      {"module_unknown", [](json& j) { serve_module(j)["image"] = "x"; },
       "modules[0].image: unknown field"},
      {"module_name_missing", [](json& j) { serve_module(j).erase("name"); },
       "modules[0].name: missing"},
      {"module_name_dup", [](json& j) { j["modules"][1]["name"] = "faces"; },
       "modules[1].name: 'faces' is used by another module"},
      {"run_bad", [](json& j) { serve_module(j)["run"] = "docker"; },
       "modules[0].run: expected \"serve\" or \"pipeline\""},
      {"serve_with_pipeline",
       [](json& j) { serve_module(j)["pipeline"] = j["modules"][1]["pipeline"]; },
       "modules[0].pipeline: only a module that runs \"pipeline\""},
      {"pipeline_missing", [](json& j) { j["modules"][1].erase("pipeline"); },
       "modules[1].pipeline: missing (required when run is \"pipeline\")"},
      {"pipeline_string", [](json& j) { j["modules"][1]["pipeline"] = "lobby.json"; },
       "modules[1].pipeline: expected an object, found a string"},
      {"pipeline_sha", [](json& j) { j["modules"][1]["pipeline"]["sha256"] = "abc"; },
       "modules[1].pipeline.sha256: expected 64 lowercase hex digits"},
      {"serve_no_bundles", [](json& j) { serve_module(j)["bundles"] = json::array(); },
       "modules[0].bundles: a module that runs \"serve\" needs at least one bundle"},
      {"bundles_object", [](json& j) { serve_module(j)["bundles"] = json::object(); },
       "modules[0].bundles: expected an array"},
      {"too_many_bundles",
       [](json& j) {
         for (size_t i = 0; i < kMaxBundlesPerModule; ++i) {
           json b = first_bundle(j);
           b["name"] = "b" + std::to_string(i);
           serve_module(j)["bundles"].push_back(b);
         }
       },
       "modules[0].bundles: has 17 elements; at most 16"},
      {"bundle_dup_name", [](json& j) { serve_module(j)["bundles"].push_back(first_bundle(j)); },
       "modules[0].bundles[1].name: 'face-detector' is listed twice"},
      {"sha_short", [](json& j) { first_bundle(j)["sha256"] = "9f86d0"; },
       "modules[0].bundles[0].sha256: expected 64 lowercase hex digits"},
      {"sha_upper", [](json& j) { first_bundle(j)["sha256"] = std::string(64, 'A'); },
       "modules[0].bundles[0].sha256: expected 64 lowercase hex digits"},
      {"sha_type", [](json& j) { first_bundle(j)["sha256"] = nullptr; },
       "modules[0].bundles[0].sha256: expected a string, found null"},
      {"size_zero", [](json& j) { first_bundle(j)["size"] = 0; },
       "modules[0].bundles[0].size: out of range"},
      {"size_float", [](json& j) { first_bundle(j)["size"] = 10.5; },
       "modules[0].bundles[0].size: expected a whole number"},
      {"url_ftp", [](json& j) { first_bundle(j)["url"] = "ftp://x/y.opk"; },
       "modules[0].bundles[0].url: expected an http://, https:// or file:// URL"},
      {"url_space", [](json& j) { first_bundle(j)["url"] = "https://x/a b.opk"; },
       "modules[0].bundles[0].url: expected a URL of printable ASCII"},
      {"url_no_host", [](json& j) { first_bundle(j)["url"] = "https:///a.opk"; },
       "modules[0].bundles[0].url: has no host"},
      {"url_relative_file", [](json& j) { first_bundle(j)["url"] = "file://a.opk"; },
       "modules[0].bundles[0].url: a file URL needs an absolute path"},
      {"url_long", [](json& j) { first_bundle(j)["url"] = "https://x/" + std::string(3000, 'a'); },
       "modules[0].bundles[0].url: longer than 2048 bytes"},
      {"bundle_unknown", [](json& j) { first_bundle(j)["signature"] = "x"; },
       "modules[0].bundles[0].signature: unknown field"},
      {"bundle_no_name", [](json& j) { first_bundle(j).erase("name"); },
       "modules[0].bundles[0].name: missing"},
      {"bundle_version", [](json& j) { first_bundle(j)["version"] = "latest"; },
       "modules[0].bundles[0].version: expected a semantic version"},
      {"downgrade_type", [](json& j) { first_bundle(j)["allow_downgrade"] = "yes"; },
       "modules[0].bundles[0].allow_downgrade: expected true or false, found a string"},
      {"config_array", [](json& j) { serve_module(j)["config"] = json::array(); },
       "modules[0].config: expected an object"},
      {"restart_policy", [](json& j) { serve_module(j)["restart"]["policy"] = "sometimes"; },
       "modules[0].restart.policy: expected \"always\", \"on-failure\" or \"never\""},
      {"restart_unknown", [](json& j) { serve_module(j)["restart"]["retries"] = 3; },
       "modules[0].restart.retries: unknown field"},
      {"backoff_negative", [](json& j) { serve_module(j)["restart"]["backoff_min_s"] = -1; },
       "modules[0].restart.backoff_min_s: out of range"},
      {"backoff_order", [](json& j) { serve_module(j)["restart"]["backoff_max_s"] = 0.1; },
       "modules[0].restart.backoff_max_s: backoff_max_s must not be below backoff_min_s"},
      {"error_rate", [](json& j) { serve_module(j)["health"]["max_error_rate"] = 1.5; },
       "modules[0].health.max_error_rate: out of range"},
      {"p99_zero", [](json& j) { serve_module(j)["health"]["max_p99_latency_ms"] = 0; },
       "modules[0].health.max_p99_latency_ms: out of range"},
      {"golden_type", [](json& j) { serve_module(j)["health"]["golden_must_pass"] = 1; },
       "modules[0].health.golden_must_pass: expected true or false"},
      {"probation_negative", [](json& j) { serve_module(j)["health"]["probation_s"] = -1; },
       "modules[0].health.probation_s: out of range"},
      {"health_unknown", [](json& j) { serve_module(j)["health"]["max_memory_mb"] = 5; },
       "modules[0].health.max_memory_mb: unknown field"},
      {"health_array", [](json& j) { serve_module(j)["health"] = json::array(); },
       "modules[0].health: expected an object"},
  };
  return cases;
}

TEST(CorruptManifest, MalformedFieldsAreNamedByPath) {
  for (const Malformed& c : malformed_cases()) {
    json j = full_manifest();
    c.change(j);
    auto m = parse_manifest(j.dump(), "deploy.json");
    ASSERT_FALSE(m.is_ok()) << c.name << " was accepted";
    EXPECT_EQ(m.status().code(), StatusCode::kInvalidModel) << c.name;
    EXPECT_NE(m.status().message().find(std::string("deploy.json: ") + c.expected),
              std::string::npos)
        << c.name << ": " << m.status().message();
  }
}

TEST(CorruptManifest, DuplicateKeysAreRefusedWithTheirPath) {
  const std::string text = full_manifest().dump();
  // A second "version" at the top, then a second "sha256" inside the first bundle.
  std::string top = text;
  top.insert(1, "\"version\":99,");
  auto m = parse_manifest(top, "deploy.json");
  ASSERT_FALSE(m.is_ok());
  EXPECT_NE(m.status().message().find("deploy.json: version: duplicate key"), std::string::npos)
      << m.status().message();
  std::string inner = text;
  inner.insert(inner.find("\"sha256\""), "\"sha256\":\"x\",");
  m = parse_manifest(inner, "deploy.json");
  ASSERT_FALSE(m.is_ok());
  EXPECT_NE(m.status().message().find("modules[0].bundles[0].sha256: duplicate key"),
            std::string::npos)
      << m.status().message();
  // The same key in sibling objects is fine.
  EXPECT_TRUE(parse_strict_json(R"({"a": {"k": 1}, "b": [{"k": 1}, {"k": 2}]})", "x").is_ok());
  auto d = parse_strict_json(R"({"a": [1, {"k": 1}, [], {"k": 2, "k": 3}]})", "x");
  ASSERT_FALSE(d.is_ok());
  EXPECT_NE(d.status().message().find("x: a[3].k: duplicate key"), std::string::npos)
      << d.status().message();
}

TEST(CorruptManifest, SizeDepthAndSyntaxLimits) {
  // Over 1 MiB: refused before parsing, even though it is valid JSON.
  json j = full_manifest();
  serve_module(j)["config"]["blob"] = std::string(kMaxManifestBytes, 'x');
  auto m = parse_manifest(j.dump(), "big.json");
  ASSERT_FALSE(m.is_ok());
  EXPECT_NE(m.status().message().find("a manifest may have at most 1048576"), std::string::npos);
  // Deep nesting inside the free config object.
  std::string deep = std::string(10000, '[') + std::string(10000, ']');
  j = full_manifest();
  std::string text = j.dump();
  text.insert(text.find("\"port\""), "\"deep\":" + deep + ",");
  m = parse_manifest(text, "deep.json");
  ASSERT_FALSE(m.is_ok());
  EXPECT_NE(m.status().message().find("modules[0].config.deep"), std::string::npos)
      << m.status().message();
  EXPECT_NE(m.status().message().find("nested deeper than 32 levels"), std::string::npos);
  for (const char* bad : {"", "{", "{\"version\": 1,}", "null", "\xff\xfe", "{\"a\":\"\xc3\"}"}) {
    m = parse_manifest(bad, "bad.json");
    ASSERT_FALSE(m.is_ok()) << bad;
    EXPECT_EQ(m.status().code(), StatusCode::kInvalidModel);
  }
}

TEST(UtcTime, ParsesRfc3339InUtcOnly) {
  EXPECT_EQ(parse_utc_time("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_utc_time("2000-03-01T00:00:00Z"), 951868800);
  EXPECT_EQ(parse_utc_time("2024-02-29T23:59:59.999z"), 1709251199);
  EXPECT_EQ(parse_utc_time("1969-12-31t23:59:59Z"), -1);
  for (const char* bad : {"2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01T24:00:00Z",
                          "2024-01-01T00:00:60Z", "2024-01-01 00:00:00Z", "2024-01-01T00:00:00",
                          "2024-01-01T00:00:00+00:00", "2024-01-01T00:00:00.Z",
                          "24-01-01T00:00:00Z", "2024-1-01T00:00:00Z", "２０２４-01-01T00:00:00Z"})
    EXPECT_FALSE(parse_utc_time(bad).has_value()) << bad;
  for (int64_t t :
       {int64_t{0}, int64_t{951868800}, int64_t{1709251199}, int64_t{4102444800}, int64_t{-86401}})
    EXPECT_EQ(parse_utc_time(format_utc_time(t)), t) << format_utc_time(t);
  EXPECT_EQ(format_utc_time(1814313600), "2027-06-30T00:00:00Z");
}

}  // namespace
}  // namespace outpost::agent
