#include "agentd/bundle_checks.h"

#include "bundle/installed_versions.h"
#include "bundle/open.h"
#include "bundle/verify.h"

namespace outpost::agentd {
namespace {

std::string subject(const agent::BundleRef& ref, const std::string& module) {
  return "module '" + module + "': bundle " + ref.name + " " + ref.version;
}

Status with_subject(const Status& s, const agent::BundleRef& ref, const std::string& module) {
  return Status(s.code(), subject(ref, module) + ": " + s.message());
}

Result<bundle::OpenedBundle> open(const std::string& path, const agent::BundleRef& ref,
                                  const std::string& module, bool golden,
                                  const BundleCheckContext& context) {
  bundle::OpenOptions options;
  options.load_golden = golden;
  options.what = path;
  auto opened = bundle::open_bundle_file(path, *context.trust, context.device_key, options);
  if (!opened.is_ok()) return with_subject(opened.status(), ref, module);
  return opened;
}

}  // namespace

Status verify_bundle(const std::string& path, const agent::BundleRef& ref,
                     const std::string& module, const BundleCheckContext& context) {
  OUTPOST_ASSIGN_OR_RETURN(bundle::OpenedBundle b, open(path, ref, module, false, context));
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
  OUTPOST_ASSIGN_OR_RETURN(bundle::OpenedBundle b, open(path, ref, module, run_golden, context));
  if (run_golden) {
    auto results = bundle::check_golden(b);
    if (!results.is_ok()) return with_subject(results.status(), ref, module);
    return Status::ok();
  }
  auto session = bundle::open_bundle_session(b);
  if (!session.is_ok()) return with_subject(session.status(), ref, module);
  return Status::ok();
}

}  // namespace outpost::agentd
