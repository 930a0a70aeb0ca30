# Token lifecycle: refresh rotation and reuse detection, introspection and
# revocation, against in-memory stores.
signet_unit_test(lifecycle_test
  SOURCES lifecycle_test.cc memory_stores.cc memory_lifecycle_store.cc
  LIBS signet_protocol)
