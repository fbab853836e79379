#pragma once
// TLS keys and certificates made at test time with OpenSSL (nothing secret is committed): a test
// CA that issues server certificates for given host names or IP addresses.

#include <memory>
#include <string>
#include <vector>

namespace trader::testing {

// A certificate and its private key, both PEM.
struct TlsIdentity {
  std::string certificate_pem;
  std::string private_key_pem;
};

class TestCertificateAuthority {
 public:
  // A fresh P-256 key and a self-signed CA certificate named `common_name`, valid from an hour
  // ago for a day (so a test machine's clock skew does not matter).
  explicit TestCertificateAuthority(const std::string& common_name);
  ~TestCertificateAuthority();
  TestCertificateAuthority(TestCertificateAuthority&&) noexcept;
  TestCertificateAuthority& operator=(TestCertificateAuthority&&) noexcept;

  [[nodiscard]] const std::string& certificate_pem() const noexcept;

  // A server certificate signed by this CA whose subjectAltName lists `names`: IP addresses
  // as iPAddress entries ("127.0.0.1"), anything else as dNSName ("localhost").
  [[nodiscard]] TlsIdentity issue(const std::vector<std::string>& names) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trader::testing
