// `signet serve`: the composition root. Wires config, PostgreSQL, keys, the
// protocol, the worker pool and the HTTP server, then waits for SIGTERM/SIGINT.
#pragma once

namespace signet::app {

int serve();

}  // namespace signet::app
