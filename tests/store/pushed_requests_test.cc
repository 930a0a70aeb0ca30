// Pushed authorization requests (RFC 9126) in PostgreSQL: the parameters round
// trip, expiry, single use, and a code that spends its request in its own
// transaction, once, even when two consents race.
#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/crypto.h"
#include "store/postgres_store.h"
#include "test_database.h"

namespace signet::store {
namespace {

using protocol::AuthorizationCode;
using protocol::Client;
using protocol::PushedRequest;
using testing::test_conninfo;

constexpr int64_t kNow = 1'700'000'000;

class PushedRequestStoreTest : public ::testing::Test {
 protected:
  PushedRequestStoreTest() : store_(test_conninfo(), 4) {
    Client c;
    c.client_id = "par-" + random_token(8);
    c.client_name = "Pushing app";
    c.secret_digest = sha256_b64url("secret");
    c.redirect_uris = {"https://app.test/cb"};
    c.scopes = {"read:accounts"};
    c.grant_types = {"authorization_code"};
    EXPECT_TRUE(store_.create_client(c).ok());
    client_id_ = c.client_id;
    auto u = store_.create_user("par-user-" + random_token(6), "$argon2id$fake", "T", "t@x.test");
    EXPECT_TRUE(u.ok());
    if (u.ok()) subject_ = u->subject;
  }

  PushedRequest save(int64_t expires_at = kNow + 90) {
    PushedRequest p;
    p.request_uri_digest = sha256_b64url(random_token());
    p.client_id = client_id_;
    p.params = {{"response_type", "code"},
                {"redirect_uri", "https://app.test/cb"},
                {"state", std::string(2000, 's')},
                {"nonce", "quote\" back\\slash \xC3\xA9"}};
    p.expires_at = expires_at;
    auto r = store_.save_pushed_request(p);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().detail);
    return p;
  }

  AuthorizationCode code_for(const PushedRequest& p) {
    AuthorizationCode code;
    code.code_digest = sha256_b64url(random_token());
    code.client_id = client_id_;
    code.redirect_uri = "https://app.test/cb";
    code.subject = subject_;
    code.scopes = {"read:accounts"};
    code.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    code.auth_time = kNow;
    code.request_uri_digest = p.request_uri_digest;
    code.issued_at = kNow;
    code.expires_at = kNow + 60;
    return code;
  }

  bool found(const PushedRequest& p, int64_t now = kNow) {
    auto f = store_.find_pushed_request(p.request_uri_digest, now);
    EXPECT_TRUE(f.ok());
    return f.ok() && f->has_value();
  }

  PostgresStore store_;
  std::string client_id_;
  std::string subject_;
};

TEST_F(PushedRequestStoreTest, ParametersRoundTripExactly) {
  const PushedRequest p = save();
  auto f = store_.find_pushed_request(p.request_uri_digest, kNow);
  ASSERT_TRUE(f.ok() && f->has_value());
  EXPECT_EQ((*f)->client_id, client_id_);
  EXPECT_EQ((*f)->params, p.params);
  EXPECT_EQ((*f)->expires_at, p.expires_at);
}

TEST_F(PushedRequestStoreTest, AnExpiredRequestIsNotFound) {
  const PushedRequest p = save(kNow + 30);
  EXPECT_TRUE(found(p, kNow + 29));
  EXPECT_FALSE(found(p, kNow + 30));
}

TEST_F(PushedRequestStoreTest, ASpentRequestIsNotFound) {
  const PushedRequest p = save();
  ASSERT_TRUE(store_.spend_pushed_request(p.request_uri_digest, kNow).ok());
  EXPECT_FALSE(found(p));
  EXPECT_TRUE(store_.spend_pushed_request(p.request_uri_digest, kNow).ok()) << "idempotent";
}

TEST_F(PushedRequestStoreTest, SavingTheCodeSpendsTheRequestOnce) {
  const PushedRequest p = save();
  ASSERT_TRUE(store_.save_code(code_for(p)).ok());
  EXPECT_FALSE(found(p));
  auto second = store_.save_code(code_for(p));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, "invalid_request_uri");
}

TEST_F(PushedRequestStoreTest, ACodeForAnExpiredOrAnotherClientsRequestIsNotSaved) {
  const PushedRequest expired = save(kNow);  // expires at the code's issued_at
  AuthorizationCode late = code_for(expired);
  EXPECT_EQ(store_.save_code(late).error().code, "invalid_request_uri");
  EXPECT_FALSE(store_.find_code(late.code_digest)->has_value()) << "rolled back";

  const PushedRequest p = save();
  AuthorizationCode stolen = code_for(p);
  stolen.client_id = "someone-else";
  EXPECT_FALSE(store_.save_code(stolen).ok());
  EXPECT_TRUE(found(p)) << "the request is still there for its own client";
}

TEST_F(PushedRequestStoreTest, ConcurrentCodesForOneRequestSaveExactlyOne) {
  const PushedRequest p = save();
  std::atomic<int> saved{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto r = store_.save_code(code_for(p));
      if (r.ok()) {
        ++saved;
      } else if (r.error().code == "invalid_request_uri") {
        ++refused;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(saved.load(), 1);
  EXPECT_EQ(refused.load(), 3);
}

TEST_F(PushedRequestStoreTest, TheReaperDeletesExpiredRequests) {
  const PushedRequest old = save(kNow - 1);
  const PushedRequest live = save(kNow + 90);
  auto r = store_.reap_expired(kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_GE(r->pushed_requests, 1);
  EXPECT_TRUE(found(live));
  EXPECT_FALSE(found(old, kNow - 2)) << "deleted, not only expired";
}

}  // namespace
}  // namespace signet::store
