// The API keys table (storage/key_store.h) on both engines: keys made, refused under a taken name,
// listed and revoked.

#include "storage/key_store.h"

#include <gtest/gtest.h>

#include "support/both_engines.h"

namespace arbiter::storage {
namespace {

class Keys : public test::OnBothEngines {};

TEST_P(Keys, AreAddedOnceByNameListedAndRevoked) {
    const std::string db = fresh("keys");
    KeyStore keys(db);
    EXPECT_TRUE(keys.all().empty());
    keys.add({"ops", "admin", std::string(64, 'a')});
    keys.add({"bot", "classify", std::string(64, 'b')});
    EXPECT_THROW(keys.add({"ops", "review", std::string(64, 'c')}), KeyNameTaken);
    const std::vector<StoredKey> all = KeyStore(db).all();  // as another instance reads them
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].name, "bot");
    EXPECT_EQ(all[1].name, "ops");
    EXPECT_EQ(all[1].role, "admin");
    EXPECT_EQ(all[1].sha256, std::string(64, 'a'));
    EXPECT_TRUE(keys.revoke("ops"));
    EXPECT_FALSE(keys.revoke("ops"));
    ASSERT_EQ(keys.all().size(), 1u);
    keys.add({"ops", "review", std::string(64, 'd')});  // the name is free again
    EXPECT_EQ(keys.all().size(), 2u);
}

ARBITER_ON_BOTH_ENGINES(Keys);

}  // namespace
}  // namespace arbiter::storage
