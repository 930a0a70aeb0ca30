# Token lifecycle: refresh rotation and reuse detection, introspection and
# revocation, against in-memory stores.
signet_unit_test(lifecycle_test
  SOURCES lifecycle_test.cc own_access_token_test.cc dpop_refresh_test.cc grant_management_test.cc
  LIBS signet_test_stores)
