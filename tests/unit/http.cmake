# The one place where answers are written (http/respond.h): what a page's CSP allows.
signet_unit_test(respond_test SOURCES respond_test.cc LIBS signet_http)
# The client address behind trusted reverse proxies (http/forwarded_for.h).
signet_unit_test(forwarded_for_test SOURCES forwarded_for_test.cc LIBS signet_http)
