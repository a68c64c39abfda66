#include "rehearse/observer.h"

#include <libpq-fe.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace spur::rehearse {
namespace {

double P99(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(0.99 * static_cast<double>(v.size())))];
}

bool Probeable(char kind) { return kind == 'r' || kind == 'p' || kind == 'm'; }

}  // namespace

// One probe session: idle until given a relation, then probing it back to
// back (one probe, a pause of one interval, the next) until told to stop.
struct Observer::Probe {
  std::unique_ptr<pg::Connection> conn;
  PGcancel* cancel = nullptr;
  std::thread thread;
  std::atomic<bool> stop{false};
  std::atomic<bool> running{false};
  bool write = false;
  int64_t oid = 0;
  std::string relation, sql;
  // Written by the probe's thread only; read after it is joined.
  std::vector<double> durations;
  double max_ms = 0;
  int errors = 0;

  ~Probe() {
    if (cancel) PQfreeCancel(cancel);
  }

  void Run(std::chrono::milliseconds interval) {
    while (!stop.load()) {
      const Clock::time_point t0 = Clock::now();
      Status st = conn->Exec(sql);
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      max_ms = std::max(max_ms, ms);  // a probe cancelled at the end still waited this long
      if (st.ok()) {
        durations.push_back(ms);
      } else {
        ++errors;
        if (write) conn->Exec("ROLLBACK").IgnoreError();
        if (errors >= 3) break;  // dropped, renamed away: nothing left to probe
      }
      std::this_thread::sleep_for(interval);
    }
    running.store(false);
  }
};

Observer::Observer(ObserverOptions options) : options_(std::move(options)) {}

Observer::~Observer() { Stop(std::chrono::milliseconds(0)); }

double Observer::Since(Clock::time_point t) const {
  return std::chrono::duration<double, std::milli>(t - start_).count();
}

Result<Clock::time_point> Observer::Start() {
  ASSIGN_OR_RETURN(pg::Connection sampler, pg::Connection::Open(options_.conninfo));
  sampler_ = std::make_unique<pg::Connection>(std::move(sampler));
  RETURN_IF_ERROR(sampler_->Exec("SET application_name = 'spur-rehearse-monitor'"));
  for (size_t i = 0; i < 2 * options_.max_probed; ++i) {
    ASSIGN_OR_RETURN(pg::Connection c, pg::Connection::Open(options_.conninfo));
    auto probe = std::make_unique<Probe>();
    probe->conn = std::make_unique<pg::Connection>(std::move(c));
    RETURN_IF_ERROR(probe->conn->Exec("SET application_name = 'spur-rehearse-probe'"));
    probe->cancel = PQgetCancel(probe->conn->raw());
    probes_.push_back(std::move(probe));
  }
  stopped_ = false;
  stop_sampling_.store(false);
  start_ = Clock::now();
  sampler_thread_ = std::thread([this] { SampleLoop(); });
  return start_;
}

void Observer::SampleLoop() {
  const std::string sql =
      "SELECT l.relation, l.mode, l.relation::regclass::text, l.virtualtransaction "
      "FROM pg_locks l "
      "WHERE l.pid = " +
      std::to_string(options_.migration_pid) +
      " AND l.locktype = 'relation' AND l.granted AND l.relation >= 16384 "
      "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())";
  using Key = std::tuple<int64_t, std::string, std::string>;  // oid, mode, transaction
  std::map<Key, size_t> open;  // span index of the locks seen in the last sample
  double previous = -1;
  Clock::time_point next = Clock::now();
  while (!stop_sampling_.load()) {
    const double at = Since(Clock::now());
    auto rows = sampler_->Query(sql);
    if (previous >= 0) max_gap_ms_ = std::max(max_gap_ms_, at - previous);
    previous = at;
    if (rows.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      std::map<Key, size_t> seen;
      for (const pg::Row& row : *rows) {
        const int64_t oid = std::strtoll(row[0].value_or("0").c_str(), nullptr, 10);
        const std::string mode = row[1].value_or("");
        const Key key{oid, mode, row[3].value_or("")};
        auto it = open.find(key);
        if (it != open.end()) {
          locks_[it->second].last_ms = at;
          seen.emplace(key, it->second);
        } else {
          LockSpan span;
          span.oid = oid;
          span.relation = row[2].value_or(std::to_string(oid));
          span.mode = mode;
          span.statement = statement_.load();
          span.transaction = row[3].value_or("");
          span.first_ms = span.last_ms = at;
          locks_.push_back(std::move(span));
          seen.emplace(key, locks_.size() - 1);
        }
        MaybeProbe(oid);
      }
      open.swap(seen);
    }
    next += options_.interval;
    const Clock::time_point now = Clock::now();
    if (next < now) next = now;  // a slow sample: keep the interval from here
    std::this_thread::sleep_until(next);
  }
}

void Observer::AddHeld(const std::vector<LockSpan>& held, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  const double at = Since(now);
  for (const LockSpan& h : held) {
    // The sampler's open span for this lock, if it has one reaching back far enough.
    auto it = std::find_if(locks_.rbegin(), locks_.rend(), [&](const LockSpan& s) {
      return s.oid == h.oid && s.mode == h.mode && s.transaction == h.transaction;
    });
    if (it != locks_.rend() && it->last_ms + 3 * options_.interval.count() >= at - 1) {
      it->last_ms = std::max(it->last_ms, at);
      continue;
    }
    LockSpan s = h;
    s.statement = statement_.load();
    s.first_ms = s.last_ms = at;
    locks_.push_back(std::move(s));
  }
}

// Under mu_.
void Observer::MaybeProbe(int64_t oid) {
  if (probed_relations_ >= options_.max_probed || !options_.before) return;
  auto rel = options_.before->find(oid);
  if (rel == options_.before->end() || !Probeable(rel->second.kind)) return;
  for (const auto& p : probes_) {
    if (p->oid == oid) return;
  }
  const std::string& name = rel->second.name;
  for (bool write : {false, true}) {
    if (write && rel->second.kind == 'm') continue;
    Probe& p = *probes_[2 * probed_relations_ + (write ? 1 : 0)];
    p.oid = oid;
    p.relation = name;
    p.write = write;
    p.sql = write ? "BEGIN; DELETE FROM ONLY " + name + " WHERE false; ROLLBACK"
                  : "SELECT 1 FROM ONLY " + name + " LIMIT 0";
    p.running.store(true);
    p.thread = std::thread([&p, interval = options_.interval] { p.Run(interval); });
  }
  ++probed_relations_;
}

void Observer::Stop(std::chrono::milliseconds grace) {
  if (stopped_) return;
  stopped_ = true;
  stop_sampling_.store(true);
  if (sampler_thread_.joinable()) sampler_thread_.join();
  for (auto& p : probes_) p->stop.store(true);
  const Clock::time_point deadline = Clock::now() + grace;
  auto any_running = [&] {
    return std::any_of(probes_.begin(), probes_.end(),
                       [](const auto& p) { return p->running.load(); });
  };
  while (any_running() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  char err[256];
  for (auto& p : probes_) {
    if (p->running.load() && p->cancel) PQcancel(p->cancel, err, sizeof err);
  }
  for (auto& p : probes_) {
    if (p->thread.joinable()) p->thread.join();
  }
}

std::vector<ProbeResult> Observer::probes() const {
  std::map<int64_t, ProbeResult> by_oid;
  std::vector<int64_t> order;
  for (const auto& p : probes_) {
    if (p->oid == 0) continue;
    auto [it, fresh] = by_oid.try_emplace(p->oid);
    if (fresh) order.push_back(p->oid);
    ProbeResult& r = it->second;
    r.relation = p->relation;
    r.errors += p->errors;
    if (p->write) {
      r.write_probed = true;
      r.write_max_ms = p->max_ms;
      r.write_p99_ms = P99(p->durations);
      r.writes = static_cast<int>(p->durations.size());
    } else {
      r.read_max_ms = p->max_ms;
      r.read_p99_ms = P99(p->durations);
      r.reads = static_cast<int>(p->durations.size());
    }
  }
  std::vector<ProbeResult> out;
  for (int64_t oid : order) out.push_back(by_oid[oid]);
  return out;
}

}  // namespace spur::rehearse
