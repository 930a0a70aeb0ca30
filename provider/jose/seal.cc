#include "jose/seal.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <memory>

#include "common/base64url.h"
#include "common/crypto.h"

namespace signet::jose {
namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 12;  // the GCM standard nonce (NIST SP 800-38D §8.2)
constexpr size_t kTagBytes = 16;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

const unsigned char* u8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* u8(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

}  // namespace

Result<std::string> seal(std::string_view master_key, std::string_view plaintext,
                         std::string_view associated_data) {
  if (master_key.size() != kKeyBytes) return fail("bad_master_key", "master key must be 32 bytes");
  // A random 96-bit nonce per message: fine for the few thousand keys ever sealed.
  std::string nonce = random_bytes(kNonceBytes);
  std::string out = nonce;
  out.resize(kNonceBytes + plaintext.size() + kTagBytes);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int fin = 0;
  bool ok =
      ctx &&
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u8(master_key), u8(nonce)) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, u8(associated_data),
                        static_cast<int>(associated_data.size())) == 1 &&
      EVP_EncryptUpdate(ctx.get(), u8(out) + kNonceBytes, &len, u8(plaintext),
                        static_cast<int>(plaintext.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx.get(), u8(out) + kNonceBytes + len, &fin) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          u8(out) + kNonceBytes + plaintext.size()) == 1;
  if (!ok) {
    ERR_clear_error();
    return fail("seal_failed", "encryption failed");
  }
  return base64url_encode(out);
}

Result<std::string> unseal(std::string_view master_key, std::string_view sealed,
                           std::string_view associated_data) {
  if (master_key.size() != kKeyBytes) return fail("bad_master_key", "master key must be 32 bytes");
  auto raw = base64url_decode(sealed);
  if (!raw || raw->size() < kNonceBytes + kTagBytes) return fail("unseal_failed", "malformed");
  std::string_view all(*raw);
  std::string_view nonce = all.substr(0, kNonceBytes);
  std::string_view cipher = all.substr(kNonceBytes, all.size() - kNonceBytes - kTagBytes);
  std::string tag(all.substr(all.size() - kTagBytes));
  std::string plain(cipher.size(), '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int fin = 0;
  // The tag covers ciphertext and associated data: a wrong key, a flipped bit or a
  // blob moved to another key id all fail in DecryptFinal.
  bool ok =
      ctx &&
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u8(master_key), u8(nonce)) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, u8(associated_data),
                        static_cast<int>(associated_data.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), u8(plain), &len, u8(cipher), static_cast<int>(cipher.size())) ==
          1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), u8(plain) + len, &fin) == 1;
  if (!ok) {
    ERR_clear_error();
    return fail("unseal_failed", "cannot unseal");
  }
  return plain;
}

}  // namespace signet::jose
