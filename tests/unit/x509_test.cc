// The pool CA (common/x509): certificates that verify, names that are
// checked, and nothing written on refusal (pure functions).
#include "common/x509.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>

namespace spur {
namespace {

// Whether `leaf` verifies against `ca` as a TLS server certificate for `host`.
bool Verifies(const std::string& ca, const std::string& leaf, const std::string& host) {
  auto read = [](const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return x;
  };
  X509* ca_cert = read(ca);
  X509* leaf_cert = read(leaf);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca_cert);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf_cert, nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  if (host.find_first_not_of("0123456789.:") == std::string::npos) {
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
  }
  const bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  X509_free(leaf_cert);
  X509_free(ca_cert);
  return ok;
}

TEST(X509, ServerCertificateVerifiesForItsNamesOnly) {
  auto ca = MakeCa("test CA", 30);
  ASSERT_TRUE(ca.ok()) << ca.status().message();
  EXPECT_NE(ca->key.find("PRIVATE KEY"), std::string::npos);
  auto server = IssueServerCert(*ca, {"db.example.com", "*.db.example.com", "10.0.0.5", "::1"}, 30);
  ASSERT_TRUE(server.ok()) << server.status().message();
  for (const char* host : {"db.example.com", "pr-12.db.example.com", "10.0.0.5", "::1"}) {
    EXPECT_TRUE(Verifies(ca->cert, server->cert, host)) << host;
  }
  for (const char* host : {"example.com", "a.b.db.example.com", "10.0.0.6", "127.0.0.1"}) {
    EXPECT_FALSE(Verifies(ca->cert, server->cert, host)) << host;
  }
  auto other_ca = MakeCa("another CA", 30);
  ASSERT_TRUE(other_ca.ok());
  EXPECT_FALSE(Verifies(other_ca->cert, server->cert, "db.example.com"));
  // The CA cannot be used as a server certificate, nor sign other CAs.
  EXPECT_FALSE(Verifies(ca->cert, ca->cert, "db.example.com"));
}

TEST(X509, ReadCertGivesNamesExpiryAndFingerprint) {
  auto ca = MakeCa("test CA", 30);
  ASSERT_TRUE(ca.ok());
  auto server = IssueServerCert(*ca, {"localhost", "127.0.0.1"}, 10);
  ASSERT_TRUE(server.ok());
  auto info = ReadCert(server->cert);
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(info->names, (std::vector<std::string>{"DNS:localhost", "IP:127.0.0.1"}));
  const int64_t in_ten_days = static_cast<int64_t>(std::time(nullptr)) + 10 * 86400;
  EXPECT_NEAR(static_cast<double>(info->not_after), static_cast<double>(in_ten_days), 120);
  EXPECT_EQ(info->sha256.size(), 64u);
  EXPECT_EQ(ReadCert("not a certificate").status().code(), Code::kInvalidArgument);
}

TEST(X509, BadNamesAreRefused) {
  auto ca = MakeCa("test CA", 30);
  ASSERT_TRUE(ca.ok());
  EXPECT_EQ(IssueServerCert(*ca, {}, 30).status().code(), Code::kInvalidArgument);
  for (const char* bad : {"", "has space", "a..b", "-lead.example", "trail-.example", "x/y", "*",
                          "*.*.example.com", "new\nline", "ünï.example"}) {
    auto r = IssueServerCert(*ca, {"localhost", bad}, 30);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_EQ(IssueServerCert(PemPair{"junk", "junk"}, {"localhost"}, 30).status().code(),
            Code::kInternal);
}

}  // namespace
}  // namespace spur
