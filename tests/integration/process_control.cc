#include "process_control.h"

#include <sched.h>
#include <signal.h>

#include <algorithm>
#include <thread>

#ifndef SIGNET_BIN
#error "SIGNET_BIN must be defined by CMake"
#endif

namespace signet::it {
namespace {

// The first CPU this process may run on (CI runners restrict affinity).
int first_allowed_cpu() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &set)) return cpu;
    }
  }
  return 0;
}

bool wait_until_answering(Process& p, const std::string& url, int seconds, std::string* why) {
  HttpClient http;
  http.timeout_ms = 1000;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  HttpResponse last;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!p.alive()) {
      *why = p.name() + " exited before answering. Its log:\n" + p.log_tail();
      return false;
    }
    last = http.get(url);
    if (last.status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  *why = p.name() + " did not answer " + url + " within " + std::to_string(seconds) +
         " s (last: " + std::to_string(last.status) + " " + last.error + "). Its log:\n" +
         p.log_tail();
  return false;
}

}  // namespace

bool start_signet_on(World& w, Server& server, int port, const SignetOptions& options,
                     std::string* why) {
  static int starts = 0;
  if (server.process) {
    std::erase(w.processes, server.process.get());
    server.process.reset();  // stops it if it still runs
  }
  server.port = port ? port : free_port();
  server.base_url = "http://127.0.0.1:" + std::to_string(server.port);
  Env env = w.signet_env(server.port, options.database);
  for (const auto& kv : options.env) {
    auto it = std::find_if(env.begin(), env.end(), [&](auto& e) { return e.first == kv.first; });
    if (it != env.end()) {
      it->second = kv.second;
    } else {
      env.push_back(kv);
    }
  }
  std::vector<std::string> argv;
  if (options.pin_to_one_cpu) {
    argv = {"/usr/bin/taskset", "-c", std::to_string(first_allowed_cpu())};
  }
  argv.push_back(SIGNET_BIN);
  argv.push_back("serve");
  // A log of its own per start: a restart on the same port keeps the old one.
  const std::string name = "signet:" + std::to_string(server.port) + "#" + std::to_string(++starts);
  const std::string log =
      w.log_dir + "/signet-" + std::to_string(server.port) + "-" + std::to_string(starts) + ".log";
  server.process = std::make_unique<Process>(name, argv, env, log);
  if (!wait_until_answering(*server.process,
                            server.base_url + "/.well-known/oauth-authorization-server", 20, why)) {
    server.process.reset();
    return false;
  }
  w.processes.push_back(server.process.get());
  w.log_marks[server.process.get()] = 0;
  return true;
}

void kill_hard(Server& server) {
  if (!server.process) return;
  server.process->signal(SIGKILL);
  wait_for_exit(*server.process, std::chrono::seconds(10));
}

std::optional<int> wait_for_exit(Process& process, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (process.alive()) {
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return process.exit_status();
}

}  // namespace signet::it
