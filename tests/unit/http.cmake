# The one place where answers are written (http/respond.h): what a page's CSP allows.
signet_unit_test(respond_test SOURCES respond_test.cc LIBS signet_http)
