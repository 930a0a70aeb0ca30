# resource-server library: TokenVerifier with a fake HttpGet and FakeClock.
signet_unit_test(resource_test THREADED SOURCES resource_test.cc LIBS signet_resource)
# Pistache adapter on a loopback server (checks WWW-Authenticate really arrives).
signet_unit_test(resource_pistache_test SOURCES resource_pistache_test.cc
                 LIBS signet_resource_pistache CURL::libcurl)
# DPoP at the resource (RFC 9449 §7): proofs, binding, replay cache, nonces.
signet_unit_test(resource_dpop_test THREADED SOURCES resource_dpop_test.cc LIBS signet_resource)
# The revocation feed follower and TokenVerifier's use of it (fake feed and clock).
signet_unit_test(revocation_feed_test THREADED SOURCES revocation_feed_test.cc LIBS signet_resource)
