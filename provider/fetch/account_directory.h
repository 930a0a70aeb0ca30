// The account directory over HTTP (protocol/account_directory.h): GET the
// configured URL with a Bearer access token Signet signs for itself (client_id
// and iss: the issuer; sub: the customer; scope accounts:directory; 60 s), so
// that the bank's API checks it with the verifier it already runs. The answer
// is {"accounts":[{"iban","name","currency"}]}, at most 64 KiB within 3 s.
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "protocol/account_directory.h"
#include "protocol/token/access_token.h"

namespace signet::fetch {

inline constexpr const char* kAccountDirectoryScope = "accounts:directory";

class HttpAccountDirectory final : public protocol::AccountDirectory {
 public:
  HttpAccountDirectory(std::string url, std::string audience,
                       const protocol::AccessTokenIssuer& tokens, const Clock& clock);
  protocol::StoreResult<std::vector<protocol::CustomerAccount>> accounts_of(
      const std::string& subject) override;

 private:
  const std::string url_;
  const std::string audience_;
  const protocol::AccessTokenIssuer& tokens_;
  const Clock& clock_;
};

// The directory's JSON answer; an error names what is wrong (for the log).
Result<std::vector<protocol::CustomerAccount>, std::string> parse_account_directory(
    const std::string& body);

}  // namespace signet::fetch
