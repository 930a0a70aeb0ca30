# jose: keys (ES256, RS256, PS256, EdDSA), JWK and thumbprints, JWS, sealing.
signet_unit_test(jose_test THREADED SOURCES jose_test.cc jose_algorithms_test.cc access_token_test.cc
                 LIBS signet_jose)

# Cross-check against cpp-jwt 1.4 (tests only: it never sees an untrusted token).
find_package(cpp-jwt REQUIRED)
signet_unit_test(cpp_jwt_interop_test SOURCES cpp_jwt_interop_test.cc LIBS signet_jose cpp-jwt::cpp-jwt)

# DPoP proofs (RFC 9449): no threads, no database.
signet_unit_test(dpop_test SOURCES dpop_test.cc LIBS signet_jose)
