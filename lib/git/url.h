// Repository URLs: parsing, normalising (for credential matching and mirror folder names) and
// redaction (so no password or token reaches a log line or an error message). Pure functions,
// safe from any thread.
//
// Accepted forms: "scheme://[user[:password]@]host[:port]/path" (http, https, ssh, git, file)
// and the scp-like "user@host:path" (treated as ssh, port 22).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gitopsd::git {

struct ParsedUrl {
  std::string scheme;  // lower case; "ssh" for the scp-like form
  std::string user;    // empty when absent
  std::string password;
  std::string host;  // lower case, without IPv6 brackets
  int port = 0;      // the explicit port, or the scheme's default (22, 80, 443, 9418), 0 if none
  std::string path;  // everything after the authority, as written ("/org/repo.git")
  bool scp_like = false;
};

// Splits url into its parts; nullopt when it is neither form (e.g. a bare word).
std::optional<ParsedUrl> parseUrl(std::string_view url);

// Lower-case scheme and host, no password (and no user unless keep_user), no trailing slashes.
// Used to compare URLs: two URLs that normalise to the same string name the same repository.
// Unparseable input is returned with trailing slashes removed.
std::string normalizeUrl(std::string_view url, bool keep_user = true);

// Whether a and b name the same repository, for matching a notification (a webhook payload's
// URLs) to the repositories applications use, where a false match costs one extra refresh and a
// missed one a stale application. Compared: the host (case-insensitive) and the path without
// leading and trailing slashes and without a trailing ".git" (case-insensitive, as GitHub,
// GitLab and Bitbucket treat owner and repository names). Ignored: user and password, and the
// scheme ("git@h:o/r", "ssh://git@h/o/r.git", "http://h/o/r" and "https://H/o/r/" are the same
// repository; one server often serves a repository over SSH and HTTPS under one path). Ports
// count only between URLs of the same transport (http/https, ssh/scp-like, git, file), with a
// scheme's default port the same as none: "https://h:3000/r" differs from "http://h:3001/r" but
// matches "ssh://git@h:2222/r". False when either URL does not parse or has an empty path. Not
// for choosing credentials.
bool sameRepository(std::string_view a, std::string_view b);

// url with any password removed ("https://user:secret@h/x" → "https://user@h/x").
std::string redactUrl(std::string_view url);

// text with the password of every "scheme://user:password@" occurrence removed; for messages
// from libgit2 or servers that may quote a URL.
std::string redactUrlsInText(std::string_view text);

// The folder name of the mirror of url: 32 hex digits of the SHA-256 of normalizeUrl(url),
// plus ".git". Stable across runs and versions.
std::string mirrorDirName(std::string_view url);

}  // namespace gitopsd::git
