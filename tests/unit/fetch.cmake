# Outbound requests for clients (provider/fetch): the SSRF guard's address policy.
signet_unit_test(fetch_test SOURCES fetch_test.cc LIBS signet_fetch)
