#include "metrics/state_collector.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace signet::metrics {

void StateCollector::gauge(std::string name, std::string help, Read read) {
  std::lock_guard lock(mu_);
  series_.push_back({std::move(name), std::move(help), false, std::move(read)});
}

void StateCollector::counter(std::string name, std::string help, Read read) {
  std::lock_guard lock(mu_);
  series_.push_back({std::move(name), std::move(help), true, std::move(read)});
}

std::vector<prometheus::MetricFamily> StateCollector::Collect() const {
  std::lock_guard lock(mu_);
  std::vector<prometheus::MetricFamily> out;
  out.reserve(series_.size());
  for (const auto& s : series_) {
    prometheus::MetricFamily family;
    family.name = s.name;
    family.help = s.help;
    family.type = s.counter ? prometheus::MetricType::Counter : prometheus::MetricType::Gauge;
    std::vector<Sample> samples;
    try {
      samples = s.read();
    } catch (...) {
      continue;  // a part that cannot answer now is left out of this scrape
    }
    for (auto& sample : samples) {
      prometheus::ClientMetric m;
      for (auto& [k, v] : sample.labels) m.label.push_back({k, v});
      if (s.counter) {
        m.counter.value = sample.value;
      } else {
        m.gauge.value = sample.value;
      }
      family.metric.push_back(std::move(m));
    }
    out.push_back(std::move(family));
  }
  return out;
}

void add_process_series(StateCollector& collector) {
  collector.gauge("process_resident_memory_bytes", "Resident memory size in bytes", [] {
    std::ifstream statm("/proc/self/statm");
    long pages_total = 0, pages_resident = 0;
    statm >> pages_total >> pages_resident;
    return std::vector<Sample>{
        {{}, static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE))}};
  });
  collector.gauge("process_open_fds", "Open file descriptors", [] {
    double n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return std::vector<Sample>{{{}, n}};
  });
  // Field 22 of /proc/self/stat: start time in clock ticks after boot.
  double start = 0;
  {
    std::ifstream stat("/proc/self/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    std::istringstream rest(text.substr(text.rfind(')') + 2));  // after "(comm) "
    std::string field;
    for (int i = 3; i <= 22 && rest >> field; ++i) {
    }
    double boot = 0;
    std::ifstream proc_stat("/proc/stat");
    for (std::string line; std::getline(proc_stat, line);) {
      if (line.rfind("btime ", 0) == 0) boot = std::stod(line.substr(6));
    }
    start =
        boot + std::stod(field.empty() ? "0" : field) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  collector.gauge("process_start_time_seconds", "Start time of the process since the Unix epoch",
                  [start] {
                    return std::vector<Sample>{{{}, start}};
                  });
}

}  // namespace signet::metrics
