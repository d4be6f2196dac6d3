// Credentials a request carries, from whatever source the ClusterConfig names: a static token,
// a token file (re-read when its contents change, as service-account tokens rotate), or an
// exec plugin (run on demand, result cached until its expirationTimestamp).
//
// Thread-safe. Errors name the source (file path or plugin command) but never the secret.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "kube/config.h"

namespace gitopsd::kube {

struct Credentials {
  std::string bearer_token;     // empty when none
  std::string client_cert_pem;  // from an exec plugin; empty when none
  std::string client_key_pem;
};

class CredentialProvider {
 public:
  virtual ~CredentialProvider() = default;
  // Current credentials; may run a plugin or read a file.
  virtual core::Result<Credentials> current() = 0;
  // Called after the server answered 401: drop any cached credentials so the next current()
  // fetches fresh ones.
  virtual void invalidate() = 0;
};

// The provider for config's auth settings (token, token_file, exec; or none).
std::unique_ptr<CredentialProvider> makeCredentialProvider(const ClusterConfig& config,
                                                           const core::Clock& clock);

// Limits for the providers; the defaults are the production values, tests shorten them.
struct CredentialOptions {
  std::chrono::milliseconds exec_timeout{60'000};  // an exec plugin is killed after this
  std::chrono::seconds token_file_max_age{60};     // a token file is re-read at least this often
};

// As above with explicit limits. clock must outlive the provider.
std::unique_ptr<CredentialProvider> makeCredentialProvider(const ClusterConfig& config,
                                                           const core::Clock& clock,
                                                           const CredentialOptions& options);

}  // namespace gitopsd::kube
