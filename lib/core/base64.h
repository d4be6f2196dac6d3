// Base64 with the standard alphabet (RFC 4648), for the values Kubernetes and OpenSSH store
// that way (Secret data, host keys). Pure; safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace gitopsd::core {

// Decodes text into out, padding optional; false on any character outside the alphabet or data
// after padding (out then holds a prefix).
bool base64Decode(std::string_view text, std::string& out);
std::string base64Encode(std::string_view data);

}  // namespace gitopsd::core
