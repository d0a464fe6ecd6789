// outpost verify BUNDLE: signature, trusted publisher, versions, hashes, decryptability and
// golden vectors, each failure with its own exit code (docs/cli.md).
#include <cstdio>
#include <iostream>

#include "bundle/verify.h"
#include "outpost/cli_common.h"
#include "outpost/commands.h"

namespace outpost::cli {
namespace {

struct VerifyFlags {
  ModelFlags model;
  std::string min_version;
};

Status verify(const VerifyFlags& flags) {
  const ModelFlags& mf = flags.model;
  OUTPOST_ASSIGN_OR_RETURN(BundleKeys keys, load_bundle_keys(mf.trust_dir, mf.device_key));
  bundle::OpenOptions options;
  options.min_bundle_version = flags.min_version;
  options.require_model = false;  // without a device key, check what the trust store can
  const double start = now_seconds();
  OUTPOST_ASSIGN_OR_RETURN(
      bundle::OpenedBundle b,
      bundle::open_bundle_file(mf.model, keys.trust, keys.device ? &*keys.device : nullptr,
                               options));
  const double open_ms = (now_seconds() - start) * 1e3;
  std::vector<bundle::GoldenResult> golden;
  const bool decrypted = b.model != nullptr;
  if (decrypted) {
    OUTPOST_ASSIGN_OR_RETURN(const SessionOptions session_options, mf.session_options());
    OUTPOST_ASSIGN_OR_RETURN(golden, bundle::check_golden(b, session_options));
  }
  const auto& m = b.metadata;
  if (mf.json) {
    nlohmann::json j;
    j["bundle"] = mf.model;
    j["ok"] = true;
    j["metadata"] = bundle::metadata_json(m);
    j["publisher"] = b.publisher;
    j["publisher_key_id"] = bundle::key_id_hex(b.publisher_id);
    j["encrypted"] = b.encrypted;
    j["recipients"] = b.recipients;
    j["decrypted"] = decrypted;
    j["golden_checked"] = decrypted && !golden.empty();
    j["golden"] = nlohmann::json::array();
    for (const auto& g : golden)
      j["golden"].push_back(
          {{"output", g.output}, {"max_error", g.max_error}, {"tolerance", g.tolerance}});
    j["open_ms"] = open_ms;
    print_json(j);
    return Status::ok();
  }
  std::cout << mf.model << ": OK\n";
  std::cout << "  bundle:    " << m.name << " " << m.version.text << " (" << m.model_format << ", "
            << m.model_size << " bytes), created " << m.created
            << ", needs Outpost >= " << m.min_outpost_version.text << "\n";
  std::cout << "  signature: valid, publisher '" << b.publisher << "' (key id "
            << bundle::key_id_hex(b.publisher_id) << ")\n";
  if (b.encrypted)
    std::cout << "  encrypted: for " << b.recipients << " device(s); "
              << (decrypted ? "decrypted in memory with this device's key"
                            : "not decrypted (no --device-key)")
              << "\n";
  if (decrypted) {
    std::cout << "  hashes:    model and golden vectors match (BLAKE2b-256)\n";
    if (golden.empty()) std::cout << "  golden:    none in this bundle\n";
    for (const auto& g : golden)
      std::printf("  golden:    %s within tolerance (max error %.3g, tolerance %.3g)\n",
                  g.output.c_str(), g.max_error, g.tolerance);
  } else {
    std::cout << "  golden:    not checked (encrypted; pass --device-key to run them)\n";
  }
  return Status::ok();
}

}  // namespace

void add_verify_command(CLI::App& app) {
  auto flags = std::make_shared<VerifyFlags>();
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Check a bundle: signature, publisher, versions, hashes, decryption, golden vectors");
  add_model_flags(cmd, flags->model);
  cmd->add_option("--min-version", flags->min_version,
                  "Refuse a bundle older than this version (exit code 13)");
  set_action(cmd, [flags] { return verify(*flags); });
}

}  // namespace outpost::cli
