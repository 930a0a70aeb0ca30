signet_unit_test(bank_api_test SOURCES bank_api_test.cc LIBS bank_api_core)
# authorization_details at bank-api (RFC 9396): account filters, payment matching.
signet_unit_test(bank_api_details_test SOURCES bank_api_details_test.cc LIBS bank_api_core)
