// outpost.bundle's native half: keys, pack, verify and open under a trust policy, the same
// functions `outpost keys`, `pack`, `verify` and every model command use.
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "bundle/pack.h"
#include "bundle/trust_policy.h"
#include "bundle/verify.h"
#include "py_bindings.h"
#include "py_errors.h"
#include "py_session.h"

namespace outpost::python {

namespace py = pybind11;
namespace bundle = outpost::bundle;

namespace {

// The bundle's signed metadata as Python objects, with what vouches for it.
py::dict info_of(const bundle::BundleMetadata& metadata, const std::string& publisher, bool encrypted) {
  py::dict info = py::module_::import("json").attr("loads")(bundle::metadata_json(metadata).dump());
  info["publisher"] = publisher;
  info["encrypted"] = encrypted;
  return info;
}

bundle::TrustPolicy policy_of(const std::optional<std::string>& trust_dir,
                              const std::optional<std::string>& device_key, bool allow_unsigned,
                              const std::string& expect_name, const std::string& state_dir,
                              bool allow_downgrade) {
  bundle::TrustPolicy p;
  if (trust_dir) p.trust = take(bundle::TrustStore::load(*trust_dir));
  if (device_key) p.device_key = take(bundle::read_key_file(*device_key));
  p.allow_unsigned = allow_unsigned;
  p.expect_name = expect_name;
  p.state_dir = state_dir;
  p.allow_downgrade = allow_downgrade;
  return p;
}

std::vector<std::string> generate_keys(const std::string& name, const std::string& dir, bool device) {
  bundle::KeyPair keys = take(bundle::generate_key_pair(!device, name));
  auto paths = take(bundle::write_key_pair(keys, dir));
  return {paths[0], paths[1]};
}

void pack(const std::string& model, const std::string& out, const std::string& sign,
          const std::string& name, const std::string& version, const std::vector<std::string>& labels,
          const std::string& preprocess_json, const std::vector<std::string>& encrypt_for, bool golden) {
  bundle::PackOptions o;
  o.name = name;
  o.version = version;
  o.labels = labels;
  o.preprocess_json = preprocess_json;
  o.golden_mode = golden ? bundle::GoldenMode::kAuto : bundle::GoldenMode::kNone;
  for (const std::string& path : encrypt_for) o.encrypt_for.push_back(take(bundle::read_key_file(path)));
  const bundle::KeyPair signer = take(bundle::read_key_file(sign));
  Status status;
  {
    py::gil_scoped_release unlocked;
    status = bundle::pack_bundle_file(model, signer, o, out);
  }
  check(status);
}

py::dict verify(const std::string& path, const std::string& trust_dir,
                const std::optional<std::string>& device_key) {
  const bundle::TrustPolicy p = policy_of(trust_dir, device_key, false, "", "", false);
  bundle::OpenOptions o;
  o.require_model = false;  // an encrypted bundle without the device key: what can be checked
  bundle::OpenedBundle opened = take(
      bundle::open_bundle_file(path, *p.trust, p.device_key ? &*p.device_key : nullptr, o));
  bool golden_checked = false;
  if (opened.model != nullptr) {
    Result<std::vector<bundle::GoldenResult>> golden = internal_error("not checked");
    {
      py::gil_scoped_release unlocked;
      golden = bundle::check_golden(opened);
    }
    golden_checked = !take(std::move(golden)).empty();
  }
  py::dict info = info_of(opened.metadata, opened.publisher, opened.encrypted);
  info["golden_checked"] = golden_checked;
  return info;
}

std::unique_ptr<PySession> open_trusted(const std::string& path, const std::optional<std::string>& trust_dir,
                                        const std::optional<std::string>& device_key, bool allow_unsigned,
                                        const std::string& expect_name, const std::string& state_dir,
                                        bool allow_downgrade, int threads, const std::string& backend) {
  const bundle::TrustPolicy p =
      policy_of(trust_dir, device_key, allow_unsigned, expect_name, state_dir, allow_downgrade);
  const SessionOptions options = session_options(threads, backend, "", py::dict(), 0);
  Result<bundle::TrustedModel> loaded = internal_error("not loaded");
  {
    py::gil_scoped_release unlocked;
    loaded = bundle::load_trusted_model(path, p, options);
  }
  bundle::TrustedModel model = take(std::move(loaded));
  auto s = std::make_unique<PySession>();
  s->session = std::move(model.session);
  if (model.bundle) s->model_info = info_of(model.metadata, model.publisher, model.encrypted);
  return s;
}

}  // namespace

void bind_bundle(py::module_& m) {
  m.def("generate_keys", &generate_keys, py::arg("name"), py::arg("directory"), py::arg("device"));
  m.def("pack_bundle", &pack, py::arg("model"), py::arg("out"), py::arg("sign"), py::arg("name"),
        py::arg("version"), py::arg("labels"), py::arg("preprocess_json"), py::arg("encrypt_for"),
        py::arg("golden"));
  m.def("verify_bundle", &verify, py::arg("path"), py::arg("trust_dir"), py::arg("device_key"));
  m.def("open_trusted", &open_trusted, py::arg("path"), py::arg("trust_dir"), py::arg("device_key"),
        py::arg("allow_unsigned"), py::arg("expect_name"), py::arg("state_dir"),
        py::arg("allow_downgrade"), py::arg("threads"), py::arg("backend"));
}

}  // namespace outpost::python
