# Protocol core: authorization and token endpoints against in-memory stores.
signet_unit_test(protocol_test
  SOURCES authorize_test.cc authorize_details_test.cc token_endpoint_test.cc pushed_request_test.cc
          client_assertion_test.cc
          dpop_token_test.cc
  LIBS signet_test_stores)
