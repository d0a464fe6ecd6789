#include "bundle/trust_policy.h"

#include <utility>

#include "bundle/installed_versions.h"
#include "bundle/layout.h"
#include "bundle/open.h"
#include "bundle/private_copy.h"
#include "bundle/verify.h"
#include "core/log.h"

namespace outpost::bundle {
namespace {

// The checks of a bundle's signed name and version against what this device expects.
Status check_name_and_version(const std::string& path, const BundleMetadata& m,
                              const TrustPolicy& policy) {
  if (!policy.expect_name.empty() && m.name != policy.expect_name)
    return Status(StatusCode::kUntrusted,
                  "bundle '" + path + "' is signed as '" + m.name + "', not the expected '" +
                      policy.expect_name + "': a trusted publisher's bundle for another model");
  if (policy.state_dir.empty() || policy.allow_downgrade) return Status::ok();
  OUTPOST_ASSIGN_OR_RETURN(auto installed, read_installed_versions(policy.state_dir));
  const auto it = installed.find(m.name);
  if (it != installed.end() && compare_semver(m.version, it->second) < 0)
    return Status(StatusCode::kTooOld,
                  "bundle '" + path + "' is " + m.name + " " + m.version.text +
                      ", older than " + it->second.text + " loaded before (recorded in '" +
                      installed_versions_path(policy.state_dir) +
                      "'): a rollback is refused; pass --allow-downgrade to load it on purpose");
  return Status::ok();
}

Result<TrustedModel> load_bundle(const std::string& path, const PrivateCopy& file,
                                 const TrustPolicy& policy, const SessionOptions& options) {
  if (!policy.trust)
    return Status(StatusCode::kUntrusted,
                  "bundle '" + path +
                      "' needs a trust store to check its signature: pass --trust DIR "
                      "(publisher .pub files) or set OUTPOST_TRUST_DIR");
  OpenOptions open_options;
  open_options.check_model_hash = false;  // `verify` checks it; the signature already covers it
  open_options.load_golden = false;       // only `verify` runs them
  open_options.what = path;
  OUTPOST_ASSIGN_OR_RETURN(
      OpenedBundle opened,
      open_bundle(file.data, file.size, *policy.trust,
                  policy.device_key ? &*policy.device_key : nullptr, open_options,
                  file.keep_alive));
  OUTPOST_LOG_DEBUG(path << ": bundle '" << opened.metadata.name << "' "
                         << opened.metadata.version.text << " signed by '" << opened.publisher
                         << "'" << (opened.encrypted ? ", decrypted in memory" : ""));
  OUTPOST_RETURN_IF_ERROR(check_name_and_version(path, opened.metadata, policy));
  TrustedModel m;
  OUTPOST_ASSIGN_OR_RETURN(m.session, open_bundle_session(opened, options));
  // Recorded only once it loaded: a bundle that does not run never raises the floor.
  if (!policy.state_dir.empty())
    OUTPOST_RETURN_IF_ERROR(
        record_installed_version(policy.state_dir, opened.metadata.name, opened.metadata.version));
  m.bundle = true;
  m.metadata = std::move(opened.metadata);
  m.publisher = std::move(opened.publisher);
  m.encrypted = opened.encrypted;
  return m;
}

}  // namespace

Result<TrustedModel> load_trusted_model(const std::string& path, const TrustPolicy& policy,
                                        const SessionOptions& options) {
  // One read, into private memory: the bytes checked are the bytes that run, and the choice
  // between bundle and plain model is made on them, not on an earlier look at the file.
  OUTPOST_ASSIGN_OR_RETURN(PrivateCopy file, read_private_copy(path));
  if (has_bundle_magic(file.data, file.size)) return load_bundle(path, file, policy, options);
  if (policy.trust && !policy.allow_unsigned)
    return Status(StatusCode::kUntrusted,
                  "'" + path + "' is not a signed bundle, and the trust store '" +
                      policy.trust->source() +
                      "' is configured, so only bundles its publishers signed load: pack it "
                      "(outpost pack MODEL --sign KEY, with a key the store trusts), or pass "
                      "--allow-unsigned to load it unchecked (development only)");
  if (!policy.expect_name.empty())
    return Status(StatusCode::kUntrusted,
                  "'" + path + "' is not a signed bundle, so it has no signed name to match the "
                  "expected '" + policy.expect_name + "': pack it (outpost pack MODEL --name " +
                  policy.expect_name + " --sign KEY)");
  if (policy.allow_unsigned)
    OUTPOST_LOG_WARNING("loading '" << path
                                    << "' unsigned (--allow-unsigned): nothing vouches for this "
                                       "model; do not use it in production");
  TrustedModel m;
  OUTPOST_ASSIGN_OR_RETURN(
      m.session, Session::open_buffer(file.data, file.size, std::move(file.keep_alive), path, options));
  return m;  // the session alone holds the copy: it lets go of it once it no longer needs it
}

}  // namespace outpost::bundle
