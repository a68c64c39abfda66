#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mask/pii.h"

namespace spur::mask {
namespace {

struct Case {
  const char* column;
  const char* type;
  const char* category;  // nullptr: not personal
};

// Personal: each column with the category it must get.

const Case kPersonal[] = {
    {"email", "text", "email"},
    {"Email", "character varying", "email"},
    {"email_address", "varchar", "email"},
    {"e_mail", "text", "email"},
    {"eMail", "text", "email"},
    {"contactEmail", "citext", "email"},
    {"mail_address", "text", "email"},
    {"billing_emails", "text[]", "email"},
    {"phone", "text", "phone"},
    {"phone_number", "character varying(32)", "phone"},
    {"mobile", "text", "phone"},
    {"tel", "text", "phone"},
    {"fax", "text", "phone"},
    {"homePhone", "text", "phone"},
    {"phone", "int8", "phone"},
    {"first_name", "text", "name"},
    {"firstname", "text", "name"},
    {"FirstName", "text", "name"},
    {"given_name", "text", "name"},
    {"last_name", "varchar", "name"},
    {"surname", "text", "name"},
    {"family_name", "text", "name"},
    {"full_name", "text", "name"},
    {"name", "text", "name"},
    {"contact_name", "text", "name"},
    {"display_name", "text", "name"},
    {"card_holder_name", "text", "name"},
    {"nickname", "text", "name"},
    {"address", "text", "address"},
    {"street", "text", "address"},
    {"billing_address_line_2", "text", "address"},
    {"addr1", "text", "address"},
    {"city", "text", "city"},
    {"zip", "text", "postcode"},
    {"zip", "int4", "postcode"},
    {"postcode", "text", "postcode"},
    {"postal_code", "text", "postcode"},
    {"ssn", "text", "national id"},
    {"ssn", "bigint", "national id"},
    {"social_security_number", "text", "national id"},
    {"national_id", "text", "national id"},
    {"national_id", "int8", "national id"},
    {"nin", "text", "national id"},
    {"birth_date", "date", "birth date"},
    {"dob", "date", "birth date"},
    {"date_of_birth", "timestamp without time zone", "birth date"},
    {"birthday", "text", "birth date"},
    {"birthdate", "date", "birth date"},
    {"birth_year", "int4", "birth date"},
    {"ip", "text", "ip address"},
    {"ip_address", "text", "ip address"},
    {"ipaddr", "varchar", "ip address"},
    {"last_login_ip", "text", "ip address"},
    {"client_ipv4", "text", "ip address"},
    {"remoteIp", "text", "ip address"},
    {"last_login_ip", "inet", "network address"},
    {"anything", "cidr", "network address"},
    {"mac", "macaddr", "network address"},
    {"device", "macaddr8", "network address"},
    {"mac_address", "text", "network address"},
    {"card_number", "text", "card number"},
    {"cc_number", "text", "card number"},
    {"credit_card", "text", "card number"},
    {"pan", "text", "card number"},
    {"card_last4", "text", "card number"},
    {"iban", "text", "iban"},
    {"account_number", "text", "bank account"},
    {"tax_id", "text", "tax id"},
    {"vat_number", "text", "tax id"},
    {"tin", "text", "tax id"},
    {"passport_number", "text", "passport"},
    {"passport_id", "int4", "passport"},
    {"driver_license", "text", "driver license"},
    {"drivers_licence_no", "text", "driver license"},
    {"username", "text", "username"},
    {"user_name", "text", "username"},
    {"login", "text", "username"},
};

// Not personal: keys, things' names, metadata about a value, flags, timestamps.
const Case kNotPersonal[] = {
    {"id", "int4", nullptr},
    {"user_id", "bigint", nullptr},
    {"userId", "uuid", nullptr},
    {"customerid", "int8", nullptr},
    {"address_id", "integer", nullptr},
    {"phone_id", "int4", nullptr},
    {"email_id", "uuid", nullptr},
    {"tax_id", "integer", nullptr},
    {"table_name", "text", nullptr},
    {"file_name", "text", nullptr},
    {"product_name", "text", nullptr},
    {"company_name", "text", nullptr},
    {"host_name", "text", nullptr},
    {"schema_name", "name", nullptr},
    {"category_name", "text", nullptr},
    {"team_name", "varchar", nullptr},
    {"country_name", "text", nullptr},
    {"is_email_verified", "bool", nullptr},
    {"email_verified", "boolean", nullptr},
    {"has_phone", "boolean", nullptr},
    {"email_sent_at", "timestamptz", nullptr},
    {"phone_verified_at", "timestamp with time zone", nullptr},
    {"last_login", "timestamptz", nullptr},
    {"login_count", "int4", nullptr},
    {"login_attempts", "integer", nullptr},
    {"email_domain", "text", nullptr},
    {"address_type", "text", nullptr},
    {"phone_type", "text", nullptr},
    {"email_status", "text", nullptr},
    {"name_length", "int4", nullptr},
    {"created_at", "timestamptz", nullptr},
    {"updated_at", "timestamptz", nullptr},
    {"price", "numeric", nullptr},
    {"quantity", "int4", nullptr},
    {"description", "text", nullptr},
    {"title", "text", nullptr},
    {"country", "text", nullptr},
    {"currency", "char(3)", nullptr},
    {"status", "text", nullptr},
    {"sku", "text", nullptr},
    {"zipped", "bool", nullptr},
    {"mailbox_size", "int8", nullptr},
    {"email", "int4", nullptr},
    {"city", "int4", nullptr},
    {"first_name", "int4", nullptr},
    {"token", "uuid", nullptr},
    {"hotel", "text", nullptr},
    {"pipeline", "text", nullptr},
    {"display_order", "int4", nullptr},
    {"num_phones", "int4", nullptr},
    {"total_cards", "int4", nullptr},
    {"mobile_app_version", "text", nullptr},
    {"payload", "jsonb", nullptr},
    {"notes", "text", nullptr},
    {"amount", "money", nullptr},
    {"birthday_reminder_enabled", "bool", nullptr},
    {"tracking_number", "text", nullptr},
    {"order_number", "int8", nullptr},
    {"color", "text", nullptr},
    {"tags", "text[]", nullptr},
    {"", "text", nullptr},
    {"_", "text", nullptr},
};

TEST(MaskPii, PersonalColumns) {
  int checked = 0;
  for (const Case& c : kPersonal) {
    std::optional<std::string> got = PersonalCategory(c.column, c.type);
    EXPECT_EQ(got.value_or("(not personal)"), c.category) << c.column << " " << c.type;
    ++checked;
  }
  EXPECT_GE(checked, 60);
}

TEST(MaskPii, NotPersonalColumns) {
  int checked = 0;
  for (const Case& c : kNotPersonal) {
    EXPECT_EQ(PersonalCategory(c.column, c.type), std::nullopt) << c.column << " " << c.type;
    ++checked;
  }
  EXPECT_GE(checked, 60);
}

TEST(MaskPii, SplitsSnakeAndCamelCase) {
  using W = std::vector<std::string>;
  EXPECT_EQ(NameWords("billingAddressLine2"), (W{"billing", "address", "line"}));
  EXPECT_EQ(NameWords("IPAddress"), (W{"ip", "address"}));
  EXPECT_EQ(NameWords("user_ID"), (W{"user", "id"}));
  EXPECT_EQ(NameWords("first-name"), (W{"first", "name"}));
  EXPECT_EQ(NameWords("__e__mail__"), (W{"e", "mail"}));
  EXPECT_EQ(NameWords("ipv6"), (W{"ipv"}));
  EXPECT_EQ(NameWords("HTTPStatusCode"), (W{"http", "status", "code"}));
  EXPECT_EQ(NameWords("123"), (W{}));
}

TEST(MaskPii, TypeSpellingsDoNotMatter) {
  EXPECT_EQ(PersonalCategory("email", "TEXT"), "email");
  EXPECT_EQ(PersonalCategory("email", "pg_catalog.varchar(255)"), "email");
  EXPECT_EQ(PersonalCategory("email", "public.citext"), "email");
  EXPECT_EQ(PersonalCategory("emails", "character varying(80)[]"), "email");
  EXPECT_EQ(PersonalCategory("born", "timestamp(3) with time zone"), "birth date");
  EXPECT_EQ(PersonalCategory("user_id", "BIGINT"), std::nullopt);
  EXPECT_EQ(PersonalCategory("ip", "INET"), "network address");
  EXPECT_EQ(PersonalCategory("email", "user_email_domain"), "email");  // unknown type: text
}

}  // namespace
}  // namespace spur::mask
