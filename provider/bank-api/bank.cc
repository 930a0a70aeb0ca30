#include "bank-api/bank.h"

#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <unordered_set>

#include "bank-api/validation.h"
#include "common/crypto.h"

namespace signet::bank {

std::string random_demo_iban() {
  std::string bytes = random_bytes(8);
  uint64_t n = 0;
  for (char c : bytes) n = (n << 8) | static_cast<unsigned char>(c);
  std::string account = std::to_string(n % 10'000'000'000ULL);
  account.insert(0, 10 - account.size(), '0');
  std::string bban = "99990000" + account;  // 8-digit (fictional) bank code + account
  return "DE" + iban_check_digits("DE", bban) + bban;
}

namespace {

// Subjects known to have their demo account: accounts are never deleted, so
// after the first request a customer costs no extra round trip. Bounded.
class KnownCustomers {
 public:
  bool contains(const std::string& subject) {
    std::shared_lock lock(mu_);
    return known_.count(subject) > 0;
  }
  void add(const std::string& subject) {
    std::unique_lock lock(mu_);
    if (known_.size() >= 100'000) known_.clear();
    known_.insert(subject);
  }

 private:
  std::shared_mutex mu_;
  std::unordered_set<std::string> known_;
};

KnownCustomers& known_customers() {
  static KnownCustomers k;
  return k;
}

}  // namespace

void ensure_customer(pqxx::connection& conn, const std::string& subject) {
  if (known_customers().contains(subject)) return;
  {
    pqxx::nontransaction q(conn);
    if (q.exec_prepared1("has_demo_account", subject)[0].as<bool>()) {
      known_customers().add(subject);
      return;
    }
  }
  // A fresh random IBAN may (very rarely) collide with an existing one: retry.
  for (int attempt = 0;; ++attempt) {
    try {
      pqxx::work tx(conn);
      pqxx::result r = tx.exec_prepared("insert_demo_account", subject, random_demo_iban());
      if (!r.empty()) {
        std::string id = r[0][0].as<std::string>();
        tx.exec_prepared("insert_demo_transactions", id);
        tx.exec_prepared("set_demo_balance", id, "1000.00");
        std::string savings =
            tx.exec_prepared1("insert_demo_savings_account", subject, random_demo_iban())[0]
                .as<std::string>();
        tx.exec_prepared("insert_demo_savings_transactions", savings);
        tx.exec_prepared("set_demo_balance", savings, "5000.00");
      }
      tx.commit();
      known_customers().add(subject);
      return;
    } catch (const pqxx::unique_violation&) {
      if (attempt >= 3) throw;
    }
  }
}

// A single SELECT is atomic on its own: no BEGIN/COMMIT round trips.
nlohmann::json list_accounts(pqxx::connection& conn, const std::string& subject) {
  pqxx::nontransaction tx(conn);
  pqxx::result r = tx.exec_prepared("list_accounts", subject);
  nlohmann::json accounts = nlohmann::json::array();
  for (const auto& row : r) {
    accounts.push_back({{"id", row[0].as<std::string>()},
                        {"name", row[1].as<std::string>()},
                        {"iban", row[2].as<std::string>()},
                        {"currency", row[3].as<std::string>()},
                        {"balance", row[4].as<std::string>()}});
  }
  return {{"accounts", std::move(accounts)}};
}

namespace {

nlohmann::json transactions_json(const pqxx::result& r) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& row : r) {
    list.push_back({{"id", row[0].as<std::string>()},
                    {"account_id", row[1].as<std::string>()},
                    {"booked_at", row[2].as<std::string>()},
                    {"description", row[3].as<std::string>()},
                    {"amount", row[4].as<std::string>()},
                    {"currency", row[5].as<std::string>()}});
  }
  return {{"transactions", std::move(list)}};
}

}  // namespace

nlohmann::json list_transactions(pqxx::connection& conn, const std::string& subject,
                                 const std::string& from, const std::string& to) {
  pqxx::nontransaction tx(conn);
  return transactions_json(tx.exec_prepared("list_transactions", subject, from, to));
}

nlohmann::json list_granted_transactions(pqxx::connection& conn, const std::string& subject,
                                         const nlohmann::json& grants) {
  pqxx::nontransaction tx(conn);
  return transactions_json(tx.exec_prepared("list_granted_transactions", subject, grants.dump()));
}

nlohmann::json account_directory(pqxx::connection& conn, const std::string& subject) {
  nlohmann::json list = list_accounts(conn, subject);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& a : list["accounts"]) {
    out.push_back({{"iban", a["iban"]}, {"name", a["name"]}, {"currency", a["currency"]}});
  }
  return {{"accounts", std::move(out)}};
}

PaymentResult create_payment(pqxx::work& outer, const std::string& subject,
                             const std::string& client_id, const PaymentRequest& req,
                             const std::optional<ConsentUse>& consent) {
  // A savepoint: a refusal leaves nothing behind, even with the Idempotency-Key's
  // record still to be written in the outer transaction. (Plain SQL: libpqxx 6's
  // subtransaction did not roll back here.)
  pqxx::work& tx = outer;
  tx.exec("SAVEPOINT payment");
  auto refuse = [&tx](PaymentOutcome o) {
    tx.exec("ROLLBACK TO SAVEPOINT payment");
    return PaymentResult{o, {}};
  };
  pqxx::result acct = tx.exec_prepared("lock_account", req.from_account, subject, req.amount);
  if (acct.empty()) return refuse(PaymentOutcome::kAccountNotFound);
  if (acct[0][0].as<std::string>() == req.to_iban) return refuse(PaymentOutcome::kSameAccount);
  if (acct[0][1].as<std::string>() != req.currency) {
    return refuse(PaymentOutcome::kCurrencyMismatch);
  }
  if (!acct[0][2].as<bool>()) return refuse(PaymentOutcome::kInsufficientFunds);

  pqxx::row balance = tx.exec_prepared1("debit_account", req.from_account, req.amount);
  pqxx::row pay = tx.exec_prepared1("insert_payment", req.from_account, req.to_iban, req.amount,
                                    req.currency, req.reference, client_id, req.creditor_name);
  // The primary key makes the consent single-use; a concurrent payment under it
  // waits here for this transaction, then finds it used.
  if (consent && tx.exec_prepared("use_consent", consent->grant_id, consent->detail_digest,
                                  pay[0].as<std::string>())
                     .empty()) {
    return refuse(PaymentOutcome::kConsentUsed);
  }
  std::string description = "Payment to " + req.to_iban;
  if (!req.creditor_name.empty()) description += " (" + req.creditor_name + ")";
  if (!req.reference.empty()) description += ": " + req.reference;
  tx.exec_prepared("insert_payment_transaction", req.from_account, description, req.amount,
                   req.currency);
  tx.exec("RELEASE SAVEPOINT payment");

  PaymentResult out;
  out.payment = {{"id", pay[0].as<std::string>()},
                 {"from_account", req.from_account},
                 {"to_iban", req.to_iban},
                 {"amount", pay[2].as<std::string>()},
                 {"currency", req.currency},
                 {"reference", req.reference},
                 {"created_at", pay[1].as<std::string>()},
                 {"status", "booked"},
                 {"balance_after", balance[0].as<std::string>()}};
  if (!req.creditor_name.empty()) out.payment["creditor_name"] = req.creditor_name;
  return out;
}

KeyedReply run_once(pqxx::connection& conn, const IdempotencyKey& key,
                    const std::function<StoredReply(pqxx::work&)>& work) {
  pqxx::work tx(conn);
  std::string lock_name = nlohmann::json::array({key.client_id, key.subject, key.key}).dump();
  if (!tx.exec_prepared1("lock_idempotency_key", lock_name)[0].as<bool>()) {
    return {KeyOutcome::kInProgress, {}};
  }
  tx.exec_prepared("forget_idempotency_keys", key.client_id, key.subject, key.key);
  pqxx::result seen = tx.exec_prepared("find_idempotency_key", key.client_id, key.subject, key.key);
  if (!seen.empty()) {
    tx.commit();
    if (seen[0][0].as<std::string>() != key.request_digest) return {KeyOutcome::kOtherRequest, {}};
    return {KeyOutcome::kReplayed,
            {seen[0][1].as<int>(), nlohmann::json::parse(seen[0][2].as<std::string>())}};
  }
  StoredReply reply = work(tx);
  if (reply.status < 500) {
    tx.exec_prepared("insert_idempotency_key", key.client_id, key.subject, key.key,
                     key.request_digest, reply.status, reply.body.dump());
  }
  tx.commit();
  return {KeyOutcome::kFirst, std::move(reply)};
}

}  // namespace signet::bank
