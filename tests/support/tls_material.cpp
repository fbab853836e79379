#include "support/tls_material.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace trader::testing {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
struct CertificateFree {
  void operator()(X509* certificate) const noexcept { X509_free(certificate); }
};
struct BioFree {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Certificate = std::unique_ptr<X509, CertificateFree>;
using Bio = std::unique_ptr<BIO, BioFree>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("OpenSSL: ") + what + " failed");
}

Key new_key() {
  Key key(EVP_EC_gen("P-256"));
  check(key != nullptr, "EVP_EC_gen");
  return key;
}

bool is_ip_address(const std::string& name) {
  // a2i_IPADDRESS accepts exactly the IPv4 and IPv6 literals OpenSSL can put into a SAN.
  ASN1_OCTET_STRING* parsed = a2i_IPADDRESS(name.c_str());
  ASN1_OCTET_STRING_free(parsed);
  return parsed != nullptr;
}

void add_extension(X509* certificate, X509V3_CTX& context, int nid, const std::string& value) {
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  check(extension != nullptr, "X509V3_EXT_conf_nid");
  const int added = X509_add_ext(certificate, extension, -1);
  X509_EXTENSION_free(extension);
  check(added == 1, "X509_add_ext");
}

// The fields every certificate here shares; the caller adds extensions and signs.
Certificate new_certificate(EVP_PKEY* subject_key, const std::string& common_name) {
  Certificate certificate(X509_new());
  check(certificate != nullptr, "X509_new");
  check(X509_set_version(certificate.get(), 2) == 1, "X509_set_version");  // v3
  unsigned char serial[8];
  check(RAND_bytes(serial, sizeof serial) == 1, "RAND_bytes");
  serial[0] &= 0x7f;  // a positive serial number
  BIGNUM* number = BN_bin2bn(serial, sizeof serial, nullptr);
  check(number != nullptr && BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate.get())),
        "serial number");
  BN_free(number);
  check(X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -3600) != nullptr, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 24 * 3600) != nullptr, "notAfter");
  check(X509_set_pubkey(certificate.get(), subject_key) == 1, "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(certificate.get());
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                   -1, 0) == 1,
        "subject name");
  return certificate;
}

std::string to_pem(X509* certificate) {
  Bio bio(BIO_new(BIO_s_mem()));
  check(bio != nullptr && PEM_write_bio_X509(bio.get(), certificate) == 1, "PEM_write_bio_X509");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string to_pem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  check(bio != nullptr &&
            PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

struct TestCertificateAuthority::Impl {
  Key key;
  Certificate certificate;
  std::string pem;
};

TestCertificateAuthority::TestCertificateAuthority(const std::string& common_name)
    : impl_(std::make_unique<Impl>()) {
  impl_->key = new_key();
  impl_->certificate = new_certificate(impl_->key.get(), common_name);
  X509* const ca = impl_->certificate.get();
  check(X509_set_issuer_name(ca, X509_get_subject_name(ca)) == 1, "X509_set_issuer_name");
  X509V3_CTX context;
  X509V3_set_ctx(&context, ca, ca, nullptr, nullptr, 0);
  add_extension(ca, context, NID_basic_constraints, "critical,CA:TRUE");
  add_extension(ca, context, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(ca, context, NID_subject_key_identifier, "hash");
  check(X509_sign(ca, impl_->key.get(), EVP_sha256()) > 0, "X509_sign");
  impl_->pem = to_pem(ca);
}

TestCertificateAuthority::~TestCertificateAuthority() = default;
TestCertificateAuthority::TestCertificateAuthority(TestCertificateAuthority&&) noexcept = default;
TestCertificateAuthority& TestCertificateAuthority::operator=(TestCertificateAuthority&&) noexcept =
    default;

const std::string& TestCertificateAuthority::certificate_pem() const noexcept { return impl_->pem; }

TlsIdentity TestCertificateAuthority::issue(const std::vector<std::string>& names) const {
  if (names.empty()) throw std::invalid_argument("a server certificate needs a name");
  const Key key = new_key();
  const Certificate certificate = new_certificate(key.get(), names.front());
  X509* const server = certificate.get();
  check(X509_set_issuer_name(server, X509_get_subject_name(impl_->certificate.get())) == 1,
        "X509_set_issuer_name");
  std::string alternative_names;
  for (const std::string& name : names) {
    if (!alternative_names.empty()) alternative_names += ',';
    alternative_names += (is_ip_address(name) ? "IP:" : "DNS:") + name;
  }
  X509V3_CTX context;
  X509V3_set_ctx(&context, impl_->certificate.get(), server, nullptr, nullptr, 0);
  add_extension(server, context, NID_basic_constraints, "critical,CA:FALSE");
  add_extension(server, context, NID_key_usage, "critical,digitalSignature");
  add_extension(server, context, NID_ext_key_usage, "serverAuth");
  add_extension(server, context, NID_subject_alt_name, alternative_names);
  add_extension(server, context, NID_subject_key_identifier, "hash");
  add_extension(server, context, NID_authority_key_identifier, "keyid:always");
  check(X509_sign(server, impl_->key.get(), EVP_sha256()) > 0, "X509_sign");
  return TlsIdentity{to_pem(server), to_pem(key.get())};
}

}  // namespace trader::testing
