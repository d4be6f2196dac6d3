// Credentials for Git repositories, matched to a repository URL by the longest URL prefix (as
// Argo CD's repository credential templates). Plain values; CredentialStore is immutable after
// building and safe to read from any number of threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gitopsd::git {

struct RepoCredentials {
  // Matched against repository URLs after normalizeUrl(url, /*keep_user=*/false) on both sides
  // (case-insensitive scheme and host, no user or password, no trailing slash); must end at a path
  // boundary of the URL ("https://h/org" matches "https://h/org/app.git", not
  // "https://h/organisation/app.git").
  std::string url_prefix;
  // HTTP(S) basic auth; a token goes into password (with any non-empty username). For SSH,
  // username overrides the user in the URL (default "git").
  std::string username;
  std::string password;
  // SSH: private key file (OpenSSH or PEM), its passphrase if any.
  std::string ssh_private_key_file;
  std::string ssh_passphrase;
  // SSH: known_hosts file checked strictly. Empty: ~/.ssh/known_hosts as libgit2 checks it.
  std::string known_hosts_file;
  // HTTPS: PEM file of CA certificates trusted for these repositories (besides the system ones).
  std::string ca_file;
  // SSH: accept any host key. For tests and throwaway setups only; logged as a warning.
  bool insecure_skip_host_key_check = false;

  // The secrets (password, passphrase) that must never appear in a message; empty ones left out.
  std::vector<std::string> secrets() const;
};

class CredentialStore {
 public:
  CredentialStore() = default;
  explicit CredentialStore(std::vector<RepoCredentials> entries);

  // Adds an entry; an entry with the same normalised prefix replaces the earlier one.
  void add(RepoCredentials entry);

  // The entry with the longest matching prefix, or nullopt when none matches.
  std::optional<RepoCredentials> find(std::string_view repo_url) const;

  const std::vector<RepoCredentials>& entries() const { return entries_; }

 private:
  std::vector<RepoCredentials> entries_;
};

// True when the normalised prefix (user dropped) is a prefix of the normalised url, ending at a
// boundary ('/',
// ':' or the end of the URL, or the prefix itself ends with '/' or ':').
bool urlHasPrefix(std::string_view url, std::string_view prefix);

}  // namespace gitopsd::git
