# The SQLSTATE and libpqxx exception classification shared by the store and
# bank-api, and the store's answer for each (no database needed).
signet_unit_test(database_test
  SOURCES database_test.cc
  LIBS signet_store signet_database)
