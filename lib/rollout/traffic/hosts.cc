#include "rollout/traffic/hosts.h"

#include <cctype>
#include <vector>

namespace gitopsd::rollout {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::vector<std::string> labels(const std::string& host) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto dot = host.find('.', start);
    parts.push_back(host.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) {
      return parts;
    }
    start = dot + 1;
  }
}

}  // namespace

HostIdentity resolveHost(std::string_view host, std::string_view context_namespace) {
  HostIdentity id;
  const std::string text = lower(host);
  const auto parts = labels(text);
  const bool empty_label = [&] {
    for (const auto& part : parts) {
      if (part.empty()) {
        return true;
      }
    }
    return false;
  }();
  if (!empty_label && text.find('*') == std::string::npos) {
    if (parts.size() == 1) {
      return {true, parts[0], lower(context_namespace), ""};
    }
    if (parts.size() == 2 || parts[2] == "svc") {
      return {true, parts[0], parts[1], ""};
    }
  }
  id.literal = text;
  return id;
}

bool sameHost(std::string_view host_a, std::string_view namespace_a, std::string_view host_b,
              std::string_view namespace_b) {
  return resolveHost(host_a, namespace_a) == resolveHost(host_b, namespace_b);
}

}  // namespace gitopsd::rollout
