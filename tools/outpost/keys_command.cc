// outpost keys gen|show: publisher (Ed25519) and device (X25519) key pairs for bundles.
#include <iostream>

#include "bundle/keys.h"
#include "outpost/cli_common.h"
#include "outpost/commands.h"

namespace outpost::cli {
namespace {

struct KeysFlags {
  std::string publisher, device, dir = ".", file;
  bool json = false;
};

Status generate(const KeysFlags& flags) {
  if (flags.publisher.empty() == flags.device.empty())
    return usage_error("keys gen needs exactly one of --publisher NAME or --device NAME");
  const bool publisher = !flags.publisher.empty();
  OUTPOST_ASSIGN_OR_RETURN(
      bundle::KeyPair keys,
      bundle::generate_key_pair(publisher, publisher ? flags.publisher : flags.device));
  OUTPOST_ASSIGN_OR_RETURN(auto paths, bundle::write_key_pair(keys, flags.dir));
  const std::string id = bundle::key_id_hex(keys.id());
  if (flags.json) {
    print_json({{"type", publisher ? "publisher" : "device"},
                {"name", keys.name},
                {"key_id", id},
                {"secret_key", paths[0]},
                {"public_key", paths[1]}});
    return Status::ok();
  }
  std::cout << (publisher ? "publisher" : "device") << " key '" << keys.name << "' (key id " << id
            << ")\n"
            << "  secret: " << paths[0] << " (mode 0600; keep it "
            << (publisher ? "off devices" : "on this device only") << ")\n"
            << "  public: " << paths[1] << " ("
            << (publisher ? "copy it into each device's trust store"
                          : "give it to publishers for --encrypt-for")
            << ")\n";
  return Status::ok();
}

Status show(const KeysFlags& flags) {
  OUTPOST_ASSIGN_OR_RETURN(bundle::KeyPair keys, bundle::read_key_file(flags.file));
  if (flags.json) {
    print_json({{"type", keys.publisher ? "publisher" : "device"},
                {"name", keys.name},
                {"key_id", bundle::key_id_hex(keys.id())},
                {"public_key", bundle::public_key_text(keys)}});
    return Status::ok();
  }
  // Exactly a .pub file, so `outpost keys show X.publisher.key > trust/X.publisher.pub` works.
  std::cout << bundle::public_key_text(keys);
  return Status::ok();
}

}  // namespace

void add_keys_command(CLI::App& app) {
  auto flags = std::make_shared<KeysFlags>();
  CLI::App* keys =
      app.add_subcommand("keys", "Make and show publisher and device keys for bundles");
  keys->require_subcommand(1);
  CLI::App* gen = keys->add_subcommand(
      "gen", "Generate a key pair: NAME.publisher.{key,pub} or NAME.device.{key,pub}");
  gen->add_option("--publisher", flags->publisher,
                  "Ed25519 signing key pair for a publisher called NAME");
  gen->add_option("--device", flags->device, "X25519 key pair for a device called NAME");
  // A directory, so not -o/--out: that is always one file, in every command.
  gen->add_option("--output-dir", flags->dir, "Directory to write the two files in (default: .)");
  add_json_flag(gen, flags->json);
  set_action(gen, [flags] { return generate(*flags); });
  CLI::App* sh =
      keys->add_subcommand("show", "Print the public key of a key file (a .pub file's text)");
  sh->add_option("file", flags->file, "Key file (.key or .pub)")->required();
  add_json_flag(sh, flags->json);
  set_action(sh, [flags] { return show(*flags); });
}

}  // namespace outpost::cli
