// Cross-check of Signet's jose layer against cpp-jwt 1.4, an independent
// implementation. cpp-jwt only ever sees tokens made in this test (never an
// untrusted one; see LIBRARIES.md for why), with its safe settings: one algorithm
// in the allow-list and the matching key.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <jwt/jwt.hpp>
#include <system_error>

#include "jose/jws.h"
#include "jose/key.h"

namespace signet::jose {
namespace {

std::string public_pem(const PrivateKey& key) {
  std::string priv = key.to_pem();
  BIO* in = BIO_new_mem_buf(priv.data(), static_cast<int>(priv.size()));
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
  BIO* out = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(out, pkey);
  char* data = nullptr;
  long len = BIO_get_mem_data(out, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(out);
  EVP_PKEY_free(pkey);
  BIO_free(in);
  return pem;
}

class CppJwtInterop : public ::testing::TestWithParam<Alg> {};

TEST_P(CppJwtInterop, OurTokensVerifyInCppJwt) {
  PrivateKey key = PrivateKey::generate(GetParam()).value();
  std::string name(alg_name(GetParam()));
  nlohmann::json claims = {{"sub", "alice"}, {"iss", "https://issuer.example"}};
  // cpp-jwt refuses every typ but "JWT", so the cross-check uses that typ.
  std::string token = sign_compact(key, {{"typ", "JWT"}}, claims);

  std::error_code ec;
  auto obj = jwt::decode(token, jwt::params::algorithms({name}), ec,
                         jwt::params::secret(public_pem(key)), jwt::params::verify(true));
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(obj.payload().get_claim_value<std::string>("sub"), "alice");
  EXPECT_TRUE(obj.header().has_header("kid"));

  // And a tampered one of ours is refused by cpp-jwt too (the test's own sanity).
  std::string bad = token;
  bad[bad.find('.') + 2] ^= 1;
  std::error_code ec2;
  try {
    (void)jwt::decode(bad, jwt::params::algorithms({name}), ec2,
                      jwt::params::secret(public_pem(key)), jwt::params::verify(true));
  } catch (const std::exception&) {
    ec2 = std::make_error_code(std::errc::invalid_argument);  // cpp-jwt may still throw
  }
  EXPECT_TRUE(ec2);
}

TEST_P(CppJwtInterop, CppJwtTokensVerifyInOurs) {
  PrivateKey key = PrivateKey::generate(GetParam()).value();
  std::string name(alg_name(GetParam()));
  jwt::jwt_object obj{jwt::params::algorithm(name), jwt::params::secret(key.to_pem()),
                      jwt::params::payload({{"sub", "bob"}})};
  obj.header().add_header("kid", key.kid());
  obj.add_claim("scope", "read:accounts");
  std::string token = obj.signature();

  PublicKey pub = PublicKey::from_jwk(key.public_jwk()).value();
  auto v = verify_compact(token, [&](std::string_view kid) -> const PublicKey* {
    return kid == pub.kid() ? &pub : nullptr;
  });
  ASSERT_TRUE(v.ok()) << v.error().code;
  EXPECT_EQ(v->payload["sub"], "bob");
  EXPECT_EQ(v->payload["scope"], "read:accounts");
  EXPECT_EQ(v->header["typ"], "JWT");
}

INSTANTIATE_TEST_SUITE_P(Algs, CppJwtInterop, ::testing::Values(Alg::ES256, Alg::RS256),
                         [](const auto& test) { return std::string(alg_name(test.param)); });

}  // namespace
}  // namespace signet::jose
