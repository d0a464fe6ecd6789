// outpost pack MODEL: a signed (optionally encrypted) bundle with metadata and golden vectors.
#include <filesystem>
#include <iostream>
#include <sstream>

#include "bundle/pack.h"
#include "core/mapped_file.h"
#include "core/npy.h"
#include "outpost/cli_common.h"
#include "outpost/commands.h"

namespace outpost::cli {
namespace {

struct PackFlags {
  std::string model, name, version, labels, preprocess, sign, out;
  std::string min_outpost_version = OUTPOST_VERSION;
  std::vector<std::string> golden, encrypt_for;
  bool json = false;
};

Result<std::vector<std::string>> read_labels(const std::string& path) {
  OUTPOST_ASSIGN_OR_RETURN(std::string text, read_text_file(path));
  std::vector<std::string> labels;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    labels.push_back(line);
  }
  while (!labels.empty() && labels.back().empty()) labels.pop_back();
  return labels;
}

Status fill_options(const PackFlags& flags, bundle::PackOptions& o) {
  o.name = flags.name;
  o.version = flags.version;
  o.min_outpost_version = flags.min_outpost_version;
  if (!flags.labels.empty()) {
    OUTPOST_ASSIGN_OR_RETURN(o.labels, read_labels(flags.labels));
  }
  if (!flags.preprocess.empty()) {
    // Inline JSON, or the path of a file holding it.
    if (flags.preprocess.front() == '{') {
      o.preprocess_json = flags.preprocess;
    } else {
      OUTPOST_ASSIGN_OR_RETURN(o.preprocess_json, read_text_file(flags.preprocess));
    }
  }
  if (flags.golden.empty() || (flags.golden.size() == 1 && flags.golden[0] == "auto")) {
    o.golden_mode = bundle::GoldenMode::kAuto;
  } else if (flags.golden.size() == 1 && flags.golden[0] == "none") {
    o.golden_mode = bundle::GoldenMode::kNone;
  } else {
    o.golden_mode = bundle::GoldenMode::kGiven;
    for (const auto& spec : flags.golden) {
      const size_t eq = spec.find('=');
      const std::string name = eq == std::string::npos ? "" : spec.substr(0, eq);
      const std::string path = eq == std::string::npos ? spec : spec.substr(eq + 1);
      OUTPOST_ASSIGN_OR_RETURN(Tensor t, load_npy(path));
      o.golden.push_back({true, name, std::move(t)});
    }
  }
  for (const auto& path : flags.encrypt_for) {
    OUTPOST_ASSIGN_OR_RETURN(bundle::KeyPair key, bundle::read_key_file(path));
    o.encrypt_for.push_back(key);
  }
  return Status::ok();
}

Status pack(const PackFlags& flags) {
  bundle::PackOptions options;
  OUTPOST_RETURN_IF_ERROR(fill_options(flags, options));
  OUTPOST_ASSIGN_OR_RETURN(bundle::KeyPair signer, bundle::read_key_file(flags.sign));
  const std::string out =
      !flags.out.empty() ? flags.out
                         : std::filesystem::path(flags.model).replace_extension(".opk").string();
  if (out == flags.model) return usage_error("-o would overwrite the model itself");
  const double start = now_seconds();
  OUTPOST_RETURN_IF_ERROR(bundle::pack_bundle_file(flags.model, signer, options, out));
  const double ms = (now_seconds() - start) * 1e3;
  const auto bytes = std::filesystem::file_size(out);
  const size_t devices = options.encrypt_for.size();
  if (flags.json) {
    print_json({{"bundle", out},
                {"name", options.name},
                {"version", options.version},
                {"bytes", bytes},
                {"publisher", signer.name},
                {"encrypted_for", devices},
                {"pack_ms", ms}});
    return Status::ok();
  }
  std::cout << out << ": " << options.name << " " << options.version << ", " << bytes
            << " bytes, signed by '" << signer.name << "'"
            << (devices ? ", encrypted for " + std::to_string(devices) + " device(s)" : "") << "\n";
  return Status::ok();
}

}  // namespace

void add_pack_command(CLI::App& app) {
  auto f = std::make_shared<PackFlags>();
  CLI::App* cmd =
      app.add_subcommand("pack", "Pack a model into a signed, optionally encrypted bundle (.opk)");
  cmd->add_option("model", f->model, "Model file (.tflite or .onnx)")->required();
  cmd->add_option("--name", f->name, "Bundle name")->required();
  cmd->add_option("--bundle-version", f->version, "Bundle version (semantic: MAJOR.MINOR.PATCH)")
      ->required();
  cmd->add_option("--labels", f->labels, "Labels file, one per line");
  cmd->add_option("--preprocess", f->preprocess, "Preprocess spec: inline JSON or a JSON file");
  cmd->add_option("--golden", f->golden,
                  "Golden vectors: auto (default: fixed inputs, outputs from the model), none, or "
                  "[NAME=]FILE.npy for inputs and (optionally) expected outputs");
  cmd->add_option("--sign", f->sign, "Publisher secret key (NAME.publisher.key)")->required();
  cmd->add_option("--encrypt-for", f->encrypt_for,
                  "Device public key (NAME.device.pub); repeat for more devices");
  cmd->add_option("--min-outpost-version", f->min_outpost_version,
                  "Oldest Outpost that may load the bundle (default: this one)");
  cmd->add_option("-o,--out", f->out, "Bundle file to write (default: MODEL with .opk)");
  add_json_flag(cmd, f->json);
  set_action(cmd, [f] { return pack(*f); });
}

}  // namespace outpost::cli
