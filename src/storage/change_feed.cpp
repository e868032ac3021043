#include "storage/change_feed.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <memory>

#include "storage/postgres_connection.h"

namespace arbiter::storage {

namespace {

constexpr const char* kChannel = "arbiter_changes";
// How long the feed waits between tries to connect again.
constexpr auto kReconnectPause = std::chrono::seconds(1);
// How often a wait for notifications looks up to see whether the feed is stopping.
constexpr int kPollMilliseconds = 200;
// How often a SQLite file is asked whether another connection changed it.
constexpr auto kSqlitePoll = std::chrono::milliseconds(500);

// A listening connection, or null when the database cannot be reached now.
PGconn* listen_on(const std::string& url) {
    PGconn* conn = nullptr;
    try {
        conn = connect_postgres(url);
    } catch (const PostgresError&) {
        return nullptr;
    }
    PGresult* result = PQexec(conn, (std::string("LISTEN ") + kChannel).c_str());
    const bool listening = PQresultStatus(result) == PGRES_COMMAND_OK;
    PQclear(result);
    if (listening) return conn;
    PQfinish(conn);
    return nullptr;
}

// Calls `heard`; false when it failed (the database went away while it read): the caller asks
// again for everything soon.
bool tell(const HeardChange& heard, std::string_view what) {
    try {
        heard(what);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

// Calls `heard` for each notification that arrived; false when the connection broke. `missed`
// turns true when a call failed.
bool deliver(PGconn* conn, const HeardChange& heard, bool& missed) {
    if (PQconsumeInput(conn) == 0) return false;
    while (PGnotify* notification = PQnotifies(conn)) {
        if (!tell(heard, notification->extra)) missed = true;
        PQfreemem(notification);
    }
    return PQstatus(conn) == CONNECTION_OK;
}

void listen(const std::stop_token& stop, const std::string& url, PGconn* conn, const HeardChange& heard,
            std::chrono::milliseconds check_every) {
    using Clock = std::chrono::steady_clock;
    auto next_check = Clock::now() + check_every;
    while (!stop.stop_requested()) {
        bool missed = false;  // a change was heard but not read: read everything soon
        if (conn == nullptr) {
            std::this_thread::sleep_for(kReconnectPause);
            conn = listen_on(url);
            if (conn != nullptr) missed = true;  // changes made while away were not heard
        } else {
            pollfd socket{PQsocket(conn), POLLIN, 0};
            if (poll(&socket, 1, kPollMilliseconds) != 0 && !deliver(conn, heard, missed)) {
                PQfinish(conn);
                conn = nullptr;
            }
        }
        if (missed) next_check = std::min(next_check, Clock::now());
        if (Clock::now() >= next_check) {
            // After a failed read, soon again; else at the periodic check.
            next_check =
                Clock::now() +
                (tell(heard, "everything") ? check_every : std::chrono::milliseconds(kReconnectPause));
        }
    }
    if (conn != nullptr) PQfinish(conn);
}

// SQLite has no notifications: its data_version moves when another connection commits (another
// process, such as `arbiter apikey --db`, or this one's other stores), so a move means read again.
void watch_file(const std::stop_token& stop, Database& db, const HeardChange& heard) {
    const auto version = [&db]() -> int64_t {
        try {
            Statement select = db.prepare("PRAGMA data_version");
            return select.step() ? select.integer(0) : -1;
        } catch (const StoreError&) {
            return -1;
        }
    };
    int64_t seen = version();
    while (!stop.stop_requested()) {
        std::this_thread::sleep_for(kSqlitePoll);
        const int64_t now = version();
        if (now != seen && tell(heard, "everything")) seen = now;
    }
}

}  // namespace

ChangeFeed::ChangeFeed(const std::string& location, HeardChange heard,
                       std::chrono::milliseconds check_every) {
    if (!is_postgres_url(location)) {
        auto db = std::make_shared<Database>(location, Database::Access::read_only);
        thread_ = std::jthread(
            [db, heard = std::move(heard)](const std::stop_token& stop) { watch_file(stop, *db, heard); });
        return;
    }
    PGconn* conn = listen_on(location);
    if (conn == nullptr)
        throw PostgresError("cannot listen for changes on PostgreSQL: " + without_password(location));
    thread_ =
        std::jthread([location, conn, heard = std::move(heard), check_every](const std::stop_token& stop) {
            listen(stop, location, conn, heard, check_every);
        });
}

ChangeFeed::~ChangeFeed() = default;  // the jthread stops and joins its thread

void announce_change(Database& db, std::string_view what) {
    if (db.engine() != Engine::postgres) return;
    Statement notify = db.prepare("SELECT pg_notify(?1, ?2)");
    notify.bind(1, std::string_view(kChannel)).bind(2, what);
    notify.step();
}

}  // namespace arbiter::storage
