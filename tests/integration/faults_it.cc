// Failures of the database and of Signet's own processes: PostgreSQL stopped and
// started under load, SIGKILL in the middle of flows and a restart on the same
// port, SIGTERM draining the requests in flight, and two signet processes on one
// database serving one user's flow in turns. Real processes and a real
// PostgreSQL; afterwards the database is checked for anything lost, duplicated
// or half-written.
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "harness.h"
#include "process_control.h"

namespace signet::it {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string kRedirect = "https://finance.example.com/callback";
const std::string kPassword = "correct horse battery staple";
// offline_access: these sign-ins keep refresh tokens (OpenID Connect Core §11).
const std::string kScope = "openid offline_access read:accounts read:transactions";

// `url` with its scheme://host:port replaced by `base`: the next step of a flow
// sent to another process (all of them share one issuer).
std::string on(const std::string& base, const std::string& url) {
  auto scheme = url.find("://");
  auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return base + (path == std::string::npos ? "" : url.substr(path));
}

bool is_login_page(const HttpResponse& r) {
  return r.body.find("action=\"/login\"") != std::string::npos;
}
bool is_consent_page(const HttpResponse& r) {
  return r.status == 200 && r.body.find("action=\"/consent\"") != std::string::npos;
}
bool is_redirect(const HttpResponse& r) {
  return r.status == 302 || r.status == 303 || r.status == 307;
}
// The code of a redirect back to the client, "" otherwise.
std::string code_in(const HttpResponse& r) {
  if (!is_redirect(r) || r.location().rfind(kRedirect, 0) != 0) return "";
  auto p = query_params(r.location());
  return p.count("code") ? p["code"] : "";
}

AuthorizeRequest request_for(const Client& c) {
  return {c.client_id, kRedirect, kScope, random_hex(8), random_hex(32), {}};
}

HttpResponse open_authorize(HttpClient& browser, const std::string& base,
                            const AuthorizeRequest& r) {
  return browser.get(on(base, World::get().authorize_url(r)));
}

HttpResponse submit_login(HttpClient& browser, const std::string& base, const HttpResponse& page,
                          const User& u) {
  auto fields = form_fields(page.body, "/login");
  for (auto& [k, v] : fields) {
    if (k == "username") v = u.username;
    if (k == "password") v = u.password;
  }
  return browser.post_form(base + "/login", fields);
}

HttpResponse submit_consent(HttpClient& browser, const std::string& base,
                            const HttpResponse& page) {
  auto fields = form_fields(page.body, "/consent");
  fields.emplace_back("decision", "allow");
  return browser.post_form(base + "/consent", fields);
}

HttpResponse post_as(const std::string& base, const std::string& path, const Client& c,
                     const Fields& f) {
  HttpClient http;
  return http.post_form(base + path, f,
                        {{"Authorization", basic_auth(c.client_id, c.client_secret)}});
}

HttpResponse exchange(const std::string& base, const Client& c, const std::string& code,
                      const std::string& verifier) {
  return post_as(base, "/token", c,
                 {{"grant_type", "authorization_code"},
                  {"code", code},
                  {"redirect_uri", kRedirect},
                  {"code_verifier", verifier}});
}

HttpResponse refresh(const std::string& base, const Client& c, const std::string& token) {
  return post_as(base, "/token", c, {{"grant_type", "refresh_token"}, {"refresh_token", token}});
}

std::string json_string(const HttpResponse& r, const std::string& key) {
  try {
    auto j = r.json();
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
  } catch (const std::exception&) {
    return "";
  }
}

struct Grant {
  std::string code;
  std::string verifier;
};

// The browser steps on one process up to the code: login and consent when asked.
Grant code_from(HttpClient& browser, const std::string& base, const Client& c, const User& u) {
  AuthorizeRequest r = request_for(c);
  HttpResponse resp = open_authorize(browser, base, r);
  for (int step = 0; step < 6; ++step) {
    if (std::string code = code_in(resp); !code.empty()) return {code, r.code_verifier};
    if (is_redirect(resp)) {
      resp = browser.get(on(base, resp.location()));
    } else if (is_consent_page(resp)) {
      resp = submit_consent(browser, base, resp);
    } else if (resp.status == 200 && is_login_page(resp)) {
      resp = submit_login(browser, base, resp, u);
    } else {
      break;
    }
  }
  ADD_FAILURE() << "no code from " << base << ": " << resp.status << " " << resp.location() << "\n"
                << resp.body.substr(0, 1500);
  return {};
}

// `signet user add` against any database.
User add_user_to(World& w, const Env& env, const std::string& name) {
  User u{name, kPassword, ""};
  auto r = w.cli({"user", "add", name, "--password-stdin"}, kPassword + "\n", env);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  try {
    u.subject = nlohmann::json::parse(r.out).at("subject").get<std::string>();
  } catch (const std::exception&) {
    ADD_FAILURE() << "signet user add printed no subject: " << r.out << r.err;
  }
  return u;
}

// What a crash or an outage must never leave behind, as one line each:
// a code marked used without the record of the token it issued; a live refresh
// family that is not a chain with exactly one unused token; a family whose
// access-token records do not match its refresh tokens one to one.
std::vector<std::string> half_written(Database& db) {
  std::vector<std::string> out;
  for (const auto& row : db.query(
           "SELECT 'code ' || left(c.code_digest, 10) || ' used without its token record' "
           "FROM authorization_codes c WHERE c.used_at IS NOT NULL AND NOT EXISTS "
           "(SELECT 1 FROM issued_access_tokens a WHERE a.jti = c.access_token_jti) "
           "UNION ALL "
           "SELECT 'family ' || left(f.family_id, 10) || ': ' || count(t.token_digest) || "
           "' refresh tokens, ' || count(t.used_at) || ' used' "
           "FROM refresh_token_families f LEFT JOIN refresh_tokens t ON t.family_id = f.family_id "
           "WHERE f.revoked_at IS NULL GROUP BY f.family_id "
           "HAVING count(t.token_digest) <> count(t.used_at) + 1 "
           "UNION ALL "
           "SELECT 'family ' || left(f.family_id, 10) || ': ' || "
           "(SELECT count(*) FROM issued_access_tokens a WHERE a.family_id = f.family_id) || "
           "' access tokens for ' || "
           "(SELECT count(*) FROM refresh_tokens t WHERE t.family_id = f.family_id) || "
           "' refresh tokens' FROM refresh_token_families f WHERE "
           "(SELECT count(*) FROM issued_access_tokens a WHERE a.family_id = f.family_id) <> "
           "(SELECT count(*) FROM refresh_tokens t WHERE t.family_id = f.family_id)")) {
    out.push_back(row.at(0));
  }
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += "  " + l + "\n";
  return s;
}

std::string digest_b64url(const std::string& value) { return b64url(sha256(value)); }

// Answers seen by the load threads, by step and status, and what must not happen.
class Tally {
 public:
  void add(const std::string& step, const HttpResponse& r, SteadyClock::duration took,
           const std::set<long>& allowed) {
    std::lock_guard lock(mu_);
    ++counts_[step][r.status];
    if (!allowed.count(r.status)) {
      problems_.push_back(step + ": " + std::to_string(r.status) + " " + r.error + " " +
                          r.body.substr(0, 300));
    }
    if (took > seconds(8)) {  // a hang, not a slow machine
      problems_.push_back(step + " took " +
                          std::to_string(std::chrono::duration_cast<milliseconds>(took).count()) +
                          " ms");
    }
  }
  void problem(const std::string& p) {
    std::lock_guard lock(mu_);
    problems_.push_back(p);
  }
  long count(const std::string& step, long status) {
    std::lock_guard lock(mu_);
    return counts_[step][status];
  }
  std::vector<std::string> problems() {
    std::lock_guard lock(mu_);
    return problems_;
  }
  std::string summary() {
    std::lock_guard lock(mu_);
    std::string s;
    for (const auto& [step, by] : counts_) {
      s += step + ":";
      for (const auto& [status, n] : by)
        s += " " + std::to_string(status) + "x" + std::to_string(n);
      s += "\n";
    }
    return s;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::map<long, long>> counts_;
  std::vector<std::string> problems_;
};

class FaultsTest : public IntegrationTest {
 protected:
  // Signets a test starts beside the World's: they outlive TearDown, so that a
  // failing test still shows their logs.
  Server& extra_signet() {
    extra_.push_back(std::make_unique<Server>());
    return *extra_.back();
  }
  ~FaultsTest() override {
    for (auto& server : extra_) {
      if (server->process) std::erase(World::get().processes, server->process.get());
    }
  }

 private:
  std::vector<std::unique_ptr<Server>> extra_;
};

// ---------------------------------------------------------------------------
// a. PostgreSQL stopped and started again while flows run.

TEST_F(FaultsTest, PostgresRestartUnderLoadAnswers503ThenLosesNothing) {
  std::string cluster_error;
  auto cluster = start_private_cluster(cluster_error);
  ASSERT_TRUE(cluster) << cluster_error;
  Database db(cluster->conninfo("postgres"), "signet_faults_restart");
  const Env env{{"SIGNET_DATABASE_URL", db.conninfo()}};
  auto m = w().cli({"migrate"}, "", env);
  ASSERT_EQ(m.exit_code, 0) << m.out << m.err;
  Client app = w().add_client(w().unique("FinanceApp"), {kRedirect}, kScope, false,
                              {"authorization_code", "refresh_token"}, env);
  Client machine = w().add_client(w().unique("Reporter"), {}, "read:accounts", false,
                                  {"client_credentials"}, env);
  std::vector<User> users;
  for (int i = 0; i < 3; ++i) users.push_back(add_user_to(w(), env, w().unique("outage-user")));
  ASSERT_FALSE(app.client_id.empty());

  Server& s = extra_signet();
  std::string why;
  ASSERT_TRUE(start_signet_on(w(), s, 0, {{}, db.conninfo(), false}, &why)) << why;
  const std::string base = s.base_url;

  // Before the outage: every user logged in and consented; codes issued and kept;
  // refresh tokens handed out.
  std::vector<std::unique_ptr<HttpClient>> browsers;
  std::vector<Grant> codes_before;
  std::vector<std::string> chains;  // the current refresh token of each chain
  for (const User& u : users) {
    browsers.push_back(std::make_unique<HttpClient>());
    HttpClient& b = *browsers.back();
    for (int i = 0; i < 3; ++i) {
      Grant g = code_from(b, base, app, u);
      ASSERT_FALSE(g.code.empty());
      if (i == 0) {
        HttpResponse t = exchange(base, app, g.code, g.verifier);
        ASSERT_EQ(t.status, 200) << t.body;
        chains.push_back(json_string(t, "refresh_token"));
        ASSERT_FALSE(chains.back().empty()) << t.body;
      } else {
        codes_before.push_back(g);
      }
    }
  }
  std::vector<std::string> families;  // of each chain
  for (const std::string& rt : chains) {
    families.push_back(db.query("SELECT family_id FROM refresh_tokens WHERE token_digest = $1",
                                {digest_b64url(rt)})
                           .at(0)
                           .at(0));
  }
  std::vector<int> rotations(chains.size(), 0);  // the rotations each chain's client saw

  // Load: refresh rotation chains, code flows (authorize + exchange), client
  // credentials and logins, each answer checked as it comes.
  Tally tally;
  std::atomic<bool> stop{false};
  std::atomic<int> ok_after_restart{0};
  std::atomic<bool> restarted{false};
  std::vector<std::string> rotated_tokens;  // handed out and then used
  std::mutex rotated_mu;
  std::vector<std::thread> threads;
  auto timed = [&](const std::string& step, const std::set<long>& allowed, auto&& call) {
    auto t0 = SteadyClock::now();
    HttpResponse r = call();
    tally.add(step, r, SteadyClock::now() - t0, allowed);
    if (restarted && (r.status == 200 || r.status == 302 || r.status == 303)) ++ok_after_restart;
    return r;
  };
  for (size_t i = 0; i < chains.size(); ++i) {
    threads.emplace_back([&, i] {
      while (!stop) {
        HttpResponse r =
            timed("refresh", {200, 503}, [&] { return refresh(base, app, chains[i]); });
        if (r.status == 200) {
          std::lock_guard lock(rotated_mu);
          rotated_tokens.push_back(chains[i]);
          chains[i] = json_string(r, "refresh_token");
          ++rotations[i];
        }
        std::this_thread::sleep_for(milliseconds(r.status == 200 ? 20 : 100));
      }
    });
  }
  threads.emplace_back([&] {  // code flow with the session of user 0, consent remembered
    while (!stop) {
      AuthorizeRequest req = request_for(app);
      HttpResponse a = timed("authorize", {302, 303, 503},
                             [&] { return open_authorize(*browsers[0], base, req); });
      std::string code = code_in(a);
      if (is_redirect(a) && code.empty()) tally.problem("authorize redirected without a code");
      // A code answered 503 at /token stays redeemable: retried until it works.
      while (!code.empty() && !stop) {
        HttpResponse t = timed("exchange", {200, 503},
                               [&] { return exchange(base, app, code, req.code_verifier); });
        if (t.status != 503) break;
        std::this_thread::sleep_for(milliseconds(100));
      }
      std::this_thread::sleep_for(milliseconds(is_redirect(a) ? 20 : 100));
    }
  });
  threads.emplace_back([&] {
    while (!stop) {
      HttpResponse r = timed("client_credentials", {200, 503}, [&] {
        return post_as(base, "/token", machine,
                       {{"grant_type", "client_credentials"}, {"scope", "read:accounts"}});
      });
      if (r.status == 503 && json_string(r, "error") != "temporarily_unavailable") {
        tally.problem("503 from /token without temporarily_unavailable: " + r.body);
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
  });
  threads.emplace_back([&] {  // logins of user 1 in fresh browsers
    while (!stop) {
      HttpClient b;
      HttpResponse page = timed("login_page", {200, 503},
                                [&] { return open_authorize(b, base, request_for(app)); });
      if (page.status == 200 && is_login_page(page)) {
        HttpResponse r =
            timed("login", {303, 503}, [&] { return submit_login(b, base, page, users[1]); });
        if (r.status == 503 && r.body.find("Temporarily unavailable") == std::string::npos) {
          tally.problem("503 login without the unavailable page: " + r.body.substr(0, 300));
        }
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
  });

  std::this_thread::sleep_for(milliseconds(800));
  ASSERT_TRUE(cluster->stop()) << cluster->log_tail();
  std::this_thread::sleep_for(seconds(3));
  EXPECT_TRUE(s.process->alive()) << s.process->log_tail();
  ASSERT_TRUE(cluster->start()) << cluster->log_tail();
  restarted = true;
  // Signet recovers by itself: every kind of request succeeds again.
  auto deadline = SteadyClock::now() + seconds(20);
  while (SteadyClock::now() < deadline && ok_after_restart < 40) {
    std::this_thread::sleep_for(milliseconds(100));
  }
  std::this_thread::sleep_for(milliseconds(500));
  stop = true;
  for (auto& t : threads) t.join();

  const std::string summary = tally.summary();
  const auto problems = tally.problems();
  std::string listed;
  for (size_t i = 0; i < problems.size() && i < 10; ++i) listed += "  " + problems[i] + "\n";
  EXPECT_TRUE(problems.empty()) << problems.size() << " bad answers, the first:\n"
                                << listed << "by step and status:\n"
                                << summary;
  EXPECT_GT(tally.count("refresh", 503) + tally.count("exchange", 503), 0)
      << "the outage was never seen: " << summary;
  EXPECT_GE(ok_after_restart.load(), 40) << "no recovery after PostgreSQL came back:\n"
                                         << summary << s.process->log_tail();
  EXPECT_TRUE(s.process->alive()) << s.process->log_tail();

  // Nothing lost, nothing duplicated.
  EXPECT_EQ(joined(half_written(db)), "");
  for (size_t i = 0; i < chains.size(); ++i) {  // one successor per rotation seen, no more
    auto row = db.query("SELECT count(*), count(used_at) FROM refresh_tokens WHERE family_id = $1",
                        {families[i]});
    EXPECT_EQ(row.at(0).at(0), std::to_string(rotations[i] + 1)) << "chain " << i;
    EXPECT_EQ(row.at(0).at(1), std::to_string(rotations[i])) << "chain " << i;
  }
  for (const std::string& rt : chains) {  // the last token of every chain is usable once
    HttpResponse r = refresh(base, app, rt);
    EXPECT_EQ(r.status, 200) << r.body;
  }
  for (const Grant& g : codes_before) {  // every code from before: redeemable exactly once
    HttpResponse first = exchange(base, app, g.code, g.verifier);
    EXPECT_EQ(first.status, 200) << first.body;
    HttpResponse again = exchange(base, app, g.code, g.verifier);
    EXPECT_EQ(again.status, 400) << again.body;
    EXPECT_EQ(json_string(again, "error"), "invalid_grant") << again.body;
  }
  {  // a rotated token is spent: presenting one is reuse (RFC 9700 §4.14.2)
    std::lock_guard lock(rotated_mu);
    ASSERT_FALSE(rotated_tokens.empty()) << summary;
    HttpResponse reuse = refresh(base, app, rotated_tokens.front());
    EXPECT_EQ(reuse.status, 400) << reuse.body;
  }
  // Consents from before are remembered: a fresh login goes straight to the code.
  for (size_t i = 1; i < users.size(); ++i) {
    HttpClient fresh;
    AuthorizeRequest req = request_for(app);
    HttpResponse page = open_authorize(fresh, base, req);
    ASSERT_TRUE(is_login_page(page)) << page.status << page.body.substr(0, 500);
    HttpResponse in = submit_login(fresh, base, page, users[i]);
    ASSERT_TRUE(is_redirect(in)) << in.status;
    HttpResponse back = fresh.get(on(base, in.location()));
    EXPECT_FALSE(code_in(back).empty())
        << "consent asked again after the outage: " << back.status << back.body.substr(0, 300);
  }
  s.process->stop();  // before its database goes
}

// ---------------------------------------------------------------------------
// b. SIGKILL in the middle of flows, then a restart on the same port and database.

TEST_F(FaultsTest, SigkillMidFlowsAndRestartKeepsEveryStage) {
  Server& signet = w().signet;
  const std::string base = signet.base_url;
  Client app = w().add_client(w().unique("FinanceApp"), {kRedirect}, kScope, false,
                              {"authorization_code", "refresh_token"});
  User logged_in = w().add_user(w().unique("kill-logged-in"), kPassword);
  User at_consent = w().add_user(w().unique("kill-at-consent"), kPassword);
  User with_code = w().add_user(w().unique("kill-with-code"), kPassword);
  User with_tokens = w().add_user(w().unique("kill-with-tokens"), kPassword);

  // Stage 1: signed in (session cookie), the consent page not yet asked for.
  HttpClient b1;
  AuthorizeRequest r1 = request_for(app);
  HttpResponse login_page = open_authorize(b1, base, r1);
  ASSERT_TRUE(is_login_page(login_page)) << login_page.body.substr(0, 500);
  HttpResponse signed_in = submit_login(b1, base, login_page, logged_in);
  ASSERT_EQ(signed_in.status, 303) << signed_in.body.substr(0, 500);
  // Stage 2: the consent page shown.
  HttpClient b2;
  AuthorizeRequest r2 = request_for(app);
  HttpResponse p2 = open_authorize(b2, base, r2);
  p2 = submit_login(b2, base, p2, at_consent);
  HttpResponse consent_page = b2.get(on(base, p2.location()));
  ASSERT_TRUE(is_consent_page(consent_page)) << consent_page.body.substr(0, 500);
  // Stage 3: a code issued, not redeemed.
  HttpClient b3;
  Grant code3 = code_from(b3, base, app, with_code);
  ASSERT_FALSE(code3.code.empty());
  // Stage 4: tokens and a refresh token handed out.
  HttpClient b4;
  Grant code4 = code_from(b4, base, app, with_tokens);
  HttpResponse t4 = exchange(base, app, code4.code, code4.verifier);
  ASSERT_EQ(t4.status, 200) << t4.body;
  const std::string at4 = json_string(t4, "access_token");
  const std::string rt4 = json_string(t4, "refresh_token");
  ASSERT_EQ(w().bank_get("/accounts", at4).status, 200);

  kill_hard(signet);
  std::string why;
  ASSERT_TRUE(start_signet_on(w(), signet, signet.port, {}, &why)) << why;
  ASSERT_EQ(signet.base_url, base);

  // 1: the session still works: consent, not a new login.
  HttpResponse resumed = b1.get(on(base, signed_in.location()));
  ASSERT_TRUE(is_consent_page(resumed)) << "session lost: " << resumed.body.substr(0, 500);
  HttpResponse c1 = submit_consent(b1, base, resumed);
  EXPECT_EQ(exchange(base, app, code_in(c1), r1.code_verifier).status, 200) << c1.location();
  // 2: the consent form shown before the kill still submits.
  HttpResponse c2 = submit_consent(b2, base, consent_page);
  ASSERT_FALSE(code_in(c2).empty()) << c2.status << c2.body.substr(0, 500);
  EXPECT_EQ(exchange(base, app, code_in(c2), r2.code_verifier).status, 200);
  // 3: the code is redeemable, once.
  EXPECT_EQ(exchange(base, app, code3.code, code3.verifier).status, 200);
  EXPECT_EQ(exchange(base, app, code3.code, code3.verifier).status, 400);
  // 4: the refresh token rotates; access tokens from before still pass bank-api.
  HttpResponse rot = refresh(base, app, rt4);
  ASSERT_EQ(rot.status, 200) << rot.body;
  EXPECT_EQ(w().bank_get("/accounts", at4).status, 200);
  EXPECT_EQ(w().bank_get("/accounts", json_string(rot, "access_token")).status, 200);

  // Now SIGKILL while a burst is in flight: code exchanges, refreshes and logins.
  struct Item {
    std::string kind;  // "code", "refresh", "login"
    Grant grant;
    std::string refresh_token;
    std::unique_ptr<HttpClient> browser;
    HttpResponse page;
    HttpResponse answer;
  };
  User burst_user = w().add_user(w().unique("kill-burst"), kPassword);
  std::vector<Item> items;
  HttpClient burst_browser;
  for (int i = 0; i < 6; ++i) {
    Item code_item{"code", code_from(burst_browser, base, app, burst_user), "", nullptr, {}, {}};
    ASSERT_FALSE(code_item.grant.code.empty());
    Item refresh_item{"refresh", {}, "", nullptr, {}, {}};
    Grant g = code_from(burst_browser, base, app, burst_user);
    refresh_item.refresh_token =
        json_string(exchange(base, app, g.code, g.verifier), "refresh_token");
    ASSERT_FALSE(refresh_item.refresh_token.empty());
    items.push_back(std::move(code_item));
    items.push_back(std::move(refresh_item));
  }
  for (int i = 0; i < 24; ++i) {
    Item login_item{"login", {}, "", std::make_unique<HttpClient>(), {}, {}};
    login_item.page = open_authorize(*login_item.browser, base, request_for(app));
    ASSERT_TRUE(is_login_page(login_item.page));
    items.push_back(std::move(login_item));
  }
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (auto& item : items) {
    threads.emplace_back([&, it = &item] {
      ++ready;
      while (!go) std::this_thread::yield();
      if (it->kind == "code") {
        it->answer = exchange(base, app, it->grant.code, it->grant.verifier);
      } else if (it->kind == "refresh") {
        it->answer = refresh(base, app, it->refresh_token);
      } else {
        it->answer = submit_login(*it->browser, base, it->page, burst_user);
      }
    });
  }
  while (ready < static_cast<int>(items.size())) std::this_thread::yield();
  go = true;
  std::this_thread::sleep_for(milliseconds(30));
  kill_hard(signet);
  for (auto& t : threads) t.join();
  int unanswered = 0;
  for (const auto& item : items) unanswered += item.answer.status == 0;
  ASSERT_TRUE(start_signet_on(w(), signet, signet.port, {}, &why)) << why;

  // Nothing half-written, and every request behaves as the database says.
  EXPECT_EQ(joined(half_written(*w().db)), "");
  EXPECT_GT(unanswered, 0) << "the kill came after the burst: nothing was in flight";
  for (auto& item : items) {
    const bool answered = item.answer.status != 0;
    if (item.kind == "code") {
      auto used = w().db->query(
          "SELECT used_at IS NOT NULL FROM authorization_codes WHERE code_digest = $1",
          {digest_b64url(item.grant.code)});
      ASSERT_EQ(used.size(), 1u);
      if (answered) {
        EXPECT_EQ(item.answer.status, 200) << item.answer.body;
        EXPECT_EQ(used[0][0], "t") << "a code answered 200 is not marked used";
      }
      // Redeemed once at most: again is invalid_grant if it was, else it works now.
      HttpResponse again = exchange(base, app, item.grant.code, item.grant.verifier);
      EXPECT_EQ(again.status, used[0][0] == "t" ? 400 : 200) << again.body;
    } else if (item.kind == "refresh") {
      auto used = w().db->query(
          "SELECT used_at IS NOT NULL FROM refresh_tokens "
          "WHERE token_digest = $1",
          {digest_b64url(item.refresh_token)});
      ASSERT_EQ(used.size(), 1u);
      if (answered) {
        ASSERT_EQ(item.answer.status, 200) << item.answer.body;
        EXPECT_EQ(used[0][0], "t");
        // The successor the client received works after the restart.
        EXPECT_EQ(refresh(base, app, json_string(item.answer, "refresh_token")).status, 200);
      } else if (used[0][0] == "f") {
        EXPECT_EQ(refresh(base, app, item.refresh_token).status, 200)
            << "an unrotated refresh token must still work";
      }
    } else {
      if (answered) {
        EXPECT_EQ(item.answer.status, 303) << item.answer.body.substr(0, 300);
      }
      // Signing in again works either way.
      HttpResponse page = open_authorize(*item.browser, base, request_for(app));
      if (is_login_page(page)) {
        EXPECT_EQ(submit_login(*item.browser, base, page, burst_user).status, 303);
      } else {
        EXPECT_TRUE(is_redirect(page)) << page.status;
      }
    }
  }
  EXPECT_EQ(joined(half_written(*w().db)), "");
}

// ---------------------------------------------------------------------------
// c. SIGTERM drains the requests in flight, then the process exits 0.

TEST_F(FaultsTest, SigtermAnswersEveryRequestInFlightThenExitsZero) {
  // One CPU: 20 logins (Argon2id, ~60 ms each) take over a second whatever the machine.
  // A generous grace: on a loaded CI runner the low-priority login pool may crawl.
  Server& s = extra_signet();
  std::string why;
  ASSERT_TRUE(
      start_signet_on(w(), s, 0, {{{"SIGNET_SHUTDOWN_GRACE_SECONDS", "60"}}, "", true}, &why))
      << why;
  Client app = w().add_client(w().unique("FinanceApp"), {kRedirect}, kScope, false,
                              {"authorization_code", "refresh_token"});
  User u = w().add_user(w().unique("drain-user"), kPassword);
  constexpr int kLogins = 20;
  std::vector<std::unique_ptr<HttpClient>> browsers;
  std::vector<HttpResponse> pages(kLogins), answers(kLogins);
  for (int i = 0; i < kLogins; ++i) {
    browsers.push_back(std::make_unique<HttpClient>());
    browsers.back()->timeout_ms = 70000;
    pages[i] = open_authorize(*browsers.back(), s.base_url, request_for(app));
    ASSERT_TRUE(is_login_page(pages[i])) << pages[i].body.substr(0, 300);
  }
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kLogins; ++i) {
    threads.emplace_back([&, i] {
      ++ready;
      while (!go) std::this_thread::yield();
      answers[i] = submit_login(*browsers[i], s.base_url, pages[i], u);
    });
  }
  while (ready < kLogins) std::this_thread::yield();
  go = true;
  std::this_thread::sleep_for(milliseconds(150));
  const auto term_at = SteadyClock::now();
  s.process->signal(SIGTERM);
  // Draining is not refusing: a request arriving meanwhile is still answered.
  std::this_thread::sleep_for(milliseconds(100));
  HttpClient late;
  HttpResponse during = late.get(s.base_url + "/jwks");
  for (auto& t : threads) t.join();
  auto status = wait_for_exit(*s.process, seconds(70));
  const auto exit_after = SteadyClock::now() - term_at;

  int complete = 0;
  for (int i = 0; i < kLogins; ++i) {
    const HttpResponse& a = answers[i];
    const std::string session = browsers[i]->cookie("signet_session");
    bool ok = a.status == 303 && a.location().find("/authorize?") != std::string::npos &&
              !session.empty() &&
              w().db->query("SELECT 1 FROM sessions WHERE id_digest = $1", {digest_b64url(session)})
                      .size() == 1;
    complete += ok;
    EXPECT_TRUE(ok) << "login " << i << ": " << a.status << " " << a.error << " "
                    << a.body.substr(0, 200);
  }
  EXPECT_EQ(complete, kLogins);
  EXPECT_EQ(during.status, 200) << during.error;
  ASSERT_TRUE(status.has_value()) << "still running 70 s after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "wait status " << *status;
  EXPECT_LT(exit_after, seconds(60)) << "the drain ran out of its grace";
  const std::string log = s.process->log();
  EXPECT_NE(log.find("\"event\":\"draining\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"drained\":true"), std::string::npos) << log;
  // After the drain the port is closed: refused at connect.
  HttpClient after;
  HttpResponse refused = after.get(s.base_url + "/healthz");
  EXPECT_EQ(refused.status, 0);
  EXPECT_NE(refused.error.find("connect"), std::string::npos) << refused.error;
}

// ---------------------------------------------------------------------------
// d. Two signet processes on one database: each step of one flow on the other one.

TEST_F(FaultsTest, TwoProcessesServeOneFlowInTurns) {
  Server& a_server = w().signet;
  Server& b_server = extra_signet();
  std::string why;
  // One issuer for both, as behind a load balancer.
  ASSERT_TRUE(
      start_signet_on(w(), b_server, 0, {{{"SIGNET_ISSUER", a_server.base_url}}, "", false}, &why))
      << why;
  const std::string A = a_server.base_url;
  const std::string B = b_server.base_url;
  Client app = w().add_client(w().unique("FinanceApp"), {kRedirect}, kScope, false,
                              {"authorization_code", "refresh_token"});
  Client rs = w().add_resource_server(w().unique("ResourceServer"));
  User u = w().add_user(w().unique("replica-user"), kPassword);
  HttpClient browser;  // cookies are per host, not per port: both processes see them

  AuthorizeRequest req = request_for(app);
  HttpResponse login_page = open_authorize(browser, A, req);  // /authorize on A
  ASSERT_TRUE(is_login_page(login_page)) << login_page.body.substr(0, 300);
  HttpResponse signed_in = submit_login(browser, B, login_page, u);  // login on B
  ASSERT_EQ(signed_in.status, 303) << signed_in.body.substr(0, 300);
  HttpResponse consent_page = browser.get(on(B, signed_in.location()));  // consent page on B
  ASSERT_TRUE(is_consent_page(consent_page)) << consent_page.body.substr(0, 300);
  HttpResponse consented = submit_consent(browser, A, consent_page);  // consent on A
  const std::string code = code_in(consented);
  ASSERT_FALSE(code.empty()) << consented.status << consented.body.substr(0, 300);
  EXPECT_EQ(query_params(consented.location())["iss"], A);

  HttpResponse tokens = exchange(B, app, code, req.code_verifier);  // /token on B
  ASSERT_EQ(tokens.status, 200) << tokens.body;
  const std::string id_token = json_string(tokens, "id_token");
  ASSERT_FALSE(id_token.empty()) << tokens.body;
  EXPECT_EQ(jwt_claims(id_token)["sub"], u.subject);
  EXPECT_EQ(jwt_claims(json_string(tokens, "access_token"))["iss"], A);
  EXPECT_EQ(w().bank_get("/accounts", json_string(tokens, "access_token")).status, 200);

  HttpResponse refreshed = refresh(A, app, json_string(tokens, "refresh_token"));  // refresh on A
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  const std::string at2 = json_string(refreshed, "access_token");
  const std::string rt2 = json_string(refreshed, "refresh_token");
  EXPECT_EQ(w().bank_get("/accounts", at2).status, 200);

  HttpClient api;
  HttpResponse info = api.get(B + "/userinfo", {{"Authorization", "Bearer " + at2}});  // on B
  ASSERT_EQ(info.status, 200) << info.body;
  EXPECT_EQ(info.json()["sub"], u.subject);

  HttpResponse intro = post_as(A, "/introspect", rs, {{"token", at2}});  // introspect on A
  ASSERT_EQ(intro.status, 200) << intro.body;
  EXPECT_EQ(intro.json()["active"], true) << intro.body;
  EXPECT_EQ(intro.json()["sub"], u.subject) << intro.body;
  HttpResponse own = post_as(A, "/introspect", app, {{"token", rt2}});
  EXPECT_EQ(own.json()["active"], true) << own.body;

  HttpResponse revoked = post_as(B, "/revoke", app, {{"token", rt2}});  // revoke on B
  EXPECT_EQ(revoked.status, 200) << revoked.body;
  {
    // A holds rt2 in its introspection cache; the revocation reaches it through
    // NOTIFY (sql/0009) within moments, long before the cache's 30 s would.
    auto deadline = SteadyClock::now() + seconds(3);
    bool active = true;
    do {
      active = post_as(A, "/introspect", app, {{"token", rt2}}).json()["active"] == true;
      if (!active) break;
      std::this_thread::sleep_for(milliseconds(20));
    } while (SteadyClock::now() < deadline);
    EXPECT_FALSE(active) << "revoked on B, still active at A's introspection";
  }
  EXPECT_EQ(refresh(A, app, rt2).status, 400) << "revoked on B, still usable on A";

  HttpResponse apps = browser.get(A + "/account/apps");  // connected apps on A
  EXPECT_EQ(apps.status, 200);
  EXPECT_NE(apps.body.find(app.client_id), std::string::npos) << apps.body.substr(0, 800);

  // A client change made elsewhere reaches both processes at once (LISTEN/NOTIFY):
  // both have the client cached now; its rotated secret is the only one accepted.
  auto rotated = w().cli({"client", "rotate-secret", app.client_id});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.out << rotated.err;
  Client renewed = app;
  renewed.client_secret = nlohmann::json::parse(rotated.out).at("client_secret").get<std::string>();
  for (const std::string& base : {A, B}) {
    auto deadline = SteadyClock::now() + seconds(5);
    HttpResponse old_secret;
    do {  // NOTIFY is asynchronous: give it a moment, never more than a few seconds
      old_secret = post_as(base, "/revoke", app, {{"token", "x"}});
      if (old_secret.status == 401) break;
      std::this_thread::sleep_for(milliseconds(50));
    } while (SteadyClock::now() < deadline);
    EXPECT_EQ(old_secret.status, 401) << base << " still accepts the old secret";
    EXPECT_EQ(post_as(base, "/revoke", renewed, {{"token", "x"}}).status, 200) << base;
  }
  // The code was redeemed on B: on A it is a replay (which revokes what it issued).
  EXPECT_EQ(exchange(A, renewed, code, req.code_verifier).status, 400);
  EXPECT_EQ(joined(half_written(*w().db)), "");
}

}  // namespace
}  // namespace signet::it
