// outpost manifest check|sign|verify: deployment manifests (docs/manifest.md) as a publisher
// writes and signs them and as a device accepts them.
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "agent/signed_manifest.h"
#include "agent/utc_time.h"
#include "bundle/keys.h"
#include "bundle/trust_store.h"
#include "core/log.h"
#include "core/regular_file.h"
#include "outpost/cli_common.h"
#include "outpost/commands.h"

namespace outpost::cli {
namespace {

struct ManifestFlags {
  std::string file;
  std::string key;
  std::string out;
  std::string trust_dir;
  long long last_version = 0;
  std::string now;
  bool json = false;
};

// The whole file, refused before reading when it is larger than any signed manifest may be.
Result<std::string> read_bounded(const std::string& path) {
  OUTPOST_ASSIGN_OR_RETURN(RegularFile f, open_regular_file(path));
  if (f.size() > agent::kMaxSignedManifestBytes)
    return invalid_model(path + ": " + std::to_string(f.size()) +
                         " bytes; a manifest is at most 1 MiB (3 MiB signed)");
  return read_regular_file(path);
}

// "deploy.json" -> "deploy.signed.json", beside the input.
std::string default_signed_path(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const size_t dot = path.find_last_of('.');
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash))
    return path.substr(0, dot) + ".signed" + path.substr(dot);
  return path + ".signed.json";
}

nlohmann::json modules_json(const agent::Manifest& m) {
  nlohmann::json modules = nlohmann::json::array();
  for (const auto& mod : m.modules) {
    nlohmann::json bundles = nlohmann::json::array();
    for (const auto& b : mod.bundles)
      bundles.push_back({{"name", b.name},
                         {"version", b.version},
                         {"url", b.artifact.url},
                         {"sha256", b.artifact.sha256},
                         {"size", b.artifact.size},
                         {"allow_downgrade", b.allow_downgrade}});
    modules.push_back(
        {{"name", mod.name}, {"run", agent::run_kind_name(mod.run)}, {"bundles", bundles}});
  }
  return modules;
}

void print_summary(const agent::Manifest& m) {
  std::cout << "  deployment: " << m.deployment_id << " version " << m.version << ", expires "
            << m.expires << "\n";
  for (const auto& mod : m.modules) {
    std::cout << "  module:     " << mod.name << " (" << agent::run_kind_name(mod.run) << ")";
    for (const auto& b : mod.bundles) std::cout << " " << b.name << "@" << b.version;
    std::cout << "\n";
  }
}

Status check(const ManifestFlags& flags) {
  OUTPOST_ASSIGN_OR_RETURN(const std::string bytes, read_bounded(flags.file));
  OUTPOST_ASSIGN_OR_RETURN(const agent::Manifest m, agent::parse_manifest(bytes, flags.file));
  if (flags.json) {
    print_json({{"manifest", flags.file},
                {"ok", true},
                {"deployment_id", m.deployment_id},
                {"version", m.version},
                {"expires", m.expires},
                {"modules", modules_json(m)}});
    return Status::ok();
  }
  std::cout << flags.file << ": OK (well-formed; not signed)\n";
  print_summary(m);
  return Status::ok();
}

Status sign(const ManifestFlags& flags) {
  OUTPOST_ASSIGN_OR_RETURN(const std::string bytes, read_bounded(flags.file));
  auto key = bundle::read_key_file(flags.key);
  if (!key.is_ok()) return key.status().with_context("--key");
  OUTPOST_ASSIGN_OR_RETURN(const agent::Manifest m, agent::parse_manifest(bytes, flags.file));
  if (m.expires_unix <= agent::unix_now())
    OUTPOST_LOG_WARNING(flags.file << ": expires " << m.expires
                                   << ", which has passed: devices will refuse it");
  OUTPOST_ASSIGN_OR_RETURN(const std::string text, agent::sign_manifest(bytes, key.value()));
  const std::string out = flags.out.empty() ? default_signed_path(flags.file) : flags.out;
  std::ofstream f(out, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f) return io_error(out + ": cannot write the signed manifest");
  const std::string id = bundle::key_id_hex(key->id());
  if (flags.json) {
    print_json({{"signed", out},
                {"deployment_id", m.deployment_id},
                {"version", m.version},
                {"expires", m.expires},
                {"publisher", key->name},
                {"key_id", id}});
    return Status::ok();
  }
  std::cout << out << ": deployment " << m.deployment_id << " version " << m.version
            << " signed by '" << key->name << "' (key id " << id << ")\n";
  return Status::ok();
}

Status verify(const ManifestFlags& flags) {
  const char* env = std::getenv("OUTPOST_TRUST_DIR");
  const std::string trust_dir = !flags.trust_dir.empty() ? flags.trust_dir : env ? env : "";
  if (trust_dir.empty())
    return Status(StatusCode::kUntrusted,
                  "checking a manifest needs a trust store: pass --trust DIR (publisher .pub "
                  "files) or set OUTPOST_TRUST_DIR");
  OUTPOST_ASSIGN_OR_RETURN(const bundle::TrustStore trust, bundle::TrustStore::load(trust_dir));
  int64_t now = agent::unix_now();
  if (!flags.now.empty()) {
    const auto t = agent::parse_utc_time(flags.now);
    if (!t)
      return usage_error("--now " + flags.now +
                         ": expected an RFC 3339 UTC time such as 2027-01-31T12:00:00Z");
    now = *t;
  }
  OUTPOST_ASSIGN_OR_RETURN(const std::string text, read_bounded(flags.file));
  const agent::ManifestAcceptance a =
      agent::accept_manifest(text, trust, flags.last_version, now, flags.file);
  if (!a.accepted()) {
    if (flags.json) {
      nlohmann::json j = error_json(a.status);
      j["error"]["reason"] = agent::manifest_refusal_name(a.refusal);
      print_json(j);
      set_json_error_printed();
    }
    return a.status;
  }
  const agent::Manifest& m = a.manifest;
  const std::string id = bundle::key_id_hex(a.signer_id);
  if (flags.json) {
    print_json({{"manifest", flags.file},
                {"ok", true},
                {"deployment_id", m.deployment_id},
                {"version", m.version},
                {"expires", m.expires},
                {"signer", a.signer},
                {"signer_key_id", id},
                {"modules", modules_json(m)}});
    return Status::ok();
  }
  std::cout << flags.file << ": OK (accepted)\n";
  std::cout << "  signature:  valid, publisher '" << a.signer << "' (key id " << id << ")\n";
  print_summary(m);
  return Status::ok();
}

}  // namespace

void add_manifest_command(CLI::App& app) {
  auto flags = std::make_shared<ManifestFlags>();
  CLI::App* manifest = app.add_subcommand(
      "manifest", "Check, sign and verify deployment manifests (docs/manifest.md)");
  manifest->require_subcommand(1);

  CLI::App* chk =
      manifest->add_subcommand("check", "Check that a manifest is well-formed (no key needed)");
  chk->add_option("manifest", flags->file, "Manifest file (JSON)")->required();
  add_json_flag(chk, flags->json);
  set_action(chk, [flags] { return check(*flags); });

  CLI::App* sg =
      manifest->add_subcommand("sign", "Sign a manifest's exact bytes with a publisher key");
  sg->add_option("manifest", flags->file, "Manifest file (JSON)")->required();
  sg->add_option("--key", flags->key, "Publisher secret key (NAME.publisher.key)")->required();
  sg->add_option("-o,--out", flags->out,
                 "Signed manifest to write (default: MANIFEST.signed.json beside it)");
  add_json_flag(sg, flags->json);
  set_action(sg, [flags] { return sign(*flags); });

  CLI::App* vf = manifest->add_subcommand(
      "verify",
      "Accept a signed manifest as a device would: trusted signature, not expired, newer");
  vf->add_option("manifest", flags->file, "Signed manifest file")->required();
  vf->add_option("--trust", flags->trust_dir,
                 "Directory of trusted publishers' .pub keys (default $OUTPOST_TRUST_DIR)");
  vf->add_option("--last-version", flags->last_version,
                 "Refuse a manifest whose version is not above this one (exit code 13)")
      ->check(whole_number(0, agent::kMaxJsonInteger));
  vf->add_option("--now", flags->now,
                 "Judge the expiry at this RFC 3339 UTC time instead of the clock");
  add_json_flag(vf, flags->json);
  set_action(vf, [flags] { return verify(*flags); });
}

}  // namespace outpost::cli
