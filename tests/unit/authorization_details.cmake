# Rich Authorization Requests (RFC 9396): the types registry and its JSON Schema subset.
signet_unit_test(authorization_details_test SOURCES authorization_details_test.cc LIBS signet_protocol)
