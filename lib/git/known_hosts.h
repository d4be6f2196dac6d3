// OpenSSH known_hosts files: parsing and checking a server's host key against them, for the
// SSH certificate_check of Mirror. Pure (readKnownHostsFile aside); safe from any thread.
//
// Supported: plain host patterns ("host", "[host]:port", comma-separated lists, negation with
// '!', wildcards '*' and '?'), hashed entries ("|1|salt|hash", HMAC-SHA1 as ssh-keygen -H
// writes them), the "@revoked" marker. "@cert-authority" lines are ignored (no certificates).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace gitopsd::git {

struct KnownHostEntry {
  std::vector<std::string> patterns;  // as written; one "|1|..." element for a hashed entry
  std::string key_type;               // "ssh-ed25519", "ssh-rsa", ...
  std::string key;                    // the decoded key blob (SSH wire format)
  bool revoked = false;
  int line = 0;
};

// Parses a known_hosts text; comment, blank, @cert-authority and malformed lines are skipped.
std::vector<KnownHostEntry> parseKnownHosts(std::string_view text);

// Reads and parses a file; kNotFound when it cannot be read.
core::Result<std::vector<KnownHostEntry>> readKnownHostsFile(const std::string& path);

enum class HostKeyCheck {
  kMatch,     // an entry for the host has this key
  kMismatch,  // entries for the host exist, none with this key (or the key is revoked)
  kUnknown,   // no entry names the host
};

// Checks key (the raw blob) for host:port. The name looked up is "host" for port 22 and
// "[host]:port" otherwise, as OpenSSH writes them.
HostKeyCheck checkHostKey(const std::vector<KnownHostEntry>& entries, std::string_view host,
                          int port, std::string_view key);

}  // namespace gitopsd::git
