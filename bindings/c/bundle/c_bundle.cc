// The C API's bundles (include/outpost/outpost_bundle.h): the trust policy of
// bundle/trust_policy.h and the checks of `outpost verify`, behind opaque handles.
#include <memory>
#include <string>
#include <vector>

#include "bundle/trust_policy.h"
#include "bundle/verify.h"
#include "c/session/c_status.h"
#include "c/session/c_session_handle.h"
#include "c/bundle/c_trust_policy.h"
#include "outpost/outpost_bundle.h"

struct outpost_model_info {
  bool bundle = false;
  std::string name, version, publisher;
  bool encrypted = false;
  bool golden_checked = false;
  std::vector<std::string> labels;
};

namespace outpost::capi {
namespace {

outpost_model_info* info_of(bool is_bundle, const bundle::BundleMetadata& m,
                            const std::string& publisher, bool encrypted) {
  auto* info = new outpost_model_info();
  info->bundle = is_bundle;
  if (is_bundle) {
    info->name = m.name;
    info->version = m.version.text;
    info->publisher = publisher;
    info->labels = m.labels;
  }
  info->encrypted = encrypted;
  return info;
}

// A string setter of the policy: NULL checks, then `set`.
template <typename Set>
outpost_status* set_string(const char* function, outpost_trust_policy* p, const char* value,
                           Set&& set) {
  if (p == nullptr || value == nullptr) return usage(function, "policy or its value is NULL");
  return guarded(function, [&] { return set(p->policy, std::string(value)); });
}

}  // namespace
}  // namespace outpost::capi

using outpost::capi::guarded;
using outpost::capi::usage;
namespace bundle = outpost::bundle;

extern "C" {

outpost_trust_policy* outpost_trust_policy_create(void) {
  return new (std::nothrow) outpost_trust_policy();
}

void outpost_trust_policy_free(outpost_trust_policy* policy) { delete policy; }

outpost_status* outpost_trust_policy_set_trust_dir(outpost_trust_policy* policy, const char* dir) {
  return outpost::capi::set_string(__func__, policy, dir, [](bundle::TrustPolicy& p, std::string d) {
    auto trust = bundle::TrustStore::load(d);
    if (!trust.is_ok()) return trust.status();
    p.trust = std::move(*trust);
    return outpost::Status::ok();
  });
}

outpost_status* outpost_trust_policy_set_device_key(outpost_trust_policy* policy, const char* path) {
  return outpost::capi::set_string(__func__, policy, path, [](bundle::TrustPolicy& p, std::string f) {
    auto key = bundle::read_key_file(f);
    if (!key.is_ok()) return key.status();
    p.device_key = std::move(*key);
    return outpost::Status::ok();
  });
}

outpost_status* outpost_trust_policy_set_expect_name(outpost_trust_policy* policy, const char* name) {
  return outpost::capi::set_string(__func__, policy, name, [](bundle::TrustPolicy& p, std::string n) {
    p.expect_name = std::move(n);
    return outpost::Status::ok();
  });
}

outpost_status* outpost_trust_policy_set_state_dir(outpost_trust_policy* policy, const char* dir) {
  return outpost::capi::set_string(__func__, policy, dir, [](bundle::TrustPolicy& p, std::string d) {
    p.state_dir = std::move(d);
    return outpost::Status::ok();
  });
}

outpost_status* outpost_trust_policy_allow_unsigned(outpost_trust_policy* policy, int allow) {
  if (policy == nullptr) return usage(__func__, "policy is NULL");
  policy->policy.allow_unsigned = allow != 0;
  return nullptr;
}

outpost_status* outpost_trust_policy_allow_downgrade(outpost_trust_policy* policy, int allow) {
  if (policy == nullptr) return usage(__func__, "policy is NULL");
  policy->policy.allow_downgrade = allow != 0;
  return nullptr;
}

outpost_status* outpost_session_open_trusted(const char* path, const outpost_trust_policy* policy,
                                             const outpost_session_options* options,
                                             outpost_session** session, outpost_model_info** info) {
  if (session == nullptr) return usage(__func__, "session (the result) is NULL");
  *session = nullptr;
  if (info != nullptr) *info = nullptr;
  if (path == nullptr) return usage(__func__, "path is NULL");
  return guarded(__func__, [&]() -> outpost::Status {
    auto loaded = bundle::load_trusted_model(path, outpost::capi::policy_of(policy),
                                             outpost::capi::options_of(options));
    if (!loaded.is_ok()) return loaded.status();
    if (info != nullptr)
      *info = outpost::capi::info_of(loaded->bundle, loaded->metadata, loaded->publisher,
                                     loaded->encrypted);
    *session = outpost::capi::wrap(std::move(loaded->session));
    return outpost::Status::ok();
  });
}

outpost_status* outpost_bundle_verify(const char* path, const outpost_trust_policy* policy,
                                      outpost_model_info** info) {
  if (info != nullptr) *info = nullptr;
  if (path == nullptr || policy == nullptr) return usage(__func__, "path or policy is NULL");
  if (!policy->policy.trust)
    return usage(__func__, "the policy has no trust directory: a bundle's signature cannot be "
                           "checked without one (outpost_trust_policy_set_trust_dir)");
  return guarded(__func__, [&]() -> outpost::Status {
    const bundle::TrustPolicy& p = policy->policy;
    bundle::OpenOptions o;
    o.require_model = false;  // an encrypted bundle without the device key: what can be checked
    auto opened = bundle::open_bundle_file(path, *p.trust, p.device_key ? &*p.device_key : nullptr, o);
    if (!opened.is_ok()) return opened.status();
    bool golden_checked = false;
    if (opened->model != nullptr) {
      auto golden = bundle::check_golden(*opened);
      if (!golden.is_ok()) return golden.status();
      golden_checked = !golden->empty();
    }
    if (info != nullptr) {
      *info = outpost::capi::info_of(true, opened->metadata, opened->publisher, opened->encrypted);
      (*info)->golden_checked = golden_checked;
    }
    return outpost::Status::ok();
  });
}

int outpost_model_info_is_bundle(const outpost_model_info* info) {
  return info != nullptr && info->bundle;
}

const char* outpost_model_info_name(const outpost_model_info* info) {
  return info == nullptr ? "" : info->name.c_str();
}

const char* outpost_model_info_version(const outpost_model_info* info) {
  return info == nullptr ? "" : info->version.c_str();
}

const char* outpost_model_info_publisher(const outpost_model_info* info) {
  return info == nullptr ? "" : info->publisher.c_str();
}

int outpost_model_info_encrypted(const outpost_model_info* info) {
  return info != nullptr && info->encrypted;
}

int outpost_model_info_golden_checked(const outpost_model_info* info) {
  return info != nullptr && info->golden_checked;
}

size_t outpost_model_info_label_count(const outpost_model_info* info) {
  return info == nullptr ? 0 : info->labels.size();
}

const char* outpost_model_info_label(const outpost_model_info* info, size_t i) {
  return info == nullptr || i >= info->labels.size() ? "" : info->labels[i].c_str();
}

void outpost_model_info_free(outpost_model_info* info) { delete info; }

}  // extern "C"
