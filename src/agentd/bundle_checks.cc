#include "agentd/bundle_checks.h"

#include "bundle/installed_versions.h"
#include "bundle/open.h"
#include "agentd/command_runner.h"

namespace outpost::agentd {
namespace {

std::string subject(const agent::BundleRef& ref, const std::string& module) {
  return "module '" + module + "': bundle " + ref.name + " " + ref.version;
}

Status with_subject(const Status& s, const agent::BundleRef& ref, const std::string& module) {
  return Status(s.code(), subject(ref, module) + ": " + s.message());
}

// Signature and metadata only: the model is neither decrypted nor loaded in the agent.
Result<bundle::OpenedBundle> open_metadata(const std::string& path, const agent::BundleRef& ref,
                                           const std::string& module,
                                           const BundleCheckContext& context) {
  bundle::OpenOptions options;
  options.require_model = false;
  options.check_model_hash = false;
  options.load_golden = false;
  options.what = path;
  auto opened = bundle::open_bundle_file(path, *context.trust, nullptr, options);
  if (!opened.is_ok()) return with_subject(opened.status(), ref, module);
  return opened;
}

}  // namespace

Status verify_bundle(const std::string& path, const agent::BundleRef& ref,
                     const std::string& module, const BundleCheckContext& context) {
  OUTPOST_ASSIGN_OR_RETURN(bundle::OpenedBundle b, open_metadata(path, ref, module, context));
  const bundle::BundleMetadata& m = b.metadata;
  if (m.name != ref.name)
    return Status(StatusCode::kUntrusted,
                  subject(ref, module) + ": the file is signed as '" + m.name +
                      "', not '" + ref.name + "': a trusted publisher's bundle of another model");
  if (m.version.text != ref.version)
    return Status(StatusCode::kUntrusted, subject(ref, module) + ": the file is signed as version " +
                                              m.version.text + ", not " + ref.version);
  if (ref.allow_downgrade) return Status::ok();
  OUTPOST_ASSIGN_OR_RETURN(auto installed, bundle::read_installed_versions(context.state_dir));
  const auto it = installed.find(m.name);
  if (it != installed.end() && bundle::compare_semver(m.version, it->second) < 0)
    return Status(StatusCode::kTooOld,
                  subject(ref, module) + " is older than " + it->second.text +
                      ", which this device has run: a rollback is refused (set "
                      "\"allow_downgrade\": true on the bundle in the manifest to allow it)");
  return Status::ok();
}

Status validate_bundle(const std::string& path, const agent::BundleRef& ref,
                       const std::string& module, bool run_golden,
                       const BundleCheckContext& context) {
  std::vector<std::string> argv = {context.outpost_binary, run_golden ? "verify" : "inspect", path,
                                   "--trust", context.trust_dir};
  if (!context.device_key_path.empty())
    argv.insert(argv.end(), {"--device-key", context.device_key_path});
  OUTPOST_ASSIGN_OR_RETURN(CommandResult r, run_command(argv, context.timeout_s));
  if (r.timed_out)
    return Status(StatusCode::kUnsupported,
                  subject(ref, module) + ": validating it took longer than " +
                      std::to_string(static_cast<int>(context.timeout_s)) + " s; stopped");
  if (r.signal != 0)
    return Status(StatusCode::kInvalidModel, subject(ref, module) + ": validating it crashed (signal " +
                                                 std::to_string(r.signal) + ")");
  if (r.exit_code == 0) return Status::ok();
  // `outpost` exits with its Status code and says why on its last "outpost: error:" line.
  const StatusCode code = r.exit_code > 0 && r.exit_code <= static_cast<int>(StatusCode::kTooOld)
                              ? static_cast<StatusCode>(r.exit_code)
                              : StatusCode::kInternal;
  const std::string marker = "outpost: error: ";
  std::string why = "exit code " + std::to_string(r.exit_code);
  const size_t at = r.output.rfind(marker);
  if (at != std::string::npos) {
    const size_t end_of_line = r.output.find('\n', at);
    why = r.output.substr(at + marker.size(), end_of_line == std::string::npos
                                                  ? std::string::npos
                                                  : end_of_line - at - marker.size());
  }
  return Status(code, subject(ref, module) + ": " + why);
}

}  // namespace outpost::agentd
