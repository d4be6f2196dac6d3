#include "git/url.h"

#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace gitopsd::git {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

int defaultPort(std::string_view scheme) {
  if (scheme == "ssh") return 22;
  if (scheme == "http") return 80;
  if (scheme == "https") return 443;
  if (scheme == "git") return 9418;
  return 0;
}

bool validScheme(std::string_view scheme) {
  if (scheme.empty() || std::isalpha(static_cast<unsigned char>(scheme[0])) == 0) return false;
  return std::all_of(scheme.begin(), scheme.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '+' || c == '-' || c == '.';
  });
}

std::string_view trimTrailingSlashes(std::string_view text) {
  while (text.size() > 1 && text.back() == '/') text.remove_suffix(1);
  return text;
}

// What sameRepository compares: transport class, port (0 for the scheme's default), host and
// path.
struct RepositoryIdentity {
  std::string transport;
  int port = 0;
  std::string host;
  std::string path;
};

std::optional<RepositoryIdentity> repositoryIdentity(std::string_view url) {
  const auto parsed = parseUrl(url);
  if (!parsed) return std::nullopt;
  RepositoryIdentity id;
  const std::string& scheme = parsed->scheme;
  if (scheme == "http" || scheme == "https") {
    id.transport = "http";
  } else if (scheme == "ssh" || scheme == "git+ssh" || scheme == "ssh+git") {
    id.transport = "ssh";
  } else {
    id.transport = scheme;
  }
  const int default_port = id.transport == "ssh" ? 22 : defaultPort(scheme);
  id.port = parsed->port == default_port ? 0 : parsed->port;
  id.host = parsed->host;
  std::string_view path = parsed->path;
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.ends_with(".git")) path.remove_suffix(4);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return std::nullopt;
  id.path = lower(path);
  return id;
}

}  // namespace

std::optional<ParsedUrl> parseUrl(std::string_view url) {
  ParsedUrl out;
  const auto scheme_end = url.find("://");
  std::string_view authority;
  if (scheme_end != std::string_view::npos && validScheme(url.substr(0, scheme_end))) {
    out.scheme = lower(url.substr(0, scheme_end));
    std::string_view rest = url.substr(scheme_end + 3);
    const auto path_start = rest.find('/');
    authority = rest.substr(0, path_start);
    out.path = path_start == std::string_view::npos ? "" : std::string(rest.substr(path_start));
  } else {
    // scp-like: [user@]host:path, where host has no '/' before the ':'.
    const auto colon = url.find(':');
    const auto slash = url.find('/');
    if (colon == std::string_view::npos || colon == 0 ||
        (slash != std::string_view::npos && slash < colon)) {
      return std::nullopt;
    }
    out.scheme = "ssh";
    out.scp_like = true;
    authority = url.substr(0, colon);
    out.path = std::string(url.substr(colon + 1));
  }

  std::string_view host_port = authority;
  const auto at = authority.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    host_port = authority.substr(at + 1);
    const auto colon = userinfo.find(':');
    out.user = std::string(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) out.password = std::string(userinfo.substr(colon + 1));
  }

  std::string_view port_text;
  if (!host_port.empty() && host_port.front() == '[') {
    const auto close = host_port.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = lower(host_port.substr(1, close - 1));
    const std::string_view after = host_port.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port_text = after.substr(1);
    }
  } else {
    const auto colon = out.scp_like ? std::string_view::npos : host_port.rfind(':');
    out.host = lower(host_port.substr(0, colon));
    if (colon != std::string_view::npos) port_text = host_port.substr(colon + 1);
  }
  if (out.host.empty() && out.scheme != "file") return std::nullopt;

  out.port = defaultPort(out.scheme);
  if (!port_text.empty()) {
    int port = 0;
    const auto [end, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc() || end != port_text.data() + port_text.size() || port <= 0 ||
        port > 65535) {
      return std::nullopt;
    }
    out.port = port;
  }
  return out;
}

std::string normalizeUrl(std::string_view url, bool keep_user) {
  const auto parsed = parseUrl(url);
  if (!parsed) return std::string(trimTrailingSlashes(url));
  std::string host =
      parsed->host.find(':') != std::string::npos ? "[" + parsed->host + "]" : parsed->host;
  std::string out;
  if (parsed->scp_like) {
    if (keep_user && !parsed->user.empty()) out = parsed->user + "@";
    out += host + ":" + parsed->path;
  } else {
    out = parsed->scheme + "://";
    if (keep_user && !parsed->user.empty()) out += parsed->user + "@";
    out += host;
    // Keep an explicit port as written, even when it is the default one: it is part of the
    // repository's identity as configured.
    const std::string_view rest = url.substr(url.find("://") + 3);
    const std::string_view authority = rest.substr(0, rest.find('/'));
    const auto at = authority.rfind('@');
    const std::string_view host_port =
        at == std::string_view::npos ? authority : authority.substr(at + 1);
    const auto bracket = host_port.rfind(']');
    const auto colon = host_port.rfind(':');
    if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
      out += ":" + std::to_string(parsed->port);
    }
    out += parsed->path;
  }
  return std::string(trimTrailingSlashes(out));
}

bool sameRepository(std::string_view a, std::string_view b) {
  const auto left = repositoryIdentity(a);
  const auto right = repositoryIdentity(b);
  if (!left || !right) return false;
  if (left->host != right->host || left->path != right->path) return false;
  return left->transport != right->transport || left->port == right->port;
}

std::string redactUrl(std::string_view url) { return redactUrlsInText(url); }

std::string redactUrlsInText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const auto marker = text.find("://", pos);
    if (marker == std::string_view::npos) break;
    const size_t authority_start = marker + 3;
    size_t authority_end = authority_start;
    while (authority_end < text.size()) {
      const char c = text[authority_end];
      if (c == '/' || c == ' ' || c == '\'' || c == '"' || c == '\n' || c == '\t' || c == '>' ||
          c == '<') {
        break;
      }
      ++authority_end;
    }
    const std::string_view authority =
        text.substr(authority_start, authority_end - authority_start);
    out.append(text.substr(pos, authority_start - pos));
    const auto at = authority.rfind('@');
    if (at != std::string_view::npos) {
      const std::string_view userinfo = authority.substr(0, at);
      out.append(userinfo.substr(0, userinfo.find(':')));
      out.append(authority.substr(at));
    } else {
      out.append(authority);
    }
    pos = authority_end;
  }
  out.append(text.substr(std::min(pos, text.size())));
  return out;
}

std::string mirrorDirName(std::string_view url) {
  const std::string normal = normalizeUrl(url);
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(normal.data()), normal.size(), digest.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < 16; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out + ".git";
}

}  // namespace gitopsd::git
