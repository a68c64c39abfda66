#include "common/x509.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <memory>

namespace spur {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

Result<Key> NewKey() {
  Key key(::EVP_EC_gen("P-256"));
  if (!key) return Internal("cannot make a P-256 key");
  return key;
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

Result<PemPair> ToPem(X509* cert, EVP_PKEY* key) {
  Bio c(::BIO_new(::BIO_s_mem())), k(::BIO_new(::BIO_s_mem()));
  if (!c || !k || ::PEM_write_bio_X509(c.get(), cert) != 1 ||
      ::PEM_write_bio_PrivateKey(k.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Internal("cannot write a certificate as PEM");
  }
  return PemPair{BioText(c.get()), BioText(k.get())};
}

// A new certificate for `key`: random 128-bit serial, valid from a minute ago
// (clock skew) for `days`, subject CN=`cn`.
Result<Cert> NewCert(EVP_PKEY* key, const std::string& cn, int days) {
  Cert cert(::X509_new());
  unsigned char serial[16];
  if (!cert || ::RAND_bytes(serial, sizeof serial) != 1) return Internal("cannot make a cert");
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = ::BN_bin2bn(serial, sizeof serial, nullptr);
  const bool ok =
      bn != nullptr && ::X509_set_version(cert.get(), 2) == 1 &&
      ::BN_to_ASN1_INTEGER(bn, ::X509_get_serialNumber(cert.get())) != nullptr &&
      ::X509_gmtime_adj(::X509_getm_notBefore(cert.get()), -60) != nullptr &&
      ::X509_gmtime_adj(::X509_getm_notAfter(cert.get()), int64_t{days} * 86400) != nullptr &&
      ::X509_set_pubkey(cert.get(), key) == 1 &&
      ::X509_NAME_add_entry_by_txt(::X509_get_subject_name(cert.get()), "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                   0) == 1;
  ::BN_free(bn);
  if (!ok) return Internal("cannot fill in a certificate");
  return cert;
}

Status AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = ::X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return Internal("cannot make certificate extension " + value);
  const int added = ::X509_add_ext(cert, ext, -1);
  ::X509_EXTENSION_free(ext);
  return added == 1 ? Status::Ok() : Internal("cannot add certificate extension " + value);
}

bool IsIp(const std::string& s) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// RFC 1123 host name, optionally with one leading "*." label.
bool IsHostName(std::string s) {
  if (s.starts_with("*.")) s = s.substr(2);
  if (s.empty() || s.size() > 253) return false;
  size_t label = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      if (label == 0 || label > 63 || s[i - 1] == '-' || s[i - label] == '-') return false;
      label = 0;
      continue;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (!std::isalnum(c) && c != '-') return false;
    ++label;
  }
  return true;
}

Result<Key> ReadKey(const std::string& pem) {
  Bio bio(::BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Key key(::PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return Internal("the CA key does not parse");
  return key;
}

Result<Cert> ReadX509(const std::string& pem) {
  Bio bio(::BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Cert cert(::PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return InvalidArgument("not a PEM certificate");
  return cert;
}

}  // namespace

Result<PemPair> MakeCa(const std::string& common_name, int days) {
  ASSIGN_OR_RETURN(Key key, NewKey());
  ASSIGN_OR_RETURN(Cert cert, NewCert(key.get(), common_name, days));
  ::X509_set_issuer_name(cert.get(), ::X509_get_subject_name(cert.get()));
  RETURN_IF_ERROR(
      AddExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  RETURN_IF_ERROR(
      AddExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign"));
  RETURN_IF_ERROR(AddExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash"));
  if (::X509_sign(cert.get(), key.get(), ::EVP_sha256()) == 0) return Internal("cannot sign");
  return ToPem(cert.get(), key.get());
}

Result<PemPair> IssueServerCert(const PemPair& ca, const std::vector<std::string>& names,
                                int days) {
  if (names.empty()) return InvalidArgument("a server certificate needs at least one name");
  std::string san;
  for (const std::string& n : names) {
    const bool ip = IsIp(n);
    if (!ip && !IsHostName(n)) {
      return InvalidArgument("\"" + n + "\" is neither a host name nor an IP address");
    }
    san += (san.empty() ? "" : ",") + std::string(ip ? "IP:" : "DNS:") + n;
  }
  auto ca_cert = ReadX509(ca.cert);
  if (!ca_cert.ok()) return Internal("the CA certificate does not parse");
  ASSIGN_OR_RETURN(Key ca_key, ReadKey(ca.key));
  ASSIGN_OR_RETURN(Key key, NewKey());
  ASSIGN_OR_RETURN(Cert cert, NewCert(key.get(), names.front(), days));
  X509* issuer = ca_cert->get();
  ::X509_set_issuer_name(cert.get(), ::X509_get_subject_name(issuer));
  RETURN_IF_ERROR(AddExtension(cert.get(), issuer, NID_basic_constraints, "CA:FALSE"));
  RETURN_IF_ERROR(
      AddExtension(cert.get(), issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment"));
  RETURN_IF_ERROR(AddExtension(cert.get(), issuer, NID_ext_key_usage, "serverAuth"));
  RETURN_IF_ERROR(AddExtension(cert.get(), issuer, NID_subject_alt_name, san));
  RETURN_IF_ERROR(AddExtension(cert.get(), issuer, NID_authority_key_identifier, "keyid:always"));
  if (::X509_sign(cert.get(), ca_key.get(), ::EVP_sha256()) == 0) return Internal("cannot sign");
  return ToPem(cert.get(), key.get());
}

Result<CertInfo> ReadCert(const std::string& pem) {
  ASSIGN_OR_RETURN(Cert cert, ReadX509(pem));
  CertInfo info;
  auto* names = static_cast<GENERAL_NAMES*>(
      ::X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_DNS) {
      const ASN1_IA5STRING* s = n->d.dNSName;
      info.names.push_back("DNS:" + std::string(reinterpret_cast<const char*>(s->data),
                                                static_cast<size_t>(s->length)));
    } else if (n->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = n->d.iPAddress;
      char text[INET6_ADDRSTRLEN] = "";
      ::inet_ntop(s->length == 4 ? AF_INET : AF_INET6, s->data, text, sizeof text);
      info.names.push_back(std::string("IP:") + text);
    }
  }
  ::GENERAL_NAMES_free(names);
  tm t{};
  if (::ASN1_TIME_to_tm(::X509_get0_notAfter(cert.get()), &t) == 1) info.not_after = ::timegm(&t);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (::X509_digest(cert.get(), ::EVP_sha256(), md, &len) == 1) {
    static const char* kHex = "0123456789abcdef";
    for (unsigned int i = 0; i < len; ++i) {
      info.sha256 += kHex[md[i] >> 4];
      info.sha256 += kHex[md[i] & 15];
    }
  }
  return info;
}

}  // namespace spur
