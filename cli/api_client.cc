#include "cli/api_client.h"

#include <curl/curl.h>

#include <array>
#include <cctype>
#include <fstream>
#include <mutex>

#include "core/version.h"

namespace gitopsd::cli {
namespace {

using core::Result;
using core::Status;
using core::StatusCode;

constexpr std::size_t kMaxBody = 256u << 20;  // far above any answer gitopsd gives

bool allDigits(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}

std::string trimmed(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

// The first `limit` bytes of `body` on one line, for messages.
std::string snippet(std::string_view body, std::size_t limit = 200) {
  std::string out;
  for (const char c : body.substr(0, limit)) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (body.size() > limit) out += "...";
  return trimmed(out);
}

std::string durationText(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

void initCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

std::size_t onWrite(char* data, std::size_t size, std::size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  const std::size_t bytes = size * count;
  if (body->size() + bytes > kMaxBody) return 0;  // ends the transfer with CURLE_WRITE_ERROR
  body->append(data, bytes);
  return bytes;
}

}  // namespace

Result<std::string> serverBaseUrl(const ApiClientOptions& options) {
  const std::string server = trimmed(options.server);
  if (server.empty()) {
    return core::invalidError("the gitopsd server address is empty (--server HOST:PORT)");
  }
  std::string scheme;
  std::string rest = server;
  if (const auto sep = server.find("://"); sep != std::string::npos) {
    scheme = server.substr(0, sep);
    for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme != "http" && scheme != "https") {
      return core::invalidError("server \"" + server + "\": the scheme must be http or https");
    }
    rest = server.substr(sep + 3);
  } else {
    scheme = (options.insecure || !options.ca_file.empty()) ? "https" : "http";
  }
  std::string authority = rest.substr(0, rest.find('/'));
  std::string prefix = rest.size() > authority.size() ? rest.substr(authority.size()) : "";
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (prefix.find_first_of("?#") != std::string::npos) {
    return core::invalidError("server \"" + server + "\": a query or fragment is not allowed");
  }
  if (authority.find('@') != std::string::npos) {
    return core::invalidError("server \"" + server +
                              "\": user information is not allowed (use --token)");
  }
  std::string host = authority;
  std::string port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) {
      return core::invalidError("server \"" + server + "\": unclosed '[' in the host");
    }
    host = authority.substr(0, close + 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return core::invalidError("server \"" + server + "\": expected ':PORT' after the host");
      }
      port = after.substr(1);
    }
  } else if (const auto colon = authority.find(':'); colon != std::string::npos) {
    if (authority.find(':', colon + 1) != std::string::npos) {
      return core::invalidError("server \"" + server +
                                "\": write an IPv6 address in brackets, e.g. [::1]:8080");
    }
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty() || host == "[]") {
    return core::invalidError("server \"" + server + "\": no host (expected HOST:PORT or a URL)");
  }
  if (authority.back() == ':' ||
      (!port.empty() &&
       (!allDigits(port) || port.size() > 5 || std::stoi(port) < 1 || std::stoi(port) > 65535))) {
    return core::invalidError("server \"" + server + "\": the port must be 1-65535");
  }
  if (scheme == "http" && !options.ca_file.empty()) {
    return core::invalidError("--ca-file is for an https server, but the server is " + server);
  }
  if (scheme == "http" && options.insecure) {
    return core::invalidError("--insecure is for an https server, but the server is " + server);
  }
  return scheme + "://" + authority + prefix;
}

Status apiErrorStatus(std::string_view method, std::string_view path, long http_status,
                      std::string_view body, bool token_given) {
  std::string message;
  try {
    const auto parsed = nlohmann::json::parse(body);
    const auto error = parsed.find("error");
    if (error != parsed.end() && error->is_object()) {
      const auto text = error->find("message");
      if (text != error->end() && text->is_string()) message = text->get<std::string>();
    }
  } catch (const nlohmann::json::exception&) {
    // Not the API's error shape (a proxy's page, say): described below.
  }
  if (message.empty()) {
    message = "HTTP " + std::to_string(http_status) + " from gitopsd for " + std::string(method) +
              " " + std::string(path);
    if (const std::string start = snippet(body); !start.empty()) message += ": " + start;
  }
  if (http_status == 401) {
    message += token_given
                   ? "; the token was refused: it is not in gitopsd's listen.tokensFile (pass "
                     "another with --token or $GITOPSD_TOKEN)"
                   : "; gitopsd requires a token: pass --token TOKEN or set $GITOPSD_TOKEN (one "
                     "of the TOKEN,NAME,ROLE lines of its listen.tokensFile)";
  } else if (http_status == 403 &&
             (method == "GET" || message.find("admin") == std::string::npos)) {
    // gitopsd's own message names the role (...needs an admin token); said once is enough.
    message += "; " + std::string(method) + " " + std::string(path) + " needs a token with the " +
               (method == "GET" ? "readonly or admin" : "admin") + " role";
  }
  return {core::statusCodeForHttp(http_status), message};
}

std::string escapePathSegment(std::string_view segment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : segment) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

struct ApiClient::Impl {
  ApiClientOptions options;
  std::string base_url;
  std::unique_ptr<CURL, CurlDeleter> handle;

  Status transportError(CURLcode code, const std::array<char, CURL_ERROR_SIZE>& error,
                        std::string_view method, std::string_view path) const {
    const std::string detail =
        error[0] != '\0' ? trimmed(error.data()) : std::string(curl_easy_strerror(code));
    const bool https = base_url.rfind("https://", 0) == 0;
    switch (code) {
      case CURLE_COULDNT_CONNECT:
        return core::unavailableError("cannot connect to gitopsd at " + base_url + " (" + detail +
                                      "); is it running and listening there? Pass --server "
                                      "HOST:PORT or set $GITOPSD_SERVER");
      case CURLE_COULDNT_RESOLVE_HOST:
        return core::unavailableError("cannot resolve the host of " + base_url + " (" + detail +
                                      "); check --server or $GITOPSD_SERVER");
      case CURLE_OPERATION_TIMEDOUT:
        return {StatusCode::kTimeout, "no answer from gitopsd at " + base_url + " to " +
                                          std::string(method) + " " + std::string(path) +
                                          " within " + durationText(options.request_timeout) +
                                          " (--request-timeout)"};
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_CERTPROBLEM:
        return core::invalidError("cannot verify the TLS certificate of gitopsd at " + base_url +
                                  " (" + detail +
                                  "); pass --ca-file FILE with its CA, or --insecure to skip "
                                  "the check");
      case CURLE_SSL_CONNECT_ERROR:
        return core::unavailableError("TLS handshake with " + base_url + " failed (" + detail +
                                      "); if gitopsd serves plain HTTP, use --server "
                                      "http://HOST:PORT");
      case CURLE_GOT_NOTHING:
      case CURLE_RECV_ERROR:
      case CURLE_WEIRD_SERVER_REPLY:
        return core::unavailableError(
            "no HTTP answer from " + base_url + " to " + std::string(method) + " " +
            std::string(path) + " (" + detail + ")" +
            (https ? std::string()
                   : "; if gitopsd serves HTTPS (listen.tls), use --server https://HOST:PORT"));
      case CURLE_WRITE_ERROR:
        return core::unavailableError("the answer of " + base_url + " to " + std::string(method) +
                                      " " + std::string(path) + " is over " +
                                      std::to_string(kMaxBody >> 20) + " MiB");
      default:
        return core::unavailableError(std::string(method) + " " + base_url + std::string(path) +
                                      ": " + detail);
    }
  }
};

ApiClient::ApiClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiClient::~ApiClient() = default;

Result<std::unique_ptr<ApiClient>> ApiClient::create(ApiClientOptions options) {
  auto base = serverBaseUrl(options);
  if (!base.ok()) return base.status();
  if (!options.ca_file.empty() && !std::ifstream(options.ca_file).good()) {
    return core::invalidError("--ca-file " + options.ca_file + " cannot be read");
  }
  initCurlOnce();
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->base_url = std::move(*base);
  impl->handle.reset(curl_easy_init());
  if (!impl->handle) return core::internalError("curl_easy_init failed");
  return std::unique_ptr<ApiClient>(new ApiClient(std::move(impl)));
}

const std::string& ApiClient::baseUrl() const { return impl_->base_url; }

Result<nlohmann::json> ApiClient::get(std::string_view path) { return send("GET", path, nullptr); }

Result<nlohmann::json> ApiClient::post(std::string_view path, const nlohmann::json& body) {
  const std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return send("POST", path, &text);
}

Result<nlohmann::json> ApiClient::del(std::string_view path) {
  return send("DELETE", path, nullptr);
}

Result<nlohmann::json> ApiClient::send(std::string_view method, std::string_view path,
                                       const std::string* body) {
  CURL* handle = impl_->handle.get();
  // Options start from their defaults, and go back to them when this call returns (they point
  // at this call's buffers); the connection (and TLS session) stays for the next call.
  curl_easy_reset(handle);
  struct ResetOnExit {
    CURL* handle;
    ~ResetOnExit() { curl_easy_reset(handle); }
  } reset_on_exit{handle};
  const std::string url = impl_->base_url + std::string(path);
  std::array<char, CURL_ERROR_SIZE> error{};
  std::string response;
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error.data());
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_ACCEPT_ENCODING, "");
  const auto timeout = impl_->options.request_timeout;
  if (timeout.count() > 0) {
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  }
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(
                       timeout.count() > 0 && timeout.count() < 10'000 ? timeout.count() : 10'000));
  if (impl_->options.insecure) {
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!impl_->options.ca_file.empty()) {
    curl_easy_setopt(handle, CURLOPT_CAINFO, impl_->options.ca_file.c_str());
  }

  curl_slist* headers = nullptr;
  const auto add = [&headers](const std::string& line) {
    if (curl_slist* grown = curl_slist_append(headers, line.c_str())) headers = grown;
  };
  add("Accept: application/json");
  add(std::string("User-Agent: gitopsctl/") + core::kVersion);
  if (!impl_->options.token.empty()) add("Authorization: Bearer " + impl_->options.token);
  if (body != nullptr) add("Content-Type: application/json");
  const std::unique_ptr<curl_slist, SlistDeleter> header_list(headers);
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, header_list.get());

  const std::string method_text(method);  // lives until the transfer ends
  if (method == "GET") {
    curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, method_text.c_str());
    if (body != nullptr) {
      curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body->data());
      curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    }
  }
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &onWrite);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &response);
  if (const CURLcode code = curl_easy_perform(handle); code != CURLE_OK) {
    return impl_->transportError(code, error, method, path);
  }
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) {
    return apiErrorStatus(method, path, status, response, !impl_->options.token.empty());
  }
  if (trimmed(response).empty()) return nlohmann::json::object();
  try {
    return nlohmann::json::parse(response);
  } catch (const nlohmann::json::exception& e) {
    return core::invalidError("gitopsd at " + impl_->base_url + " answered " + std::string(method) +
                              " " + std::string(path) + " with invalid JSON (" + e.what() +
                              "): " + snippet(response));
  }
}

}  // namespace gitopsd::cli
