#include "git/known_hosts.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cctype>
#include <fstream>
#include <sstream>

#include "core/base64.h"

namespace gitopsd::git {
namespace {

std::vector<std::string_view> splitFields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
    if (pos >= line.size()) break;
    size_t end = pos;
    while (end < line.size() && line[end] != ' ' && line[end] != '\t') ++end;
    out.push_back(line.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

bool wildcardMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool hashedMatch(std::string_view pattern, std::string_view name) {
  // |1|base64(salt)|base64(HMAC-SHA1(salt, name))
  if (pattern.substr(0, 3) != "|1|") return false;
  const std::string_view rest = pattern.substr(3);
  const auto bar = rest.find('|');
  if (bar == std::string_view::npos) return false;
  std::string salt, hash;
  if (!core::base64Decode(rest.substr(0, bar), salt) ||
      !core::base64Decode(rest.substr(bar + 1), hash)) {
    return false;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (HMAC(EVP_sha1(), salt.data(), static_cast<int>(salt.size()),
           reinterpret_cast<const unsigned char*>(name.data()), name.size(), digest.data(),
           &length) == nullptr) {
    return false;
  }
  return std::string_view(reinterpret_cast<const char*>(digest.data()), length) == hash;
}

// True when the entry names host (a negated pattern that matches excludes it).
bool entryNamesHost(const KnownHostEntry& entry, std::string_view name) {
  bool matched = false;
  for (const auto& pattern : entry.patterns) {
    if (pattern.starts_with("|1|")) {
      matched = matched || hashedMatch(pattern, name);
    } else if (pattern.starts_with("!")) {
      if (wildcardMatch(std::string_view(pattern).substr(1), name)) return false;
    } else if (wildcardMatch(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::vector<KnownHostEntry> parseKnownHosts(std::string_view text) {
  std::vector<KnownHostEntry> out;
  int line_number = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    const auto end = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? text.size() + 1 : end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto fields = splitFields(line);
    if (fields.empty() || fields[0].starts_with("#")) continue;
    KnownHostEntry entry;
    entry.line = line_number;
    if (fields[0].starts_with("@")) {
      if (fields[0] != "@revoked") continue;  // @cert-authority and unknown markers
      entry.revoked = true;
      fields.erase(fields.begin());
    }
    if (fields.size() < 3) continue;
    std::string_view patterns = fields[0];
    while (!patterns.empty()) {
      const auto comma = patterns.find(',');
      const auto pattern = patterns.substr(0, comma);
      if (!pattern.empty()) {
        entry.patterns.push_back(pattern.starts_with("|1|") ? std::string(pattern)
                                                            : lower(pattern));
      }
      if (comma == std::string_view::npos) break;
      patterns.remove_prefix(comma + 1);
    }
    entry.key_type = std::string(fields[1]);
    if (!core::base64Decode(fields[2], entry.key) || entry.patterns.empty()) continue;
    out.push_back(std::move(entry));
  }
  return out;
}

core::Result<std::vector<KnownHostEntry>> readKnownHostsFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::notFoundError("cannot read known_hosts file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parseKnownHosts(text.str());
}

HostKeyCheck checkHostKey(const std::vector<KnownHostEntry>& entries, std::string_view host,
                          int port, std::string_view key) {
  const std::string host_lower = lower(host);
  const std::string name =
      port == 22 || port == 0 ? host_lower : "[" + host_lower + "]:" + std::to_string(port);
  bool named = false;
  bool matched = false;
  for (const auto& entry : entries) {
    if (!entryNamesHost(entry, name)) continue;
    if (entry.revoked) {
      if (entry.key == key) return HostKeyCheck::kMismatch;
      continue;
    }
    named = true;
    if (entry.key == key) matched = true;
  }
  if (matched) return HostKeyCheck::kMatch;
  return named ? HostKeyCheck::kMismatch : HostKeyCheck::kUnknown;
}

}  // namespace gitopsd::git
