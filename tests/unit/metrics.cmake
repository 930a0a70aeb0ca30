signet_unit_test(metrics_test THREADED SOURCES metrics_test.cc LIBS signet_metrics)
