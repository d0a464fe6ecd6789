#include "outpost/usage_errors.h"

#include <algorithm>
#include <cstdlib>
#include <limits>

namespace outpost::cli {

size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment distance over three rows of the dynamic-programming table.
  std::vector<size_t> before(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        cur[j] = std::min(cur[j], before[j - 2] + 1);
    }
    before.swap(prev);
    prev.swap(cur);
  }
  return prev[b.size()];
}

std::string closest_match(std::string_view typed, const std::vector<std::string>& candidates) {
  // Compare flags without their dashes, so "-json" and "json" find "--json".
  auto bare = [](std::string_view s) {
    while (!s.empty() && s.front() == '-') s.remove_prefix(1);
    return s;
  };
  const std::string_view t = bare(typed);
  if (t.empty()) return {};
  std::string best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (const std::string& c : candidates) {
    const std::string_view cb = bare(c);
    if (cb.empty()) continue;
    // A typed prefix of a flag ("--prof") is what it abbreviates.
    size_t d = t.size() >= 3 && cb.substr(0, t.size()) == t ? 1 : edit_distance(t, cb);
    // More than a third of the letters wrong is another word, not a typo.
    if (d > std::max<size_t>(1, std::max(t.size(), cb.size()) / 3)) continue;
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

namespace {

// "outpost keys gen": the command line of `app`, from the root.
std::string command_path(const CLI::App* app) {
  std::string path;
  for (const CLI::App* a = app; a != nullptr; a = a->get_parent())
    path = a->get_name() + (path.empty() ? "" : " " + path);
  return path;
}

// The deepest subcommand the parse reached.
const CLI::App* parsed_command(const CLI::App& app) {
  const CLI::App* cur = &app;
  for (;;) {
    const auto subs = cur->get_subcommands();
    if (subs.empty()) return cur;
    cur = subs.front();
  }
}

std::vector<std::string> command_names(const CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app->get_subcommands([](const CLI::App*) { return true; }))
    names.push_back(sub->get_name());
  return names;
}

std::vector<std::string> flag_names(const CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::Option* opt : app->get_options()) {
    for (const std::string& n : opt->get_lnames()) names.push_back("--" + n);
    for (const std::string& n : opt->get_snames()) names.push_back("-" + n);
  }
  return names;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string help_hint(const CLI::App* app) { return "see `" + command_path(app) + " --help`"; }

// The option whose name (as CLI11 prints it: "--runs", "model") is `name`.
const CLI::Option* find_option(const CLI::App* app, const std::string& name) {
  for (const CLI::Option* opt : app->get_options())
    if (opt->get_name() == name || opt->check_name(name)) return opt;
  return nullptr;
}

// "MODEL" for a positional, "--name" for a flag.
std::string display_name(const CLI::Option* opt) {
  if (!opt->nonpositional()) {
    std::string upper = opt->get_name();
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return upper;
  }
  return opt->get_name();
}

std::string missing_command(const CLI::App* cur) {
  const std::vector<std::string> remaining = cur->remaining();
  const std::string commands = join(command_names(cur), ", ");
  if (!remaining.empty() && !remaining.front().empty() && remaining.front()[0] != '-') {
    const std::string& typed = remaining.front();
    std::string message = "unknown command '" + typed + "'";
    const std::string guess = closest_match(typed, command_names(cur));
    if (!guess.empty()) message += "; did you mean '" + guess + "'?";
    return message + " The commands of `" + command_path(cur) + "` are " + commands + " (" +
           help_hint(cur) + ")";
  }
  if (!remaining.empty()) {
    const std::string& typed = remaining.front();
    std::string message = "unknown flag '" + typed + "'";
    const std::string guess = closest_match(typed, flag_names(cur));
    if (!guess.empty()) message += "; did you mean '" + guess + "'?";
    return message + " before a command: `" + command_path(cur) +
           "` takes a command first, one of " + commands + " (" + help_hint(cur) + ")";
  }
  return "`" + command_path(cur) + "` needs a command, one of " + commands + " (" +
         help_hint(cur) + ")";
}

std::string unexpected_arguments(const CLI::App* cur) {
  const std::vector<std::string> remaining = cur->remaining();
  if (remaining.empty()) return "unexpected arguments (" + help_hint(cur) + ")";
  const std::string& typed = remaining.front();
  if (typed.size() > 1 && typed[0] == '-') {
    const std::string name = typed.substr(0, typed.find('='));
    std::string message = "unknown flag '" + name + "' for `" + command_path(cur) + "`";
    const std::string guess = closest_match(name, flag_names(cur));
    if (!guess.empty()) message += "; did you mean '" + guess + "'?";
    return message + " (" + help_hint(cur) + ")";
  }
  std::vector<std::string> positionals;
  for (const CLI::Option* opt : cur->get_options())
    if (!opt->nonpositional()) positionals.push_back(display_name(opt));
  std::string message = "unexpected argument '" + typed + "': `" + command_path(cur) + "` takes ";
  message += positionals.empty() ? "no arguments, only flags"
                                 : join(positionals, ", ") + " and flags";
  const std::string guess = closest_match(typed, command_names(cur));
  if (!guess.empty()) message += "; did you mean '" + guess + "'?";
  return message + " (" + help_hint(cur) + ")";
}

// CLI11's own range checks print the type's limits ("Value -1 not in range 0.000000 to
// 17976931348623157...", 309 digits): say the range in words instead.
std::string plain_range(const std::string& what) {
  const size_t value_at = what.find("Value ");
  const size_t range_at = what.find(" not in range ");
  const size_t to_at = what.find(" to ", range_at == std::string::npos ? 0 : range_at + 14);
  if (value_at == std::string::npos || range_at == std::string::npos || to_at == std::string::npos)
    return {};
  const std::string name = what.substr(0, what.find(':'));
  const std::string value = what.substr(value_at + 6, range_at - value_at - 6);
  const double lo = std::strtod(what.c_str() + range_at + 14, nullptr);
  const double hi = std::strtod(what.c_str() + to_at + 4, nullptr);
  char text[96];
  if (hi >= 1e300)
    std::snprintf(text, sizeof(text), "a number, %.15g or more", lo);
  else if (lo <= -1e300)
    std::snprintf(text, sizeof(text), "a number, %.15g or less", hi);
  else
    std::snprintf(text, sizeof(text), "a number from %.15g to %.15g", lo, hi);
  return name + " must be " + text + ", not '" + value + "'";
}

}  // namespace

std::string describe_parse_error(const CLI::App& app, const CLI::ParseError& e) {
  const CLI::App* cur = parsed_command(app);
  const std::string what = e.what();
  const int code = e.get_exit_code();
  if (code == static_cast<int>(CLI::ExitCodes::RequiredError) &&
      what.find("subcommand") != std::string::npos)
    return missing_command(cur);
  if (code == static_cast<int>(CLI::ExitCodes::ExtrasError)) return unexpected_arguments(cur);
  if (code == static_cast<int>(CLI::ExitCodes::RequiredError)) {
    const size_t at = what.find(" is required");
    if (at != std::string::npos) {
      const std::string name = what.substr(0, at);
      if (const CLI::Option* opt = find_option(cur, name))
        return "`" + command_path(cur) + "` needs " + display_name(opt) + ": " +
               opt->get_description() + " (" + help_hint(cur) + ")";
    }
  }
  if (code == static_cast<int>(CLI::ExitCodes::ArgumentMismatch)) {
    const std::string name = what.substr(0, what.find(':'));
    const CLI::Option* opt = find_option(cur, name);
    if (opt != nullptr && what.find("missing") != std::string::npos)
      return display_name(opt) + " needs a value: " + opt->get_description() + " (" +
             help_hint(cur) + ")";
  }
  if (code == static_cast<int>(CLI::ExitCodes::ValidationError)) {
    const std::string plain = plain_range(what);
    if (!plain.empty()) return plain + " (" + help_hint(cur) + ")";
    // Our own checks (cli_common.h) say "must be ...": "--runs must be ..." reads as a sentence.
    const size_t at = what.find(": must be ");
    if (at != std::string::npos)
      return what.substr(0, at) + what.substr(at + 1) + " (" + help_hint(cur) + ")";
  }
  return what + " (" + help_hint(cur) + ")";
}

}  // namespace outpost::cli
