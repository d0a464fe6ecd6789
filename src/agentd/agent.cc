#include "agentd/agent.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include "agent/signed_manifest.h"
#include "agent/utc_time.h"
#include "agentd/bundle_checks.h"
#include "agentd/deployment.h"
#include "agentd/fetcher.h"
#include "agentd/mqtt_desired_source.h"
#include "agentd/sd_notify.h"
#include "bundle/installed_versions.h"
#include "core/log.h"
#include "core/regular_file.h"

namespace outpost::agentd {
namespace {

using agent::ApplyStep;

// TEST ONLY (docs/agent.md, "Crash safety"): OUTPOST_TEST_AGENT_KILL_AT=STEP makes the agent
// SIGKILL itself right after its journal records STEP (fetch, verify, ..., probation) or
// `switched` (new modules started, the journal not yet updated), so the crash tests can stop
// a real agent at each point of an apply.
void kill_point_for_testing(const char* point) {
  const char* env = std::getenv("OUTPOST_TEST_AGENT_KILL_AT");
  if (env != nullptr && std::string(env) == point) raise(SIGKILL);
}

// Failures worth retrying later: the network and the disk. The rest (a bad hash, signature,
// version, golden vectors) will not mend by waiting.
bool is_transient(const Status& s) {
  return s.code() == StatusCode::kNetwork || s.code() == StatusCode::kIoError;
}

std::string describe(const agent::DeploymentRef& d) {
  return "'" + d.deployment_id + "' version " + std::to_string(d.version);
}

DeploymentReport report_of(const agent::DeploymentRef& d) {
  return {d.deployment_id, d.version, d.manifest_sha256};
}

}  // namespace

agent::DeploymentRef Agent::Accepted::ref() const {
  return {manifest.deployment_id, manifest.version, sha256};
}

Agent::Agent(AgentConfig config, std::unique_ptr<DesiredStateSource> source)
    : config_(std::move(config)),
      source_(std::move(source)),
      store_(config_.store_dir(), config_.store_max_bytes),
      journal_(config_.journal_dir()) {
  report_.agent = "starting";
  report_.agent_pid = static_cast<int>(::getpid());
}

Agent::~Agent() {
  stop_uplink();
  supervisor_.stop_all(5);
}

// ---------------------------------------------------------------------------------------------
// Start-up and recovery

Status Agent::start() {
  std::error_code ec;
  for (const std::string& dir : {config_.state_dir, config_.deployments_dir(), config_.logs_dir()}) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return io_error("agent state directory '" + dir + "' cannot be created: " + ec.message());
  }
  OUTPOST_RETURN_IF_ERROR(store_.init());
  OUTPOST_ASSIGN_OR_RETURN(trust_, bundle::TrustStore::load(config_.trust_dir));
  // Read once here so that a missing or unsafe key stops the agent before it changes
  // anything; the modules and validations, which decrypt, read it themselves.
  if (!config_.device_key.empty()) {
    OUTPOST_ASSIGN_OR_RETURN(device_key_, bundle::read_key_file(config_.device_key));
  }
  OUTPOST_RETURN_IF_ERROR(start_uplink());
  OUTPOST_RETURN_IF_ERROR(recover());
  update_report();
  return Status::ok();
}

Status Agent::start_uplink() {
  if (!config_.uplink) return Status::ok();
  const UplinkConfig& u = *config_.uplink;
  agent::OutboxOptions o;
  o.path = config_.outbox_path();
  o.max_bytes = static_cast<int64_t>(u.outbox_max_bytes);
  o.max_age_ms = u.outbox_max_age_s * 1000;
  auto box = agent::Outbox::open(o);
  if (!box.is_ok() && box.status().code() == StatusCode::kInvalidModel) {
    // A damaged outbox must not keep the device from running its deployment: it is moved
    // aside (for whoever wants to look) and a new one started. What it held is lost, and said so.
    const std::string aside = o.path + ".damaged-" + std::to_string(agent::unix_now());
    std::error_code ec;
    std::filesystem::rename(o.path, aside, ec);
    std::filesystem::remove(o.path + "-wal", ec);
    OUTPOST_LOG_WARNING("agent: " << box.status().message() << "; moved to " << aside
                                  << ", starting an empty outbox (its messages are lost)");
    box = agent::Outbox::open(o);
  }
  if (!box.is_ok()) return box.status();
  outbox_ = std::move(*box);
  OUTPOST_ASSIGN_OR_RETURN(
      uplink_socket_, UplinkSocketServer::start(config_.uplink_socket_path(),
                                                "outpost/v1/" + u.device_id + "/", *outbox_));
  UplinkOptions up;
  up.broker_uri = u.broker;
  up.client_id = u.device_id;
  up.drops_topic = "outpost/v1/" + u.device_id + "/events";
  up.desired_topic = "outpost/v1/" + u.device_id + "/desired";
  up.ca_file = u.ca_file;
  up.cert_file = u.cert_file;
  up.key_file = u.key_file;
  up.backoff_min_s = u.backoff_min_s;
  up.backoff_max_s = u.backoff_max_s;
  if (config_.gateway)
    for (const std::string& child : config_.gateway->children)
      up.relayed_topics.push_back("outpost/v1/" + child + "/desired");
  OUTPOST_ASSIGN_OR_RETURN(uplink_, MqttUplink::create(up, *outbox_));
  if (config_.gateway) {
    OUTPOST_ASSIGN_OR_RETURN(gateway_, Gateway::start(config_, *outbox_, *uplink_));
  }
  mqtt_source_ = std::make_unique<MqttDesiredSource>(
      *uplink_, "MQTT topic '" + up.desired_topic + "' on " + up.broker_uri);
  uplink_thread_ = std::thread([this] { uplink_->run(uplink_stop_); });
  OUTPOST_LOG_INFO("agent: reporting to " << u.broker << " as " << u.device_id);
  return Status::ok();
}

void Agent::stop_uplink() {
  uplink_socket_.reset();  // the modules are stopped first; nothing more comes in
  gateway_.reset();        // nor from the children
  if (!uplink_thread_.joinable()) return;
  uplink_stop_ = true;
  uplink_thread_.join();
  // What the last report put in the outbox (the agent stopping), if the broker takes it now;
  // otherwise it waits in the outbox for the next start.
  if (Status s = uplink_->drain(); !s.is_ok())
    OUTPOST_LOG_INFO("agent: the outbox keeps what is not sent: " << s.message());
}

Result<Agent::Accepted> Agent::load_stored(const agent::DeploymentRef& ref) {
  // The manifest was accepted before; its signature is checked again (the store is on a disk
  // anyone with root can write), but not its expiry or version: what ran keeps running.
  OUTPOST_RETURN_IF_ERROR(store_.verify(ref.manifest_sha256));
  OUTPOST_ASSIGN_OR_RETURN(std::string text, read_regular_file(store_.path(ref.manifest_sha256)));
  agent::ManifestAcceptance a = agent::accept_manifest(text, *trust_, 0, 0, store_.path(ref.manifest_sha256));
  if (!a.accepted()) return a.status;
  return Accepted{std::move(a.manifest), ref.manifest_sha256};
}

Status Agent::recover() {
  OUTPOST_ASSIGN_OR_RETURN(agent::JournalRead read, journal_.read());
  state_ = read.state;
  if (read.used_previous) record_error("journal: " + read.note);
  // A crash during a switch or a probation: the new deployment was staged and validated, so it
  // is what comes back, and its probation starts again.
  if (state_.in_progress && state_.in_progress->step >= ApplyStep::kSwitch) {
    auto target = load_stored(state_.in_progress->target);
    if (target.is_ok() && is_staged(config_, target->sha256)) {
      OUTPOST_LOG_INFO("agent: resuming the switch to " << describe(target->ref())
                                                        << " interrupted by a restart");
      return switch_to(*target);
    }
    record_error("the deployment being switched to cannot be brought back (" +
                 (target.is_ok() ? std::string("not staged") : target.status().message()) +
                 "): staying on the one that ran");
    state_.in_progress.reset();
    OUTPOST_RETURN_IF_ERROR(write_journal());
  }
  for (const auto& candidate : {state_.current, state_.last_good}) {
    if (!candidate) continue;
    auto deployment = load_stored(*candidate);
    if (!deployment.is_ok() || !is_staged(config_, deployment->sha256)) {
      record_error("deployment " + describe(*candidate) + " cannot be brought back: " +
                   (deployment.is_ok() ? std::string("not staged") : deployment.status().message()));
      continue;
    }
    start_modules(*deployment);
    if (!(state_.current == candidate)) {
      state_.current = candidate;
      OUTPOST_RETURN_IF_ERROR(write_journal());
    }
    break;
  }
  // An apply that had not reached its switch starts over (what was fetched is in the store).
  if (state_.in_progress) {
    auto target = load_stored(state_.in_progress->target);
    if (target.is_ok()) {
      apply_ = Apply{std::move(*target), ApplyStep::kFetch, {}};
    } else {
      record_error("the apply in progress cannot resume: " + target.status().message());
      state_.in_progress.reset();
      OUTPOST_RETURN_IF_ERROR(write_journal());
    }
  }
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// The loop

Status Agent::run(const std::atomic<bool>& stop) {
  OUTPOST_RETURN_IF_ERROR(start());
  sd_notify_state("READY=1\nSTATUS=running");
  const std::optional<double> watchdog = watchdog_interval_s();
  const auto tick = std::chrono::milliseconds(50);
  auto next_step = Clock::now();
  auto next_watchdog = Clock::now();
  while (!stop) {
    const auto now = Clock::now();
    if (now >= next_step) {
      step();
      next_step = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(config_.poll_interval_s));
    }
    if (watchdog && now >= next_watchdog) {
      sd_notify_state("WATCHDOG=1");
      next_watchdog = now + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(*watchdog));
    }
    std::this_thread::sleep_for(tick);
  }
  sd_notify_state("STOPPING=1");
  OUTPOST_LOG_INFO("agent: stopping the modules");
  stop_modules();
  report_.agent = "stopped";
  update_report();
  stop_uplink();
  return Status::ok();
}

void Agent::step() {
  if (probation_) {
    watch_probation();
  } else {
    poll_source();
    if (!apply_ && pending_) {
      begin_apply(std::move(*pending_));
      pending_.reset();
    }
    advance_apply();
  }
  update_report();
}

// ---------------------------------------------------------------------------------------------
// The source and acceptance

std::optional<Agent::Accepted> Agent::accept(const ManifestCandidate& candidate) {
  if (!candidate.refusal.empty()) {
    record_error("manifest refused: " + candidate.refusal);
    return std::nullopt;
  }
  // Above the last version accepted, and above one waiting or being applied.
  int64_t floor = state_.last_accepted_version;
  if (pending_) floor = std::max(floor, pending_->manifest.version);
  agent::ManifestAcceptance a =
      agent::accept_manifest(candidate.signed_text, *trust_, floor, agent::unix_now(), candidate.origin);
  if (!a.accepted()) {
    record_error("manifest refused (" + std::string(agent::manifest_refusal_name(a.refusal)) +
                 "): " + a.status.message());
    return std::nullopt;
  }
  auto sha = store_.put_bytes(candidate.signed_text);
  if (!sha.is_ok()) {
    record_error("manifest " + candidate.origin + " cannot be stored: " + sha.status().message());
    return std::nullopt;
  }
  OUTPOST_LOG_INFO("agent: accepted " << candidate.origin << ": '" << a.manifest.deployment_id
                                      << "' version " << a.manifest.version << ", signed by '"
                                      << a.signer << "'");
  return Accepted{std::move(a.manifest), *sha};
}

void Agent::poll_source() {
  // The local directory, and with an uplink the MQTT desired topic: one interface, and the same
  // checks (accept()) for what either hands over.
  for (DesiredStateSource* source : {source_.get(), mqtt_source_.get()}) {
    if (source == nullptr) continue;
    auto candidates = source->poll();
    if (!candidates.is_ok()) {
      record_error(candidates.status().message());
      continue;
    }
    for (const ManifestCandidate& c : *candidates) {
      std::optional<Accepted> accepted = accept(c);
      if (!accepted) continue;
      if (!pending_ || accepted->manifest.version > pending_->manifest.version)
        pending_ = std::move(accepted);
    }
  }
}

void Agent::begin_apply(Accepted target) {
  if (apply_)
    OUTPOST_LOG_INFO("agent: " << describe(target.ref()) << " supersedes "
                               << describe(apply_->target.ref()) << " mid-apply");
  state_.last_accepted_version = target.manifest.version;
  state_.in_progress = agent::InProgress{target.ref(), ApplyStep::kFetch};
  apply_ = Apply{std::move(target), ApplyStep::kFetch, {}};
  if (Status s = write_journal(); !s.is_ok()) record_error(s.message());
}

// ---------------------------------------------------------------------------------------------
// The apply

Status Agent::journal_step(ApplyStep step) {
  apply_->step = step;
  state_.in_progress = agent::InProgress{apply_->target.ref(), step};
  OUTPOST_RETURN_IF_ERROR(write_journal());
  update_report();
  kill_point_for_testing(agent::apply_step_name(step));
  return Status::ok();
}

bool Agent::superseded() {
  // Polled from inside long steps (a download): a newer manifest stops the apply at once.
  const auto now = Clock::now();
  if (now < next_supersede_check_) return pending_.has_value();
  next_supersede_check_ = now + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(config_.poll_interval_s));
  poll_source();
  return pending_.has_value();
}

void Agent::advance_apply() {
  if (!apply_) return;
  // A newer manifest replaces an apply that waits to retry (the network was down) at once,
  // not when its retry comes due.
  if (pending_) {
    OUTPOST_LOG_INFO("agent: the apply of " << describe(apply_->target.ref())
                                            << " stops here: a newer manifest supersedes it");
    Accepted next = std::move(*pending_);
    pending_.reset();
    begin_apply(std::move(next));
  }
  if (Clock::now() < apply_->retry_at) return;
  const Status s = run_apply_steps();
  if (s.is_ok()) return;
  if (!apply_) return record_error("switching: " + s.message());
  if (superseded()) {
    OUTPOST_LOG_INFO("agent: the apply of " << describe(apply_->target.ref())
                                            << " stops here: a newer manifest supersedes it");
    Accepted next = std::move(*pending_);
    pending_.reset();
    begin_apply(std::move(next));
    return;
  }
  if (is_transient(s)) {
    record_error("applying " + describe(apply_->target.ref()) + ": " + s.message() +
                 " (the running deployment is kept; retrying in " +
                 std::to_string(static_cast<int>(config_.fetch.backoff_max_s)) + " s)");
    apply_->retry_at = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(config_.fetch.backoff_max_s));
    return;
  }
  abandon_apply(s);
}

Status Agent::run_apply_steps() {
  // Each step is journaled before it runs, and each is idempotent, so a restart may redo one.
  const Accepted& t = apply_->target;
  OUTPOST_RETURN_IF_ERROR(journal_step(ApplyStep::kFetch));
  OUTPOST_RETURN_IF_ERROR(fetch_all());
  if (superseded()) return usage_error("superseded");
  OUTPOST_RETURN_IF_ERROR(journal_step(ApplyStep::kVerify));
  OUTPOST_RETURN_IF_ERROR(verify_all());
  OUTPOST_RETURN_IF_ERROR(journal_step(ApplyStep::kStage));
  OUTPOST_RETURN_IF_ERROR(stage_deployment(config_, store_, t.manifest, t.sha256));
  OUTPOST_RETURN_IF_ERROR(journal_step(ApplyStep::kValidate));
  OUTPOST_RETURN_IF_ERROR(validate_all());
  if (superseded()) return usage_error("superseded");
  OUTPOST_RETURN_IF_ERROR(journal_step(ApplyStep::kSwitch));
  Accepted target = std::move(apply_->target);
  apply_.reset();
  return switch_to(target);
}

Status Agent::fetch_all() {
  FetchOptions options = config_.fetch;
  options.cancelled = [this] { return superseded(); };
  for (const agent::Module& m : apply_->target.manifest.modules) {
    std::vector<const agent::ArtifactRef*> artifacts;
    if (m.pipeline) artifacts.push_back(&*m.pipeline);
    for (const agent::BundleRef& b : m.bundles) artifacts.push_back(&b.artifact);
    for (const agent::ArtifactRef* a : artifacts) {
      auto report = fetch_artifact(*a, store_, options);
      if (!report.is_ok())
        return Status(report.status().code(), "module '" + m.name + "': " + report.status().message());
    }
  }
  return Status::ok();
}

BundleCheckContext Agent::bundle_context() const {
  BundleCheckContext c;
  c.trust = &*trust_;
  c.state_dir = config_.state_dir;
  c.outpost_binary = module_executable(config_);
  c.trust_dir = config_.trust_dir;
  c.device_key_path = config_.device_key;
  return c;
}

Status Agent::verify_all() {
  const BundleCheckContext context = bundle_context();
  for (const agent::Module& m : apply_->target.manifest.modules) {
    OUTPOST_RETURN_IF_ERROR(check_module_config(m));
    for (const agent::BundleRef& b : m.bundles)
      OUTPOST_RETURN_IF_ERROR(verify_bundle(store_.path(b.artifact.sha256), b, m.name, context));
  }
  return Status::ok();
}

Status Agent::validate_all() {
  const BundleCheckContext context = bundle_context();
  for (const agent::Module& m : apply_->target.manifest.modules)
    for (const agent::BundleRef& b : m.bundles)
      OUTPOST_RETURN_IF_ERROR(validate_bundle(store_.path(b.artifact.sha256), b, m.name,
                                              m.health.golden_must_pass, context));
  return Status::ok();
}

void Agent::abandon_apply(const Status& why) {
  record_error("deployment " + describe(apply_->target.ref()) + " refused at " +
               agent::apply_step_name(apply_->step) + ": " + why.message() +
               " (the running deployment is kept)");
  apply_.reset();
  state_.in_progress.reset();
  if (Status s = write_journal(); !s.is_ok()) record_error(s.message());
}

// ---------------------------------------------------------------------------------------------
// Switching, probation, rollback

void Agent::stop_modules() {
  if (!running_) return;
  for (const agent::Module& m : running_->manifest.modules)
    if (Status s = supervisor_.stop(m.name, 10); !s.is_ok())
      OUTPOST_LOG_WARNING("agent: stopping module '" << m.name << "': " << s.message());
  running_.reset();
}

void Agent::start_modules(const Accepted& deployment) {
  stop_modules();
  for (const agent::Module& m : deployment.manifest.modules) {
    const Status s = supervisor_.start(module_process(config_, deployment.sha256, m));
    if (!s.is_ok()) record_error("module '" + m.name + "' cannot start: " + s.message());
  }
  running_ = deployment;
}

Status Agent::switch_to(const Accepted& target) {
  OUTPOST_LOG_INFO("agent: switching to " << describe(target.ref()));
  start_modules(target);
  kill_point_for_testing("switched");
  state_.current = target.ref();
  state_.in_progress = agent::InProgress{target.ref(), ApplyStep::kProbation};
  OUTPOST_RETURN_IF_ERROR(write_journal());
  kill_point_for_testing("probation");
  begin_probation();
  return Status::ok();
}

void Agent::begin_probation() {
  Probation p;
  int64_t seconds = 0;
  for (const agent::Module& m : running_->manifest.modules) {
    seconds = std::max(seconds, m.health.probation_s);
    ModuleWatch w;
    w.module = m.name;
    // The modules were (re)started for this probation, so their counters begin at zero: the
    // window is everything they report, including requests served before the first scrape.
    w.baseline = MetricsSample{};
    if (auto st = supervisor_.status(m.name)) w.restarts_at_start = st->restarts;
    p.watches.push_back(std::move(w));
  }
  const auto now = Clock::now();
  p.end = now + std::chrono::seconds(seconds);
  p.next_check = now;
  probation_ = std::move(p);
}

void Agent::watch_probation() {
  const auto now = Clock::now();
  if (now < probation_->next_check) return;
  probation_->next_check = now + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(config_.health_interval_s));
  if (auto failure = probation_failure()) return roll_back(*failure);
  if (now >= probation_->end) pass_probation();
}

std::optional<std::string> Agent::probation_failure() {
  for (ModuleWatch& w : probation_->watches) {
    const agent::Module* m = nullptr;
    for (const agent::Module& candidate : running_->manifest.modules)
      if (candidate.name == w.module) m = &candidate;
    const std::optional<ProcessStatus> st = supervisor_.status(w.module);
    if (!st) return "module '" + w.module + "' is not running";
    const bool failed_exit = (st->last_exit_code && *st->last_exit_code != 0) || st->last_signal;
    if (st->restarts > w.restarts_at_start || (st->state != ProcessState::kRunning && failed_exit))
      return "module '" + w.module + "' " +
             (st->last_signal ? "was killed by signal " + std::to_string(*st->last_signal)
                              : "exited with code " + std::to_string(st->last_exit_code.value_or(0))) +
             " during its probation" + (st->last_error.empty() ? "" : ": " + st->last_error);
    if (m->run != agent::RunKind::kServe ||
        (!m->health.max_error_rate && !m->health.max_p99_latency_ms))
      continue;
    auto endpoint = serve_endpoint(*m);
    auto sample = scrape_serve_metrics(endpoint->host, endpoint->port, "", 5);
    if (!sample.is_ok()) continue;  // starting up: judged on the scrapes that answer
    w.latest = *sample;
    const GateVerdict v = judge_window(m->health, window_between(w.baseline, *w.latest));
    if (!v.pass) return "module '" + w.module + "' failed a health gate: " + v.reason;
  }
  return std::nullopt;
}

void Agent::pass_probation() {
  OUTPOST_LOG_INFO("agent: " << describe(running_->ref()) << " passed its probation: last-good");
  for (const agent::Module& m : running_->manifest.modules)
    for (const agent::BundleRef& b : m.bundles) {
      auto v = bundle::parse_semver(b.version, b.name);
      if (v.is_ok()) {
        if (Status s = bundle::record_installed_version(config_.state_dir, b.name, *v); !s.is_ok())
          record_error(s.message());
      }
    }
  state_.last_good = running_->ref();
  state_.current = running_->ref();
  state_.in_progress.reset();
  if (Status s = write_journal(); !s.is_ok()) record_error(s.message());
  probation_.reset();
  collect_garbage();
}

void Agent::roll_back(const std::string& why) {
  const agent::DeploymentRef failed = running_->ref();
  probation_.reset();
  ++report_.rollbacks;
  std::optional<Accepted> good;
  if (state_.last_good && !(*state_.last_good == failed)) {
    auto stored = load_stored(*state_.last_good);
    if (stored.is_ok()) good = std::move(*stored);
  }
  if (!good) {
    record_error("deployment " + describe(failed) + " failed its probation: " + why +
                 "; there is no last-good deployment to roll back to, so it keeps running");
    state_.in_progress.reset();
  } else {
    record_error("deployment " + describe(failed) + " failed its probation: " + why +
                 "; rolled back to " + describe(good->ref()));
    start_modules(*good);
    state_.current = good->ref();
    state_.in_progress.reset();
  }
  if (Status s = write_journal(); !s.is_ok()) record_error(s.message());
}

void Agent::collect_garbage() {
  std::set<std::string> keep;
  std::vector<std::string> deployments;
  for (const auto& ref : {state_.last_good, state_.current}) {
    if (!ref) continue;
    keep.insert(ref->manifest_sha256);
    deployments.push_back(ref->manifest_sha256);
    if (auto d = load_stored(*ref); d.is_ok())
      for (const std::string& f : deployment_files(d->manifest)) keep.insert(f);
  }
  if (pending_) keep.insert(pending_->sha256);
  if (Status s = store_.remove_except(keep); !s.is_ok()) record_error(s.message());
  remove_deployments_except(config_, deployments);
}

// ---------------------------------------------------------------------------------------------
// The journal and the report

Status Agent::write_journal() { return journal_.write(state_).status(); }

void Agent::record_error(const std::string& message) {
  // The same error again (a missing manifest directory, polled every few seconds) is logged
  // once, not on every pass; its time in the report still moves.
  if (message != report_.last_error) OUTPOST_LOG_WARNING("agent: " << message);
  report_.last_error = message;
  report_.last_error_time = agent::format_utc_time(agent::unix_now());
}

void Agent::update_report() {
  ReportedState& r = report_;
  if (r.agent != "stopped") r.agent = probation_ ? "probation" : apply_ ? "applying" : "idle";
  r.desired.reset();
  if (apply_) r.desired = report_of(apply_->target.ref());
  else if (state_.current) r.desired = report_of(*state_.current);
  r.current = state_.current ? std::optional(report_of(*state_.current)) : std::nullopt;
  r.last_good = state_.last_good ? std::optional(report_of(*state_.last_good)) : std::nullopt;
  r.apply_step = state_.in_progress ? agent::apply_step_name(state_.in_progress->step) : "";
  r.modules.clear();
  if (running_) {
    for (const agent::Module& m : running_->manifest.modules) {
      ModuleReport mr;
      mr.name = m.name;
      mr.run = agent::run_kind_name(m.run);
      mr.process = "not_started";
      if (auto st = supervisor_.status(m.name)) {
        mr.process = process_state_name(st->state);
        mr.pid = static_cast<int>(st->pid);
        mr.restarts = st->restarts;
        mr.last_error = st->last_error;
      }
      const bool proven = state_.last_good && running_->ref() == *state_.last_good;
      mr.health = probation_ ? "probation" : proven ? "healthy" : "unknown";
      if (m.run == agent::RunKind::kServe)
        if (auto e = serve_endpoint(m); e.is_ok()) mr.endpoint = e->url();
      for (const agent::BundleRef& b : m.bundles)
        mr.bundles.push_back({b.name, b.version, b.artifact.sha256});
      r.modules.push_back(std::move(mr));
    }
  }
  if (gateway_) {
    GatewayReport g;
    const auto broker = gateway_->broker_status();
    g.broker = broker ? process_state_name(broker->state) : "not_started";
    g.relay = gateway_->relay_connected() ? "connected" : "disconnected";
    g.children = static_cast<int>(config_.gateway->children.size());
    r.gateway = g;
  }
  // Written only when something changed (not its time stamp), so an idle agent does not
  // wear out the flash it runs on.
  const std::string updated = r.updated;
  r.updated.clear();
  const std::string text = reported_state_json(r).dump();
  // Upstream it goes on change and, unchanged, every report_interval_s too, so a fleet that
  // lost a message (or restarted) still learns where the device stands.
  const auto now = Clock::now();
  const bool periodic = outbox_ && now >= next_uplink_report_;
  if (text == last_report_text_ && !periodic) {
    r.updated = updated;
    return;
  }
  const bool changed = text != last_report_text_;
  last_report_text_ = text;
  r.updated = changed ? agent::format_utc_time(agent::unix_now()) : updated;
  if (changed)
    if (Status s = write_reported_state(config_.state_dir, r); !s.is_ok())
      OUTPOST_LOG_WARNING("agent: " << s.message());
  // Through the outbox (class "state": kept, never evicted by events or metrics).
  if (outbox_) {
    next_uplink_report_ = now + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(config_.uplink->report_interval_s));
    auto put = outbox_->put("state", "outpost/v1/" + config_.uplink->device_id + "/reported",
                            reported_state_json(r).dump(-1, ' ', false,
                                                        nlohmann::json::error_handler_t::replace));
    if (!put.is_ok())
      OUTPOST_LOG_WARNING("agent: " << put.status().message());
    else if (!put->stored)
      OUTPOST_LOG_WARNING("agent: the outbox is full of reported states; this one is dropped "
                          "(and counted)");
  }
}

}  // namespace outpost::agentd
