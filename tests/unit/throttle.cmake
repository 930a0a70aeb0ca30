# Throttling rules (protocol/throttle.h) with fake clocks, the token endpoint's
# per-client rate, and the throttling settings.
signet_unit_test(throttle_test THREADED
  SOURCES throttle_test.cc
  LIBS signet_test_stores signet_config)
# The same at the HTTP edge: /token answers and the "throttled" audit events.
signet_unit_test(throttle_http_test
  SOURCES throttle_http_test.cc
  LIBS signet_test_stores signet_http)
