#include "git/known_hosts.h"

#include <catch2/catch.hpp>

#include "core/base64.h"

using namespace gitopsd::git;
using gitopsd::core::base64Decode;
using gitopsd::core::base64Encode;

namespace {
// Two made-up ed25519 key blobs (the format does not matter to the matcher).
const std::string kKeyA = std::string("\0\0\0\x0bssh-ed25519\0\0\0\x20", 19) + std::string(32, 'a');
const std::string kKeyB = std::string("\0\0\0\x0bssh-ed25519\0\0\0\x20", 19) + std::string(32, 'b');
}  // namespace

TEST_CASE("core base64: round trip and rejection of bad input", "[git]") {
  for (const std::string sample : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    std::string decoded;
    REQUIRE(base64Decode(base64Encode(sample), decoded));
    CHECK(decoded == sample);
  }
  CHECK(base64Encode("foobar") == "Zm9vYmFy");
  std::string out;
  CHECK(base64Decode("Zm9vYg", out));  // padding optional
  CHECK(out == "foob");
  CHECK_FALSE(base64Decode("Zm9v!", out));
  CHECK_FALSE(base64Decode("Zg==Zg", out));
}

TEST_CASE("git known_hosts: parses plain entries, lists, markers and skips junk", "[git]") {
  const std::string text = "# comment\n\n[127.0.0.1]:2222 ssh-ed25519 " + base64Encode(kKeyA) +
                           " host\r\nGitHub.com,140.82.1.1 ssh-ed25519 " + base64Encode(kKeyB) +
                           "\n@cert-authority *.example ssh-ed25519 " + base64Encode(kKeyA) +
                           "\n@revoked bad.example ssh-ed25519 " + base64Encode(kKeyA) +
                           "\nbroken-line-without-key\nx ssh-ed25519 not*base64\n";
  const auto entries = parseKnownHosts(text);
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].patterns == std::vector<std::string>{"[127.0.0.1]:2222"});
  CHECK(entries[0].key == kKeyA);
  CHECK(entries[0].line == 3);
  CHECK(entries[1].patterns == std::vector<std::string>{"github.com", "140.82.1.1"});
  CHECK(entries[2].revoked);
}

TEST_CASE("git known_hosts: match, changed key and unknown host", "[git]") {
  const auto entries = parseKnownHosts("[127.0.0.1]:2222 ssh-ed25519 " + base64Encode(kKeyA) +
                                       "\ngithub.com ssh-ed25519 " + base64Encode(kKeyB) + "\n");
  CHECK(checkHostKey(entries, "127.0.0.1", 2222, kKeyA) == HostKeyCheck::kMatch);
  CHECK(checkHostKey(entries, "127.0.0.1", 2222, kKeyB) == HostKeyCheck::kMismatch);
  CHECK(checkHostKey(entries, "127.0.0.1", 22, kKeyA) == HostKeyCheck::kUnknown);
  CHECK(checkHostKey(entries, "127.0.0.1", 2223, kKeyA) == HostKeyCheck::kUnknown);
  CHECK(checkHostKey(entries, "GitHub.com", 22, kKeyB) == HostKeyCheck::kMatch);
  CHECK(checkHostKey(entries, "github.com", 22, kKeyA) == HostKeyCheck::kMismatch);
  CHECK(checkHostKey({}, "github.com", 22, kKeyA) == HostKeyCheck::kUnknown);
}

TEST_CASE("git known_hosts: a second key for a host is accepted, a revoked one refused", "[git]") {
  const auto entries = parseKnownHosts(
      "h.example ssh-ed25519 " + base64Encode(kKeyA) + "\nh.example ssh-ed25519 " +
      base64Encode(kKeyB) + "\n@revoked h.example ssh-ed25519 " + base64Encode(kKeyB) + "\n");
  CHECK(checkHostKey(entries, "h.example", 22, kKeyA) == HostKeyCheck::kMatch);
  CHECK(checkHostKey(entries, "h.example", 22, kKeyB) == HostKeyCheck::kMismatch);
}

TEST_CASE("git known_hosts: wildcards and negation", "[git]") {
  const auto entries =
      parseKnownHosts("*.example.com,!evil.example.com ssh-ed25519 " + base64Encode(kKeyA) + "\n");
  CHECK(checkHostKey(entries, "git.example.com", 22, kKeyA) == HostKeyCheck::kMatch);
  CHECK(checkHostKey(entries, "evil.example.com", 22, kKeyA) == HostKeyCheck::kUnknown);
  CHECK(checkHostKey(entries, "example.org", 22, kKeyA) == HostKeyCheck::kUnknown);
}

TEST_CASE("git known_hosts: hashed entries as ssh-keygen -H writes them", "[git]") {
  // Salt and HMAC-SHA1("[127.0.0.1]:2222") computed with OpenSSL for this test.
  const std::string salt = "MDEyMzQ1Njc4OWFiY2RlZmdoaWo=";  // "0123456789abcdefghij"
  const std::string hash = "kjl9J932vxVxCmU2IfKMefPFSKM=";
  const auto entries =
      parseKnownHosts("|1|" + salt + "|" + hash + " ssh-ed25519 " + base64Encode(kKeyA) + "\n");
  REQUIRE(entries.size() == 1);
  CHECK(checkHostKey(entries, "127.0.0.1", 2222, kKeyA) == HostKeyCheck::kMatch);
  CHECK(checkHostKey(entries, "127.0.0.1", 2222, kKeyB) == HostKeyCheck::kMismatch);
  CHECK(checkHostKey(entries, "127.0.0.1", 22, kKeyA) == HostKeyCheck::kUnknown);
}
