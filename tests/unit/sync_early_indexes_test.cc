// The post-data restore list with the keys and indexes the copy workers
// built already commented out, and nothing else.
#include <gtest/gtest.h>

#include "sync/early_indexes.h"

namespace spur::sync {
namespace {

constexpr const char* kList =
    ";\n"
    "; Selected TOC Entries:\n"
    "3340; 2606 16401 CONSTRAINT public customers customers_pkey app\n"
    "3342; 2606 16403 CONSTRAINT public customers customers_email_key app\n"
    "3350; 1259 16420 INDEX public orders_customer_email_idx app\n"
    "3351; 1259 16421 INDEX public orders_customer_email_idx2 app\n"
    "3360; 2606 16430 FK CONSTRAINT public orders orders_customer_email_fkey app\n"
    "3370; 2606 16440 CONSTRAINT public events events_pkey app\n"
    "3380; 1259 16450 INDEX public bare_idx\n";

TEST(SyncEarlyIndexes, CommentsOutExactlyTheEntriesBuiltDuringTheCopy) {
  std::set<std::string> skip = {"CONSTRAINT public customers customers_pkey",
                                "CONSTRAINT public orders orders_customer_email_fkey",
                                "INDEX public orders_customer_email_idx", "INDEX public bare_idx"};
  std::string out = FilterRestoreList(kList, skip);
  EXPECT_NE(out.find(";3340; 2606"), std::string::npos) << out;
  EXPECT_NE(out.find("\n3342; 2606"), std::string::npos) << "not built early: kept";
  EXPECT_NE(out.find(";3350; 1259"), std::string::npos);
  EXPECT_NE(out.find("\n3351; 1259"), std::string::npos) << "a longer name is another index";
  EXPECT_NE(out.find("\n3360; 2606"), std::string::npos) << "foreign keys always stay";
  EXPECT_NE(out.find("\n3370; 2606"), std::string::npos);
  EXPECT_NE(out.find(";3380; 1259"), std::string::npos) << "entries without an owner";
  EXPECT_EQ(FilterRestoreList(kList, {}), kList);
}

}  // namespace
}  // namespace spur::sync
