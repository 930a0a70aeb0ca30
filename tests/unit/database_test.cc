// How a database failure is read (store/database.h), shared by Signet's store and
// bank-api: SQLSTATE classes and libpqxx exception types, and the protocol answer
// the store makes of each. No database needed: the exceptions are thrown here.
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "store/database.h"
#include "store/store_call.h"

namespace signet::store {
namespace {

template <class E>
DatabaseError classified(const E& e) {
  try {
    throw e;
  } catch (...) {
    return classify_exception("find_client");
  }
}

TEST(SqlstateClassification, ConnectionExceptionsLoseTheConnection) {
  for (const char* s : {"08000", "08003", "08006", "08001", "57P01", "57P02", "57P03"}) {
    DatabaseError e = classify_sqlstate(s);
    EXPECT_EQ(e.failure, DatabaseFailure::kUnavailable) << s;
    EXPECT_TRUE(e.connection_lost) << s;
  }
}

// Class 53 (insufficient resources) is the same answer as a lost database: 503.
TEST(SqlstateClassification, InsufficientResourcesAreUnavailable) {
  for (const char* s : {"53000", "53100", "53200", "53300", "53400"}) {
    DatabaseError e = classify_sqlstate(s);
    EXPECT_EQ(e.failure, DatabaseFailure::kUnavailable) << s;
    EXPECT_FALSE(e.connection_lost) << s;
  }
}

TEST(SqlstateClassification, ConflictsAndTimeoutsAreTransient) {
  for (const char* s : {"40001", "40P01", "55P03", "57014"}) {
    DatabaseError e = classify_sqlstate(s);
    EXPECT_EQ(e.failure, DatabaseFailure::kUnavailable) << s;
    EXPECT_FALSE(e.connection_lost) << s;
  }
}

TEST(SqlstateClassification, EverythingElseIsInternal) {
  for (const char* s : {"23505", "23503", "42601", "42P01", "22P02", "57P04", "XX000", ""}) {
    DatabaseError e = classify_sqlstate(s);
    EXPECT_EQ(e.failure, DatabaseFailure::kInternal) << s;
    EXPECT_FALSE(e.connection_lost) << s;
  }
}

TEST(ExceptionClassification, BrokenConnectionIsUnavailableAndDiscarded) {
  DatabaseError e = classified(pqxx::broken_connection("server closed the connection"));
  EXPECT_EQ(e.failure, DatabaseFailure::kUnavailable);
  EXPECT_TRUE(e.connection_lost);
  EXPECT_EQ(e.detail, "find_client: connection lost: server closed the connection");
}

TEST(ExceptionClassification, InDoubtCommitHasAnUnknownOutcome) {
  DatabaseError e = classified(pqxx::in_doubt_error("lost during COMMIT"));
  EXPECT_EQ(e.failure, DatabaseFailure::kOutcomeUnknown);
  EXPECT_TRUE(e.connection_lost);
  DatabaseError u = classified(pqxx::statement_completion_unknown("lost mid-statement"));
  EXPECT_EQ(u.failure, DatabaseFailure::kOutcomeUnknown);
  EXPECT_TRUE(u.connection_lost);
}

TEST(ExceptionClassification, SqlErrorsFollowTheirSqlstate) {
  DatabaseError full = classified(pqxx::disk_full("could not extend file", "INSERT", "53100"));
  EXPECT_EQ(full.failure, DatabaseFailure::kUnavailable);
  EXPECT_FALSE(full.connection_lost);
  EXPECT_NE(full.detail.find("SQLSTATE 53100"), std::string::npos);

  DatabaseError shutdown = classified(pqxx::sql_error("terminating connection", "", "57P01"));
  EXPECT_EQ(shutdown.failure, DatabaseFailure::kUnavailable);
  EXPECT_TRUE(shutdown.connection_lost);

  DatabaseError dup = classified(pqxx::unique_violation("duplicate key", "INSERT", "23505"));
  EXPECT_EQ(dup.failure, DatabaseFailure::kInternal);
  EXPECT_FALSE(dup.connection_lost);
}

TEST(ExceptionClassification, RollbacksAreTransient) {
  // libpqxx 6 reports these outside sql_error.
  DatabaseError e = classified(pqxx::serialization_failure("could not serialize access"));
  EXPECT_EQ(e.failure, DatabaseFailure::kUnavailable);
  EXPECT_FALSE(e.connection_lost);
  EXPECT_EQ(classified(pqxx::deadlock_detected("deadlock")).failure, DatabaseFailure::kUnavailable);
}

TEST(ExceptionClassification, OtherLibpqFailuresDropTheConnection) {
  DatabaseError e = classified(pqxx::failure("could not send query"));
  EXPECT_EQ(e.failure, DatabaseFailure::kInternal);
  EXPECT_TRUE(e.connection_lost);
}

TEST(ExceptionClassification, PoolTimeoutIsUnavailable) {
  DatabaseError e = classified(PoolTimeout("no database connection free within 5000 ms"));
  EXPECT_EQ(e.failure, DatabaseFailure::kUnavailable);
  EXPECT_FALSE(e.connection_lost);
}

TEST(ExceptionClassification, AnythingElseIsInternal) {
  DatabaseError e = classified(std::runtime_error("bad row"));
  EXPECT_EQ(e.failure, DatabaseFailure::kInternal);
  EXPECT_FALSE(e.connection_lost);
  EXPECT_EQ(e.detail, "find_client: bad row");
  EXPECT_EQ(classified(42).detail, "find_client: unknown exception");
}

// The store's answer: 503 temporarily_unavailable when the database cannot serve
// now (class 53 included), 500 server_error otherwise; the detail stays private.
TEST(StoreAnswer, UnavailableIs503AndInternalIs500) {
  DatabaseError full = classified(pqxx::insufficient_resources("out of memory", "", "53200"));
  protocol::OAuthError a = to_oauth_error(full);
  EXPECT_EQ(a.code, "temporarily_unavailable");
  EXPECT_EQ(a.status, 503);
  EXPECT_EQ(a.description.find("53200"), std::string::npos);
  EXPECT_NE(a.detail.find("53200"), std::string::npos);

  protocol::OAuthError doubt = to_oauth_error(classified(pqxx::in_doubt_error("x")));
  EXPECT_EQ(doubt.status, 503);

  protocol::OAuthError bug = to_oauth_error(classified(pqxx::sql_error("syntax", "", "42601")));
  EXPECT_EQ(bug.code, "server_error");
  EXPECT_EQ(bug.status, 500);
}

}  // namespace
}  // namespace signet::store
