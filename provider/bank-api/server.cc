#include "bank-api/server.h"

#include <cstdio>
#include <exception>
#include <optional>
#include <string_view>
#include <utility>

#include "bank-api/authorization_details.h"
#include "bank-api/bank.h"
#include "bank-api/validation.h"
#include "common/crypto.h"
#include "common/form.h"
#include "http/bounded_handler.h"
#include "resource/pistache_guard.h"

namespace signet::bank {

using Pistache::Http::Code;
using Pistache::Http::Method;
using Pistache::Http::ResponseWriter;
using Pistache::Rest::Request;
namespace Header = Pistache::Http::Header;

namespace {

// Pistache may drop headers added with addRaw() (#967): one typed class per name.
class RetryAfter : public Header::Header {
 public:
  NAME("Retry-After")
  RetryAfter() = default;
  explicit RetryAfter(std::string v) : value_(std::move(v)) {}
  void parse(const std::string& data) override { value_ = data; }
  void write(std::ostream& os) const override { os << value_; }

 private:
  std::string value_;
};

class ContentTypeOptions : public Header::Header {
 public:
  NAME("X-Content-Type-Options")
  ContentTypeOptions() = default;
  explicit ContentTypeOptions(std::string v) : value_(std::move(v)) {}
  void parse(const std::string& data) override { value_ = data; }
  void write(std::ostream& os) const override { os << value_; }

 private:
  std::string value_;
};

constexpr const char* kReadAccounts = "read:accounts";
constexpr const char* kReadTransactions = "read:transactions";
constexpr const char* kWritePayments = "write:payments";
// Only Signet itself, showing its consent page, reads the account directory: its
// tokens for it name the issuer as client_id, which no registered client can be.
constexpr const char* kAccountsDirectory = "accounts:directory";

nlohmann::json error_body(std::string_view code, std::string_view description = {}) {
  nlohmann::json body = {{"error", code}};
  if (!description.empty()) body["error_description"] = description;
  return body;
}

Reply error_reply(Code code, std::string_view error, std::string_view description = {}) {
  return {code, error_body(error, description)};
}

Reply unavailable() {
  return error_reply(Code::Service_Unavailable, "temporarily_unavailable",
                     "The service is busy or its database is unreachable; retry shortly.");
}

Reply server_error() {
  return error_reply(Code::Internal_Server_Error, "server_error", "An internal error occurred.");
}

// Every HTTP method Pistache parses: each gets a route at start so that the
// router never inserts into its method table while serving (PR #1239 race).
constexpr Method kAllMethods[] = {Method::Options, Method::Get,   Method::Post,
                                  Method::Head,    Method::Put,   Method::Patch,
                                  Method::Delete,  Method::Trace, Method::Connect};

// The last resort at the edge: never throws.
void send_server_error(ResponseWriter& res) noexcept {
  try {
    Reply r = server_error();
    send_json(res, r.code, r.body);
  } catch (...) {
  }
}

}  // namespace

void log_line(const std::string& line) {
  std::string out = line;  // one line: libpq messages contain newlines
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  out.push_back('\n');
  std::fwrite(out.data(), 1, out.size(), stderr);
  std::fflush(stderr);
}

void send_json(ResponseWriter& res, Code code, const nlohmann::json& body) {
  res.headers().add<Header::CacheControl>(Pistache::Http::CacheDirective::NoStore);
  res.headers().add<ContentTypeOptions>("nosniff");
  if (code == Code::Service_Unavailable) res.headers().add<RetryAfter>("1");
  res.send(code, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
           MIME(Application, Json));
}

Server::Server(const Config& config, resource::TokenVerifier& verifier, ConnectionPool& pool,
               WorkerPool& workers)
    : config_(config),
      verifier_(verifier),
      pool_(pool),
      workers_(workers),
      router_(std::make_shared<Pistache::Rest::Router>()) {
  routes();
}

Server::~Server() = default;

void Server::routes() {
  using Handler = std::function<void(const Request&, ResponseWriter&)>;
  // The handler edge: nothing thrown here may reach Pistache, whose default
  // answer would be a 500 carrying e.what().
  auto guarded = [](Handler h) {
    return [h = std::move(h)](const Request req, ResponseWriter res) {
      try {
        h(req, res);
      } catch (const std::exception& e) {
        log_line(std::string("bank-api: handler error: ") + e.what());
        send_server_error(res);
      } catch (...) {
        log_line("bank-api: handler error (unknown exception)");
        send_server_error(res);
      }
      return Pistache::Rest::Route::Result::Ok;
    };
  };

  struct Path {
    const char* path;
    Method method;
    Handler handler;
  };
  std::vector<Path> paths = {
      {"/accounts", Method::Get,
       [this](const Request& q, ResponseWriter& r) { get_accounts(q, r); }},
      {"/transactions", Method::Get,
       [this](const Request& q, ResponseWriter& r) { get_transactions(q, r); }},
      {"/payments", Method::Post,
       [this](const Request& q, ResponseWriter& r) { post_payments(q, r); }},
      {"/account-directory", Method::Get,
       [this](const Request& q, ResponseWriter& r) { get_account_directory(q, r); }},
      {"/healthz", Method::Get,
       [this](const Request&, ResponseWriter& r) {
         nlohmann::json body = {{"status", "ok"}};
         if (revocations_) {
           auto age = revocations_->last_sync_age();
           body["revocation_feed"] = {{"last_sync_age", age ? nlohmann::json(*age) : nullptr},
                                      {"fresh", revocations_->is_fresh()},
                                      {"entries", revocations_->size()},
                                      {"over_capacity", revocations_->over_capacity()}};
         }
         send_json(r, Code::Ok, body);
       }},
  };

  for (auto& p : paths) {
    for (Method m : kAllMethods) {
      if (m == p.method) {
        router_->addRoute(m, p.path, guarded(p.handler));
        continue;
      }
      Method allowed = p.method;
      router_->addRoute(m, p.path, guarded([allowed](const Request&, ResponseWriter& r) {
                          r.headers().add<Header::Allow>(allowed);
                          send_json(r, Code::Method_Not_Allowed, error_body("method_not_allowed"));
                        }));
    }
  }
  router_->addNotFoundHandler(guarded([](const Request&, ResponseWriter& r) {
    send_json(r, Code::Not_Found, error_body("not_found"));
  }));
}

void Server::start() {
  Pistache::Address addr(config_.listen_address());
  endpoint_ = std::make_unique<Pistache::Http::Endpoint>(addr);
  auto opts = Pistache::Http::Endpoint::options()
                  .threads(config_.threads)
                  .threadsName("bank-io")
                  .flags(Pistache::Tcp::Options::ReuseAddr)
                  .maxRequestSize(64 * 1024)
                  .maxResponseSize(1024 * 1024)
                  .headerTimeout(std::chrono::seconds(10))
                  .bodyTimeout(std::chrono::seconds(10))
                  .keepaliveTimeout(std::chrono::seconds(60));
  endpoint_->init(opts);
  // The same parser limits as Signet's (http/bounded_handler.h): 413 for a body
  // beyond the limit, 411 for a chunked one.
  endpoint_->setHandler(std::make_shared<signet::http::BoundedRouterHandler>(*router_));
  endpoint_->serveThreaded();
}

uint16_t Server::port() const {
  return endpoint_ ? static_cast<uint16_t>(endpoint_->getPort()) : 0;
}

void Server::shutdown() {
  if (endpoint_) endpoint_->shutdown();
}

std::optional<resource::AccessToken> Server::authorize(const Request& req, ResponseWriter& res,
                                                       const char* scope) {
  auto result = resource::authorize_request(verifier_, req, scope);
  if (!result.ok()) {
    resource::send_auth_error(res, result.error());
    return std::nullopt;
  }
  return std::move(result).value();
}

void Server::refuse(ResponseWriter& res, const resource::AccessToken& token, const char* scope,
                    std::string_view description) {
  resource::send_auth_error(res, verifier_.insufficient_scope(token, scope, description));
}

void Server::dispatch(ResponseWriter& res, bool idempotent, Work work) {
  // From here on the writer lives in a shared_ptr; no exception leaves this
  // function, so the edge never answers twice.
  auto writer = std::make_shared<ResponseWriter>(std::move(res));
  try {
    bool queued = workers_.submit([this, writer, idempotent, work = std::move(work)] {
      try {
        Reply r = run_db(work, idempotent);
        send_json(*writer, r.code, r.body);
      } catch (const std::exception& e) {
        log_line(std::string("bank-api: worker error: ") + e.what());
      } catch (...) {
        log_line("bank-api: worker error (unknown exception)");
      }
    });
    if (!queued) {
      Reply r = unavailable();
      send_json(*writer, r.code, r.body);
    }
  } catch (const std::exception& e) {
    log_line(std::string("bank-api: dispatch error: ") + e.what());
    Reply r = server_error();
    send_json(*writer, r.code, r.body);
  }
}

// A failed database call is answered as Signet answers one (store/database.h):
// 503 when the database cannot serve now, 500 otherwise. Idempotent work is
// retried once on a fresh connection after a lost link; writes are not.
Reply Server::run_db(const Work& work, bool idempotent) {
  auto r = pool_.execute<Reply>("bank-api", idempotent, work);
  if (r) return std::move(r).value();
  log_line("bank-api: database: " + r.error().detail);
  switch (r.error().failure) {
    case store::DatabaseFailure::kOutcomeUnknown:
      return error_reply(Code::Service_Unavailable, "temporarily_unavailable",
                         "The outcome is unknown; check the transactions before retrying.");
    case store::DatabaseFailure::kUnavailable:
      return unavailable();
    case store::DatabaseFailure::kInternal:
      break;
  }
  return server_error();
}

void Server::get_accounts(const Request& req, ResponseWriter& res) {
  auto token = authorize(req, res, "");
  if (!token) return;
  std::string subject = token->subject;
  if (token->has_scope(kReadAccounts)) {
    dispatch(res, true, [subject](pqxx::connection& conn) {
      ensure_customer(conn, subject);
      return Reply{Code::Ok, list_accounts(conn, subject)};
    });
    return;
  }
  // RFC 9396: the accounts the customer chose at consent, and the balances.
  AccountAccess access = account_access(token->authorization_details, utc_today());
  if (access.empty()) {
    refuse(res, *token, kReadAccounts);
    return;
  }
  dispatch(res, true, [subject, access = std::move(access)](pqxx::connection& conn) {
    ensure_customer(conn, subject);
    nlohmann::json all = list_accounts(conn, subject);
    return Reply{Code::Ok, {{"accounts", filter_accounts(all["accounts"], access)}}};
  });
}

void Server::get_account_directory(const Request& req, ResponseWriter& res) {
  auto token = authorize(req, res, kAccountsDirectory);
  if (!token) return;
  if (token->client_id != config_.issuer) {
    refuse(res, *token, kAccountsDirectory, "only the issuer may read the account directory");
    return;
  }
  std::string subject = token->subject;
  dispatch(res, true, [subject](pqxx::connection& conn) {
    ensure_customer(conn, subject);
    return Reply{Code::Ok, account_directory(conn, subject)};
  });
}

void Server::get_transactions(const Request& req, ResponseWriter& res) {
  auto token = authorize(req, res, "");
  if (!token) return;
  if (!token->has_scope(kReadTransactions) &&
      !transaction_access(token->authorization_details, utc_today(), "0001-01-01", "9999-12-31")
           .covered) {
    refuse(res, *token, kReadTransactions);
    return;
  }
  // Pistache does not decode query values and keeps only the first of a
  // repeated key: decode here, accept only `from` and `to`, once each.
  std::optional<std::string> from, to;
  const auto& query = req.query();
  for (auto it = query.parameters_begin(); it != query.parameters_end(); ++it) {
    auto key = percent_decode(it->first);
    auto value = percent_decode(it->second);
    if (!key || !value) {
      send_json(res, Code::Bad_Request, error_body("invalid_request", "malformed query string"));
      return;
    }
    std::optional<std::string>* slot = nullptr;
    if (*key == "from") {
      slot = &from;
    } else if (*key == "to") {
      slot = &to;
    } else {
      send_json(res, Code::Bad_Request,
                error_body("invalid_request", "unknown query parameter (allowed: from, to)"));
      return;
    }
    if (slot->has_value()) {
      send_json(res, Code::Bad_Request,
                error_body("invalid_request", "query parameter " + *key + " given twice"));
      return;
    }
    if (!is_iso_date(*value)) {
      send_json(res, Code::Bad_Request,
                error_body("invalid_request", *key + " must be a date in the form YYYY-MM-DD"));
      return;
    }
    *slot = std::move(*value);
  }
  if (from && to && *from > *to) {
    send_json(res, Code::Bad_Request, error_body("invalid_request", "from must not be after to"));
    return;
  }
  std::string subject = token->subject;
  std::string lo = from.value_or("0001-01-01");
  std::string hi = to.value_or("9999-12-31");
  if (token->has_scope(kReadTransactions)) {
    dispatch(res, true, [subject, lo, hi](pqxx::connection& conn) {
      ensure_customer(conn, subject);
      return Reply{Code::Ok, list_transactions(conn, subject, lo, hi)};
    });
    return;
  }
  // The accounts and periods of the customer's account_information consent.
  nlohmann::json grants = nlohmann::json::array();
  for (const auto& g :
       transaction_access(token->authorization_details, utc_today(), lo, hi).grants) {
    grants.push_back({{"iban", g.iban}, {"from", g.from}, {"to", g.to}});
  }
  dispatch(res, true, [subject, grants = std::move(grants)](pqxx::connection& conn) {
    ensure_customer(conn, subject);
    return Reply{Code::Ok, list_granted_transactions(conn, subject, grants)};
  });
}

namespace {

// Validates the POST /payments body; on failure returns the 400/415 reply.
std::optional<Reply> parse_payment(const Request& req, PaymentRequest* out,
                                   std::string* out_digest) {
  auto ct = req.headers().tryGet<Header::ContentType>();
  if (!ct || ct->mime() != MIME(Application, Json)) {
    return error_reply(Code::Unsupported_Media_Type, "unsupported_media_type",
                       "the body must be application/json");
  }
  nlohmann::json body = nlohmann::json::parse(req.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return error_reply(Code::Bad_Request, "invalid_request", "the body must be a JSON object");
  }
  static const char* const kFields[] = {"from_account", "to_iban",   "amount",
                                        "currency",     "reference", "creditor_name"};
  for (auto it = body.begin(); it != body.end(); ++it) {
    bool known = false;
    for (const char* f : kFields) known = known || it.key() == f;
    if (!known) {
      return error_reply(Code::Bad_Request, "invalid_request", "unknown field " + it.key());
    }
    if (!it.value().is_string()) {
      return error_reply(Code::Bad_Request, "invalid_request", it.key() + " must be a string");
    }
  }
  auto field = [&](const char* name) -> const std::string* {
    auto it = body.find(name);
    return it == body.end() ? nullptr : it->get_ptr<const std::string*>();
  };
  const std::string* from = field("from_account");
  if (!from || !is_uuid(*from)) {
    return error_reply(Code::Bad_Request, "invalid_request",
                       "from_account must be the id of one of your accounts");
  }
  const std::string* to_iban = field("to_iban");
  std::optional<std::string> iban = to_iban ? normalize_iban(*to_iban) : std::nullopt;
  if (!iban) {
    return error_reply(Code::Bad_Request, "invalid_request", "to_iban must be a valid IBAN");
  }
  const std::string* amount = field("amount");
  if (!amount || !is_positive_amount(*amount)) {
    return error_reply(Code::Bad_Request, "invalid_request",
                       "amount must be a decimal string greater than 0 with at most 2 decimals");
  }
  const std::string* currency = field("currency");
  if (!currency || !is_currency_code(*currency)) {
    return error_reply(Code::Bad_Request, "invalid_request",
                       "currency must be a three-letter ISO 4217 code");
  }
  const std::string* reference = field("reference");
  if (reference && !is_printable_text(*reference, 140)) {
    return error_reply(Code::Bad_Request, "invalid_request",
                       "reference must be at most 140 characters without control characters");
  }
  const std::string* creditor_name = field("creditor_name");
  if (creditor_name && !is_printable_text(*creditor_name, 140)) {
    return error_reply(Code::Bad_Request, "invalid_request",
                       "creditor_name must be at most 140 characters without control characters");
  }
  out->from_account = *from;
  for (char& c : out->from_account) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  out->to_iban = *iban;
  out->amount = *amount;
  out->currency = *currency;
  out->reference = reference ? *reference : std::string();
  out->creditor_name = creditor_name ? *creditor_name : std::string();
  // The request's fingerprint for Idempotency-Key: the body's canonical JSON.
  out_digest->assign(sha256_b64url(body.dump()));
  return std::nullopt;
}

Reply payment_reply(PaymentResult r) {
  switch (r.outcome) {
    case PaymentOutcome::kCreated:
      return Reply{Code::Created, {{"payment", std::move(r.payment)}}};
    case PaymentOutcome::kAccountNotFound:
      return error_reply(Code::Not_Found, "account_not_found",
                         "from_account is not one of your accounts");
    case PaymentOutcome::kCurrencyMismatch:
      return error_reply(Code::Unprocessable_Entity, "currency_mismatch",
                         "currency differs from the account's currency");
    case PaymentOutcome::kInsufficientFunds:
      return error_reply(Code::Unprocessable_Entity, "insufficient_funds",
                         "the account balance does not cover the amount");
    case PaymentOutcome::kSameAccount:
      return error_reply(Code::Bad_Request, "invalid_request",
                         "to_iban is the IBAN of the paying account");
    case PaymentOutcome::kConsentUsed:
      return error_reply(Code::Forbidden, "insufficient_scope",
                         "the consent for this payment was already used");
  }
  return server_error();
}

// The Idempotency-Key header: nullopt without one; a 400 reply when malformed.
std::optional<std::string> idempotency_key(const Request& req, std::optional<Reply>* bad) {
  auto raw = req.headers().tryGetRaw("Idempotency-Key");
  if (!raw) return std::nullopt;
  auto key = parse_idempotency_key(raw->value());
  if (!key) {
    *bad = error_reply(Code::Bad_Request, "invalid_request",
                       "Idempotency-Key must be a string of 1 to 255 visible ASCII characters");
  }
  return key;
}

}  // namespace

void Server::post_payments(const Request& req, ResponseWriter& res) {
  auto token = authorize(req, res, "");
  if (!token) return;
  // write:payments: a bank's own app, any payment. Otherwise only the payment a
  // payment_initiation detail (RFC 9396 §A.1) describes, once.
  const bool by_scope = token->has_scope(kWritePayments);
  if (!by_scope && !has_payment_initiation(token->authorization_details)) {
    refuse(res, *token, kWritePayments);
    return;
  }
  PaymentRequest payment;
  std::string digest;
  if (auto bad = parse_payment(req, &payment, &digest)) {
    send_json(res, bad->code, bad->body);
    return;
  }
  std::optional<ConsentUse> consent;
  if (!by_scope) {
    PaymentConsent match = match_payment(token->authorization_details, payment);
    if (!match.detail) {
      refuse(res, *token, kWritePayments, match.refusal);
      return;
    }
    if (token->grant_id.empty()) {
      refuse(res, *token, kWritePayments, "the payment consent names no grant_id");
      return;
    }
    consent = ConsentUse{token->grant_id, detail_digest(*match.detail)};
  }
  // Every payment is critical: refused while revocations cannot be followed.
  if (auto stale = verifier_.unavailable_while_stale()) {
    resource::send_auth_error(res, *stale);
    return;
  }
  std::optional<Reply> bad_key;
  std::optional<std::string> key = idempotency_key(req, &bad_key);
  if (bad_key) {
    send_json(res, bad_key->code, bad_key->body);
    return;
  }
  std::string subject = token->subject;
  std::string client_id = token->client_id;
  dispatch(res, false,
           [subject, client_id, payment, consent, key, digest](pqxx::connection& conn) -> Reply {
             ensure_customer(conn, subject);
             if (!key) {
               pqxx::work tx(conn);
               Reply r = payment_reply(create_payment(tx, subject, client_id, payment, consent));
               tx.commit();
               return r;
             }
             KeyedReply k = run_once(conn, {client_id, subject, *key, digest}, [&](pqxx::work& tx) {
               Reply r = payment_reply(create_payment(tx, subject, client_id, payment, consent));
               return StoredReply{static_cast<int>(r.code), std::move(r.body)};
             });
             switch (k.outcome) {
               case KeyOutcome::kFirst:
               case KeyOutcome::kReplayed:
                 return Reply{static_cast<Code>(k.reply.status), std::move(k.reply.body)};
               case KeyOutcome::kOtherRequest:
                 return error_reply(Code::Unprocessable_Entity, "idempotency_key_reused",
                                    "this Idempotency-Key was used with another request body");
               case KeyOutcome::kInProgress:
                 return error_reply(Code::Conflict, "idempotency_key_in_use",
                                    "a request with this Idempotency-Key is still being processed");
             }
             return server_error();
           });
}

}  // namespace signet::bank
