# Sign-in and consent (interaction/sign_in.h, interaction/consent.h): CSRF, the
# way back, throttling and lockout, the password check's timing, session
# rotation, and the consent decision. In-memory stores, a fake clock, a
# counting password verifier.
signet_unit_test(sign_in_test
  SOURCES sign_in_test.cc
  LIBS signet_test_stores signet_interaction)
