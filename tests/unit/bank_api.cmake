signet_unit_test(bank_api_test SOURCES bank_api_test.cc LIBS bank_api_core)
