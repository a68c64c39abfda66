// sync/schema_text: personal literals in schema text (view bodies,
// comments, defaults...), which strict masking refuses.
#include <gtest/gtest.h>

#include "sync/schema_text.h"

namespace spur::sync {
namespace {

using Kinds = std::vector<std::string>;

TEST(SyncSchemaText, FindsEmailsPhonesAndCardNumbers) {
  EXPECT_EQ(PersonalLiterals("SELECT * FROM users WHERE email = 'ceo@corp.example.com'"),
            Kinds{"an email address"});
  EXPECT_EQ(PersonalLiterals("call +1 (555) 010-0199 for help"), Kinds{"a phone number"});
  EXPECT_EQ(PersonalLiterals("test card 4111 1111 1111 1111"), Kinds{"a card number"});
  EXPECT_EQ(PersonalLiterals("4111-1111-1111-1111 or ann@x.org, +44 20 7946 0958"),
            (Kinds{"an email address", "a phone number", "a card number"}));
}

TEST(SyncSchemaText, OrdinarySchemaTextIsNotPersonal) {
  for (const char* text :
       {"nextval('orders_id_seq'::regclass)", "CHECK ((total_cents >= 0))",
        "CREATE INDEX orders_customer_id ON public.orders USING btree (customer_id)",
        " SELECT count(*) AS count FROM orders WHERE created_at > '2024-01-01 00:00:00+00'",
        "x + 1000000000", "(amount > 4111111111111112)", "user@localhost", "see @mentions",
        "1234567890123"}) {
    EXPECT_TRUE(PersonalLiterals(text).empty()) << text;
  }
}

}  // namespace
}  // namespace spur::sync
