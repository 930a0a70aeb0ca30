// Small helpers shared by the admin command files (internal to signet_cli).
#pragma once

#include <algorithm>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "protocol/error.h"

namespace signet::cli::util {

constexpr int kUsage = 2;
constexpr int kFailure = 1;

inline std::string one_line(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

inline int error(std::ostream& err, int code, const std::string& message) {
  err << "error: " << one_line(message) << '\n';
  return code;
}

inline int store_error(std::ostream& err, const protocol::OAuthError& e) {
  if (e.detail.find("SQLSTATE 42P01") != std::string::npos ||
      e.detail.find("SQLSTATE 42703") != std::string::npos) {
    return error(err, kFailure, "the database schema is missing; run `signet migrate` first");
  }
  if (e.status >= 500) return error(err, kFailure, e.description + " (" + one_line(e.detail) + ")");
  return error(err, kFailure, e.description);
}

inline bool missing_db(const std::string& db_url, std::ostream& err) {
  if (!db_url.empty()) return false;
  error(err, kUsage, "no database: set SIGNET_DATABASE_URL");
  return true;
}

// "--opt value", "--opt=value" and flags.
class Args {
 public:
  explicit Args(const std::vector<std::string>& args) : args_(args) {}
  bool done() const { return i_ >= args_.size(); }
  const std::string& peek() const { return args_[i_]; }
  bool option(const std::string& name, std::string& value, std::string& problem) {
    const std::string& a = args_[i_];
    if (a == name) {
      if (i_ + 1 >= args_.size()) {
        problem = "missing value for " + name;
        ++i_;
        return true;
      }
      value = args_[i_ + 1];
      i_ += 2;
      return true;
    }
    if (a.rfind(name + "=", 0) == 0) {
      value = a.substr(name.size() + 1);
      ++i_;
      return true;
    }
    return false;
  }
  bool flag(const std::string& name) {
    if (args_[i_] == name) {
      ++i_;
      return true;
    }
    return false;
  }
  std::string next() { return args_[i_++]; }

 private:
  const std::vector<std::string>& args_;
  size_t i_ = 0;
};

inline std::vector<std::string> split_spaces(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) {
    if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
  }
  return out;
}

inline std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

inline bool has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

inline bool valid_scope_token(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return c > 0x20 && c < 0x7f && c != '"' && c != '\\';
  });
}

}  // namespace signet::cli::util
