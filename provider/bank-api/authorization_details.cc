#include "bank-api/authorization_details.h"

#include <algorithm>
#include <ctime>

#include "bank-api/validation.h"
#include "common/crypto.h"

namespace signet::bank {

using nlohmann::json;

namespace {

constexpr char kAccountInformation[] = "account_information";
constexpr char kPaymentInitiation[] = "payment_initiation";

bool has_type(const json& detail, const char* type) {
  auto t = detail.find("type");
  return t != detail.end() && t->is_string() && t->get_ref<const std::string&>() == type;
}

// An optional date member: absent gives `fallback`; malformed gives nullopt.
std::optional<std::string> date_member(const json& detail, const char* name, const char* fallback) {
  auto it = detail.find(name);
  if (it == detail.end()) return std::string(fallback);
  if (!it->is_string() || !is_iso_date(it->get_ref<const std::string&>())) return std::nullopt;
  return it->get<std::string>();
}

// An account_information detail usable today: validUntil (RFC 9396 §A.1's
// example, the Berlin Group's AIS) absent or not before `today`.
bool unexpired(const json& detail, std::string_view today) {
  auto until = date_member(detail, "validUntil", "9999-12-31");
  return until && *until >= today;
}

// The normalized IBANs of access.<list> ([{"iban": ...}]); nullopt when the
// list is there but malformed, so that the detail grants nothing.
std::optional<std::vector<std::string>> ibans(const json& access, const char* list) {
  std::vector<std::string> out;
  auto it = access.find(list);
  if (it == access.end()) return out;
  if (!it->is_array()) return std::nullopt;
  for (const json& a : *it) {
    auto iban = a.is_object() ? a.find("iban") : a.end();
    if (!a.is_object() || iban == a.end() || !iban->is_string()) return std::nullopt;
    auto n = normalize_iban(iban->get_ref<const std::string&>());
    if (!n) return std::nullopt;
    out.push_back(std::move(*n));
  }
  return out;
}

// The access object of an unexpired account_information detail; null otherwise.
const json* usable_access(const json& detail, std::string_view today) {
  if (!has_type(detail, kAccountInformation) || !unexpired(detail, today)) return nullptr;
  auto a = detail.find("access");
  return a != detail.end() && a->is_object() ? &*a : nullptr;
}

const std::string* string_at(const json& detail, const char* object, const char* member) {
  auto o = detail.find(object);
  if (o == detail.end() || !o->is_object()) return nullptr;
  auto m = o->find(member);
  return m != o->end() && m->is_string() ? m->get_ptr<const std::string*>() : nullptr;
}

// The first field of `payment` that `detail` does not allow; "" when none.
std::string mismatch(const json& detail, const PaymentRequest& payment) {
  const std::string* currency = string_at(detail, "instructedAmount", "currency");
  const std::string* amount = string_at(detail, "instructedAmount", "amount");
  if (!currency || !amount || !canonical_amount(*amount)) {
    return "the consented instructedAmount is malformed";
  }
  if (*currency != payment.currency) return "currency differs from the consented payment";
  if (!amounts_equal(*amount, payment.amount)) return "amount differs from the consented payment";
  const std::string* iban = string_at(detail, "creditorAccount", "iban");
  auto creditor = iban ? normalize_iban(*iban) : std::nullopt;
  if (!creditor) return "the consented creditorAccount is malformed";
  if (*creditor != payment.to_iban) return "to_iban differs from the consented creditor account";
  if (auto name = detail.find("creditorName"); name != detail.end()) {
    if (!name->is_string()) return "the consented creditorName is malformed";
    if (*name != payment.creditor_name) {
      return "creditor_name differs from the consented creditor name";
    }
  }
  if (auto ref = detail.find("remittanceInformationUnstructured"); ref != detail.end()) {
    if (!ref->is_string()) return "the consented remittance information is malformed";
    if (*ref != payment.reference) return "reference differs from the consented remittance";
  }
  return {};
}

}  // namespace

std::string utc_today() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[11];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::optional<std::string> canonical_amount(std::string_view amount) {
  if (!is_positive_amount(amount)) return std::nullopt;
  std::string s(amount);
  size_t dot = s.find('.');
  if (dot == std::string::npos) return s + ".00";
  s.append(2 - (s.size() - dot - 1), '0');
  return s;
}

bool amounts_equal(std::string_view a, std::string_view b) {
  auto ca = canonical_amount(a);
  auto cb = canonical_amount(b);
  return ca && cb && *ca == *cb;
}

AccountAccess account_access(const json& details, std::string_view today) {
  AccountAccess out;
  if (!details.is_array()) return out;
  for (const json& d : details) {
    const json* access = usable_access(d, today);
    if (!access) continue;
    auto listed = ibans(*access, "accounts");
    auto with_balance = ibans(*access, "balances");
    if (!listed || !with_balance) continue;
    out.accounts.insert(listed->begin(), listed->end());
    out.accounts.insert(with_balance->begin(), with_balance->end());
    out.balances.insert(with_balance->begin(), with_balance->end());
  }
  return out;
}

json filter_accounts(const json& list, const AccountAccess& access) {
  json out = json::array();
  for (const json& a : list) {
    std::string iban = a.value("iban", "");
    if (!access.accounts.count(iban)) continue;
    json entry = a;
    if (!access.balances.count(iban)) entry.erase("balance");
    out.push_back(std::move(entry));
  }
  return out;
}

TransactionAccess transaction_access(const json& details, std::string_view today,
                                     std::string_view from, std::string_view to) {
  TransactionAccess out;
  if (!details.is_array()) return out;
  for (const json& d : details) {
    const json* access = usable_access(d, today);
    if (!access) continue;
    auto listed = ibans(*access, "transactions");
    auto lo = date_member(d, "transactionsFromDate", "0001-01-01");
    auto hi = date_member(d, "transactionsToDate", "9999-12-31");
    if (!listed || listed->empty() || !lo || !hi) continue;
    out.covered = true;
    std::string a = std::max(*lo, std::string(from));
    std::string b = std::min(*hi, std::string(to));
    if (a > b) continue;  // outside the consented period
    for (auto& iban : *listed) out.grants.push_back({std::move(iban), a, b});
  }
  return out;
}

bool has_payment_initiation(const json& details) {
  if (!details.is_array()) return false;
  return std::any_of(details.begin(), details.end(),
                     [](const json& d) { return has_type(d, kPaymentInitiation); });
}

PaymentConsent match_payment(const json& details, const PaymentRequest& payment) {
  PaymentConsent out;
  if (!details.is_array()) return out;
  for (const json& d : details) {
    if (!has_type(d, kPaymentInitiation)) continue;
    std::string why = mismatch(d, payment);
    if (why.empty()) {
      out.detail = d;
      out.refusal.clear();
      return out;
    }
    if (out.refusal.empty()) out.refusal = std::move(why);
  }
  if (out.refusal.empty()) out.refusal = "the token has no payment_initiation consent";
  return out;
}

std::string detail_digest(const json& detail) { return sha256_b64url(detail.dump()); }

}  // namespace signet::bank
