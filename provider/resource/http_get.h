// The default HttpGet (libcurl), internal to signet_resource; default_http_post is
// declared with RevocationFeed.
#pragma once

#include "resource/resource_server.h"

namespace signet::resource {

// http(s) only, no redirects, 3 s connect / 5 s total, body <= 1 MiB, status 200 only.
HttpGet default_http_get();

}  // namespace signet::resource
