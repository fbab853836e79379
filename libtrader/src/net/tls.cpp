#include "net/tls.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <trader/net/http_client.hpp>

namespace trader::net::detail {

boost::asio::ssl::context client_context(const std::string& ca_file, const std::string& who) {
  boost::asio::ssl::context tls(boost::asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  tls.set_default_verify_paths(ec);  // an empty system store only means fewer trusted CAs
  if (!ca_file.empty()) {
    tls.load_verify_file(ca_file, ec);
    if (ec) {
      throw TlsSetupError(who + ": cannot load the CA file " + ca_file + ": " + ec.message());
    }
  }
  tls.set_verify_mode(boost::asio::ssl::verify_peer);
  return tls;
}

void prepare_connection(SSL* handle, const Endpoint& endpoint) {
  X509_VERIFY_PARAM* const verify = SSL_get0_param(handle);
  if (endpoint.host_is_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(verify, endpoint.host.c_str());
  } else {
    SSL_set_tlsext_host_name(handle, endpoint.host.c_str());
    X509_VERIFY_PARAM_set_hostflags(verify, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    X509_VERIFY_PARAM_set1_host(verify, endpoint.host.c_str(), 0);
  }
}

std::string refused_certificate(SSL* handle) {
  const long verified = SSL_get_verify_result(handle);
  if (verified == X509_V_OK) return {};
  return X509_verify_cert_error_string(verified);
}

}  // namespace trader::net::detail
