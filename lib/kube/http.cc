#include "kube/http.h"

#include <curl/curl.h>

#include <array>
#include <cctype>
#include <fstream>
#include <mutex>
#include <sstream>

#include "core/clock.h"
#include "core/metrics.h"
#include "kube/api_error.h"

namespace gitopsd::kube {
namespace {

using core::Result;
using core::Status;
using core::StatusCode;

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, SlistDeleter>;

struct ShareDeleter {
  void operator()(CURLSH* share) const { curl_share_cleanup(share); }
};

void initCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Result<std::string> readFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::invalidError(std::string(what) + " " + path + " cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "https://host:port" → {host, port}; host keeps IPv6 brackets.
std::pair<std::string, std::string> hostAndPort(const std::string& server) {
  std::string rest = server;
  const auto scheme_end = rest.find("://");
  const bool tls = rest.rfind("https", 0) == 0;
  if (scheme_end != std::string::npos) rest = rest.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find('/'));
  const auto bracket = rest.rfind(']');
  const auto colon = rest.rfind(':');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    return {rest.substr(0, colon), rest.substr(colon + 1)};
  }
  return {rest, tls ? "443" : "80"};
}

std::string describeTlsFailure(std::string_view detail) {
  auto has = [detail](std::string_view word) {
    return detail.find(word) != std::string_view::npos;
  };
  if (has("expired")) return "the server certificate has expired or is not yet valid";
  if (has("subject name") || has("does not match") || has("hostname")) {
    return "the server certificate does not match the server name";
  }
  if (has("issuer") || has("self-signed") || has("self signed") || has("unknown ca")) {
    return "the server certificate is signed by an unknown certificate authority";
  }
  return "the server certificate could not be verified";
}

// Counts and times one completed exchange (see http.h); code 0 stands for a transport failure.
void recordRequest(const HttpRequest& request, long code, bool streaming,
                   std::chrono::steady_clock::duration took) {
  static core::CounterFamily& requests = core::defaultMetrics().counter(
      "gitopsd_kube_requests_total",
      "Requests to Kubernetes API servers, by verb and HTTP status code (error: no answer).",
      {"verb", "code"});
  static core::HistogramFamily& durations = core::defaultMetrics().histogram(
      "gitopsd_kube_request_duration_seconds",
      "Duration of Kubernetes API requests other than watches, by verb.", {"verb"});
  std::string verb = request.verb;
  if (verb.empty()) {
    verb = request.method;
    for (char& c : verb) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  requests.labels({verb, code == 0 ? std::string("error") : std::to_string(code)}).inc();
  if (!streaming) {
    durations.labels({verb}).observe(std::chrono::duration<double>(took).count());
  }
}

}  // namespace

struct HttpTransport::Impl {
  ClusterConfig config;
  CredentialProvider& credentials;
  std::string ca_pem;           // from ca_data or ca_file, loaded once
  std::string client_cert_pem;  // from the kubeconfig (exec plugins give theirs per request)
  std::string client_key_pem;
  std::string url_base;   // scheme://host:port as requests address it
  HeaderList connect_to;  // CURLOPT_CONNECT_TO entry when tls-server-name is set

  std::unique_ptr<CURLSH, ShareDeleter> share;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> share_locks;

  std::mutex pool_mutex;
  std::vector<CurlHandle> idle;

  Impl(const ClusterConfig& c, CredentialProvider& creds) : config(c), credentials(creds) {}

  CurlHandle borrow() {
    {
      std::lock_guard lock(pool_mutex);
      if (!idle.empty()) {
        CurlHandle handle = std::move(idle.back());
        idle.pop_back();
        curl_easy_reset(handle.get());
        return handle;
      }
    }
    return CurlHandle(curl_easy_init());
  }

  void giveBack(CurlHandle handle) {
    std::lock_guard lock(pool_mutex);
    if (idle.size() < 64) idle.push_back(std::move(handle));
  }

  struct Transfer {
    std::array<char, CURL_ERROR_SIZE> error{};
    std::string body;
    std::string retry_after;
    const std::function<bool(std::string_view)>* on_data = nullptr;
    std::stop_token stop;
    CURL* handle = nullptr;
    bool data_started = false;
    long http_version = 0;
  };

  static size_t onWrite(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const size_t bytes = size * count;
    const std::string_view chunk(data, bytes);
    if (transfer->on_data == nullptr) {
      transfer->body.append(chunk);
      return bytes;
    }
    long status = 0;
    curl_easy_getinfo(transfer->handle, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
      transfer->body.append(chunk);
      return bytes;
    }
    transfer->data_started = true;
    return (*transfer->on_data)(chunk) ? bytes : 0;
  }

  static size_t onHeader(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const size_t bytes = size * count;
    std::string_view line(data, bytes);
    constexpr std::string_view kRetryAfter = "retry-after:";
    if (line.size() > kRetryAfter.size()) {
      std::string lower(line.substr(0, kRetryAfter.size()));
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == kRetryAfter) {
        line.remove_prefix(kRetryAfter.size());
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
        transfer->retry_after = std::string(line);
      }
    }
    return bytes;
  }

  static int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* transfer = static_cast<Transfer*>(user);
    return transfer->stop.stop_requested() ? 1 : 0;
  }

  static void lockShare(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Impl*>(user)->share_locks[static_cast<size_t>(data)].lock();
  }
  static void unlockShare(CURL*, curl_lock_data data, void* user) {
    static_cast<Impl*>(user)->share_locks[static_cast<size_t>(data)].unlock();
  }

  Status setUp() {
    initCurlOnce();
    if (!config.tls.ca_data.empty()) {
      ca_pem = config.tls.ca_data;
    } else if (!config.tls.ca_file.empty()) {
      auto pem = readFile(config.tls.ca_file, "certificate-authority file");
      if (!pem.ok()) return pem.status().withContext(config.origin);
      ca_pem = std::move(pem).value();
    }
    if (!config.tls.client_cert_data.empty()) {
      client_cert_pem = config.tls.client_cert_data;
    } else if (!config.tls.client_cert_file.empty()) {
      auto pem = readFile(config.tls.client_cert_file, "client-certificate file");
      if (!pem.ok()) return pem.status().withContext(config.origin);
      client_cert_pem = std::move(pem).value();
    }
    if (!config.tls.client_key_data.empty()) {
      client_key_pem = config.tls.client_key_data;
    } else if (!config.tls.client_key_file.empty()) {
      auto pem = readFile(config.tls.client_key_file, "client-key file");
      if (!pem.ok()) return pem.status().withContext(config.origin);
      client_key_pem = std::move(pem).value();
    }
    if (config.server.rfind("https://", 0) != 0 && config.server.rfind("http://", 0) != 0) {
      return core::invalidError(config.origin + ": server \"" + config.server +
                                "\" must start with https:// or http://");
    }
    url_base = config.server;
    if (!config.tls.server_name.empty()) {
      // Address the server by the name its certificate must carry (so curl checks it and
      // sends it as SNI) while connecting to the configured host.
      const auto [host, port] = hostAndPort(config.server);
      url_base = "https://" + config.tls.server_name + ":" + port;
      const std::string entry = config.tls.server_name + ":" + port + ":" + host + ":" + port;
      connect_to.reset(curl_slist_append(nullptr, entry.c_str()));
    }
    share.reset(curl_share_init());
    curl_share_setopt(share.get(), CURLSHOPT_LOCKFUNC, &Impl::lockShare);
    curl_share_setopt(share.get(), CURLSHOPT_UNLOCKFUNC, &Impl::unlockShare);
    curl_share_setopt(share.get(), CURLSHOPT_USERDATA, this);
    curl_share_setopt(share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    return {};
  }

  static void setBlob(CURL* handle, CURLoption option, const std::string& pem) {
    curl_blob blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(handle, option, &blob);
  }

  // Sets every option for one transfer; the returned header list must live until it ends.
  HeaderList configure(CURL* handle, const HttpRequest& request, Transfer& transfer, bool streaming,
                       const Credentials& creds) {
    curl_easy_setopt(handle, CURLOPT_SHARE, share.get());
    const std::string url = url_base + request.path;
    curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, transfer.error.data());
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, 10'000L);
    curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(handle, CURLOPT_TCP_KEEPIDLE, 30L);
    curl_easy_setopt(handle, CURLOPT_TCP_KEEPINTVL, 10L);
    curl_easy_setopt(handle, CURLOPT_ACCEPT_ENCODING, "");
    const auto timeout = request.timeout.count() > 0 ? request.timeout : config.request_timeout;
    if (!streaming || request.timeout.count() > 0) {
      curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    }
    if (connect_to) curl_easy_setopt(handle, CURLOPT_CONNECT_TO, connect_to.get());
    if (!ca_pem.empty()) setBlob(handle, CURLOPT_CAINFO_BLOB, ca_pem);
    if (config.tls.insecure_skip_verify) {
      curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    const std::string& cert =
        creds.client_cert_pem.empty() ? client_cert_pem : creds.client_cert_pem;
    const std::string& key = creds.client_key_pem.empty() ? client_key_pem : creds.client_key_pem;
    if (!cert.empty()) {
      setBlob(handle, CURLOPT_SSLCERT_BLOB, cert);
      curl_easy_setopt(handle, CURLOPT_SSLCERTTYPE, "PEM");
    }
    if (!key.empty()) {
      setBlob(handle, CURLOPT_SSLKEY_BLOB, key);
      curl_easy_setopt(handle, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (!config.proxy_url.empty())
      curl_easy_setopt(handle, CURLOPT_PROXY, config.proxy_url.c_str());
    if (!config.username.empty()) {
      curl_easy_setopt(handle, CURLOPT_USERNAME, config.username.c_str());
      curl_easy_setopt(handle, CURLOPT_PASSWORD, config.password.c_str());
    }

    curl_slist* headers = nullptr;
    auto add = [&headers](const std::string& line) {
      curl_slist* grown = curl_slist_append(headers, line.c_str());
      if (grown != nullptr) headers = grown;
    };
    if (!creds.bearer_token.empty()) add("Authorization: Bearer " + creds.bearer_token);
    bool has_accept = false;
    for (const auto& [name, value] : request.headers) {
      add(name + ": " + value);
      if (name == "Accept") has_accept = true;
    }
    if (!has_accept) add("Accept: application/json");
    add("User-Agent: gitopsd");
    HeaderList list(headers);
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, list.get());

    if (request.method == "GET") {
      curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      if (!request.body.empty() || request.method != "DELETE") {
        curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
      }
    }
    transfer.handle = handle;
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &Impl::onWrite);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, &Impl::onHeader);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
    if (streaming) {
      curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, &Impl::onProgress);
      curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &transfer);
    }
    return list;
  }

  Status transportError(CURLcode code, const Transfer& transfer, const HttpRequest& request) const {
    const std::string detail = transfer.error[0] != '\0' ? std::string(transfer.error.data())
                                                         : std::string(curl_easy_strerror(code));
    const std::string what = request.method + " " + config.server + request.path;
    switch (code) {
      case CURLE_ABORTED_BY_CALLBACK:
        return {StatusCode::kCancelled, what + ": cancelled"};
      case CURLE_OPERATION_TIMEDOUT:
        return {StatusCode::kTimeout, what + ": " + detail};
      case CURLE_PEER_FAILED_VERIFICATION:
        return core::invalidError(what + ": TLS verification failed: " +
                                  describeTlsFailure(detail) + " (" + detail + ")");
      case CURLE_SSL_CACERT_BADFILE:
        return core::invalidError(what + ": the certificate-authority data cannot be used (" +
                                  detail + ")");
      case CURLE_SSL_CERTPROBLEM:
        return core::invalidError(what + ": the client certificate or key cannot be used (" +
                                  detail + ")");
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_URL_MALFORMAT:
        return core::invalidError(what + ": " + detail);
      default:
        return core::unavailableError(what + ": " + detail);
    }
  }

  // One attempt; fills transfer. Returns the HTTP status or a transport failure.
  Result<long> perform(const HttpRequest& request, Transfer& transfer, bool streaming) {
    auto creds = credentials.current();
    if (!creds.ok()) return creds.status().withContext(config.origin);
    CurlHandle handle = borrow();
    if (!handle) return core::internalError("curl_easy_init failed");
    const HeaderList headers = configure(handle.get(), request, transfer, streaming, *creds);
    // The real clock: the duration only feeds a metric, no decision depends on it.
    const auto started = core::SystemClock::instance().now();
    const CURLcode code = curl_easy_perform(handle.get());
    const auto took = core::SystemClock::instance().now() - started;
    long status = 0;
    curl_easy_getinfo(handle.get(), CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(handle.get(), CURLINFO_HTTP_VERSION, &transfer.http_version);
    // A stream the caller ended (on_data returned false) reports a write error: not a failure.
    const bool ended_by_caller = code == CURLE_WRITE_ERROR && transfer.data_started;
    const bool failed = code != CURLE_OK && !ended_by_caller;
    const bool cancelled_after_headers = code == CURLE_ABORTED_BY_CALLBACK && status != 0;
    recordRequest(request, failed && !cancelled_after_headers ? 0 : status, streaming, took);
    if (failed) {
      // The handle is dropped, closing its connection: after a timeout or a reset the
      // connection may be stalled or half-dead, and an HTTP/2 connection would otherwise be
      // kept for the next request.
      return transportError(code, transfer, request);
    }
    giveBack(std::move(handle));
    return status;
  }
};

HttpTransport::HttpTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpTransport::~HttpTransport() = default;

Result<std::unique_ptr<HttpTransport>> HttpTransport::create(const ClusterConfig& config,
                                                             CredentialProvider& credentials) {
  auto impl = std::make_unique<Impl>(config, credentials);
  if (Status status = impl->setUp(); !status.ok()) return status;
  return std::unique_ptr<HttpTransport>(new HttpTransport(std::move(impl)));
}

Result<HttpResponse> HttpTransport::send(const HttpRequest& request) {
  for (int attempt = 0;; ++attempt) {
    Impl::Transfer transfer;
    auto status = impl_->perform(request, transfer, /*streaming=*/false);
    if (!status.ok()) return status.status();
    if (*status == 401 && attempt == 0) {
      impl_->credentials.invalidate();
      continue;
    }
    HttpResponse response;
    response.status = *status;
    response.body = std::move(transfer.body);
    response.retry_after = std::move(transfer.retry_after);
    response.http_version = transfer.http_version == CURL_HTTP_VERSION_2_0 ? "2" : "1.1";
    return response;
  }
}

Result<long> HttpTransport::stream(const HttpRequest& request,
                                   const std::function<bool(std::string_view)>& on_data,
                                   std::stop_token stop, std::string* error_body) {
  for (int attempt = 0;; ++attempt) {
    Impl::Transfer transfer;
    transfer.on_data = &on_data;
    transfer.stop = stop;
    auto status = impl_->perform(request, transfer, /*streaming=*/true);
    if (!status.ok()) return status.status();
    if (*status == 401 && attempt == 0) {
      impl_->credentials.invalidate();
      continue;
    }
    if ((*status < 200 || *status > 299) && error_body != nullptr) {
      *error_body = std::move(transfer.body);
    }
    return *status;
  }
}

}  // namespace gitopsd::kube
