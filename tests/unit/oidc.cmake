# OpenID Connect: ID token claims and signing, prompt / max_age decisions.
signet_unit_test(oidc_test
  SOURCES id_token_test.cc prompt_test.cc
  LIBS signet_test_stores OpenSSL::Crypto)
