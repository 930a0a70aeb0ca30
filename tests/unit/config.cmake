signet_unit_test(config_test SOURCES config_test.cc LIBS signet_config)
