#include "git/credentials.h"

#include "git/url.h"

namespace gitopsd::git {

std::vector<std::string> RepoCredentials::secrets() const {
  std::vector<std::string> out;
  if (!password.empty()) out.push_back(password);
  if (!ssh_passphrase.empty()) out.push_back(ssh_passphrase);
  return out;
}

CredentialStore::CredentialStore(std::vector<RepoCredentials> entries) {
  for (auto& entry : entries) add(std::move(entry));
}

void CredentialStore::add(RepoCredentials entry) {
  const std::string key = normalizeUrl(entry.url_prefix, false);
  for (auto& existing : entries_) {
    if (normalizeUrl(existing.url_prefix, false) == key) {
      existing = std::move(entry);
      return;
    }
  }
  entries_.push_back(std::move(entry));
}

std::optional<RepoCredentials> CredentialStore::find(std::string_view repo_url) const {
  const RepoCredentials* best = nullptr;
  size_t best_length = 0;
  for (const auto& entry : entries_) {
    if (!urlHasPrefix(repo_url, entry.url_prefix)) continue;
    const size_t length = normalizeUrl(entry.url_prefix, false).size();
    if (best == nullptr || length > best_length) {
      best = &entry;
      best_length = length;
    }
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

bool urlHasPrefix(std::string_view url, std::string_view prefix) {
  const std::string normal_url = normalizeUrl(url, false);
  const std::string normal_prefix = normalizeUrl(prefix, false);
  if (normal_prefix.empty() || normal_url.compare(0, normal_prefix.size(), normal_prefix) != 0) {
    return false;
  }
  if (normal_url.size() == normal_prefix.size()) return true;
  const char last = normal_prefix.back();
  const char next = normal_url[normal_prefix.size()];
  return last == '/' || last == ':' || next == '/' || next == ':';
}

}  // namespace gitopsd::git
