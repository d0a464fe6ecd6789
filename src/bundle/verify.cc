#include "bundle/verify.h"

namespace outpost::bundle {

Result<std::unique_ptr<Session>> open_bundle_session(const OpenedBundle& bundle,
                                                     const SessionOptions& options) {
  if (!bundle.model)
    return Status(
        StatusCode::kDecryptFailed,
        "bundle '" + bundle.metadata.name + "' is encrypted and was not decrypted (no device key)");
  // The bundle carries every byte its model runs: nothing may come from a file beside it.
  SessionOptions sealed = options;
  sealed.external_data_files = false;
  return Session::open_buffer(bundle.model, bundle.model_size, bundle.keep_alive,
                              bundle.metadata.name, sealed);
}

Result<std::vector<GoldenResult>> check_golden(const OpenedBundle& bundle,
                                               const SessionOptions& options) {
  std::vector<GoldenResult> results;
  if (bundle.golden.empty()) return results;
  OUTPOST_ASSIGN_OR_RETURN(auto session, open_bundle_session(bundle, options));
  auto mismatch = [&](const std::string& why) {
    return Status(StatusCode::kGoldenMismatch, "bundle '" + bundle.metadata.name + "' " +
                                                   bundle.metadata.version.text +
                                                   " fails its golden test: " + why);
  };
  for (const auto& g : bundle.golden) {
    if (!g.input) continue;
    const int i = session->input_index(g.name);
    if (i < 0) return mismatch("golden input '" + g.name + "' is not an input of the model");
    Status s = session->set_input(static_cast<size_t>(i), g.tensor);
    if (!s.is_ok()) return mismatch(s.message());
  }
  OUTPOST_RETURN_IF_ERROR(session->run());
  for (const auto& g : bundle.golden) {
    if (g.input) continue;
    const Tensor* actual = nullptr;
    for (size_t i = 0; i < session->num_outputs(); ++i)
      if (session->output(i).name == g.name) actual = &session->output(i);
    if (!actual) return mismatch("golden output '" + g.name + "' is not an output of the model");
    const Comparison c = compare_to_golden(*actual, g.tensor, g.name);
    if (!c.ok) return mismatch(c.message);
    results.push_back({g.name, c.max_error, c.tolerance});
  }
  return results;
}

}  // namespace outpost::bundle
