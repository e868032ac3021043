#pragma once
// What other instances changed in the state each instance keeps in memory (the policies' current
// versions, their shadows), so that a change made on any instance is in force on all within a
// second. On PostgreSQL a store announces a change in the transaction that makes it (NOTIFY,
// delivered at commit); every instance's feed LISTENs on a connection of its own and calls back.
// A feed that lost its connection makes it again and calls back "everything" (what it missed is
// unknown), and so it does every `check_every` as well, in case a notification was ever lost.
// On a SQLite file, which has no notifications, the feed asks twice a second whether another
// connection committed (another process: `arbiter apikey --db`, a second server) and calls back
// "everything" when one did.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include "storage/database.h"

namespace arbiter::storage {

// What changed: the name of the store whose state to read again, or "everything".
using HeardChange = std::function<void(std::string_view what)>;

class ChangeFeed {
public:
    // Listens to the database at `location` on a thread of its own; `heard` runs on that thread.
    // Throws StoreError when it cannot connect at first.
    ChangeFeed(const std::string& location, HeardChange heard,
               std::chrono::milliseconds check_every = std::chrono::seconds(30));
    ~ChangeFeed();  // stops listening; `heard` is not called after it returns
    ChangeFeed(const ChangeFeed&) = delete;
    ChangeFeed& operator=(const ChangeFeed&) = delete;

private:
    std::jthread thread_;
};

// In a transaction of `db`: every instance's feed hears `what` once it commits. Nothing on
// SQLite, whose feeds notice any commit.
void announce_change(Database& db, std::string_view what);

}  // namespace arbiter::storage
