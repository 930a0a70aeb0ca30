// Writes an Answer with Pistache: the headers every answer carries, the CSP of
// pages, cookies. With incoming.cc and server.cc, the only place that names
// Pistache's types; handlers build plain Answers (respond.h).
#pragma once

#include <pistache/http.h>

#include "http/respond.h"

namespace signet::http {

// Writes the answer; the promise settles once it is on the wire (or cannot be).
Pistache::Async::Promise<ssize_t> send(Pistache::Http::ResponseWriter& writer,
                                       const Answer& answer);

}  // namespace signet::http
