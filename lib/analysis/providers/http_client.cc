#include "analysis/providers/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <mutex>

namespace gitopsd::analysis {
namespace {

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, SlistDeleter>;

void initCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t onWrite(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

}  // namespace

struct HttpClient::Impl {
  std::mutex mutex;
  std::vector<CurlHandle> idle;

  CurlHandle borrow() {
    {
      std::lock_guard lock(mutex);
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
    std::lock_guard lock(mutex);
    if (idle.size() < 32) idle.push_back(std::move(handle));
  }
};

HttpClient::HttpClient() : impl_(std::make_unique<Impl>()) { initCurlOnce(); }
HttpClient::~HttpClient() = default;

core::Result<HttpReply> HttpClient::send(const HttpCall& call) {
  CurlHandle handle = impl_->borrow();
  if (!handle) return core::internalError("curl_easy_init failed");
  CURL* h = handle.get();
  std::array<char, CURL_ERROR_SIZE> error{};
  HttpReply reply;
  curl_easy_setopt(h, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error.data());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(call.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<long long>(call.timeout.count(), 10'000)));
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  if (call.insecure) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!call.username.empty() || !call.password.empty()) {
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(h, CURLOPT_USERNAME, call.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, call.password.c_str());
  }
  curl_slist* headers = nullptr;
  auto add = [&headers](const std::string& line) {
    curl_slist* grown = curl_slist_append(headers, line.c_str());
    if (grown != nullptr) headers = grown;
  };
  bool has_agent = false;
  for (const auto& [name, value] : call.headers) {
    add(name + ": " + value);
    if (curl_strequal(name.c_str(), "User-Agent") != 0) has_agent = true;
  }
  if (!has_agent) add("User-Agent: gitopsd");
  add("Expect:");
  const HeaderList header_list(headers);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
  if (call.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, call.method.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, call.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
  }
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &onWrite);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply.body);

  const CURLcode code = curl_easy_perform(h);
  if (code != CURLE_OK) {
    const std::string detail =
        error[0] != '\0' ? std::string(error.data()) : std::string(curl_easy_strerror(code));
    const std::string what = call.method + " " + call.url + ": ";
    switch (code) {
      case CURLE_OPERATION_TIMEDOUT:
        return core::Status(core::StatusCode::kTimeout, what + "timed out after " +
                                                            std::to_string(call.timeout.count()) +
                                                            " ms (" + detail + ")");
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CACERT_BADFILE:
        return core::invalidError(what + detail);
      default:
        return core::unavailableError(what + detail);
    }
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
  impl_->giveBack(std::move(handle));
  return reply;
}

std::string formEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '.' || u == '_' || u == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

}  // namespace gitopsd::analysis
