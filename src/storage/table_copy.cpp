#include "storage/table_copy.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace arbiter::storage {

namespace {

// Bound parameters per statement at the most: under SQLite's limit (32766), and PostgreSQL's (65535).
constexpr size_t kMaxParameters = 30000;

// How a column's values are read and bound: text would lose a double's last digits (SQLite
// prints 15), so numbers travel as numbers.
enum class Kind { integer, real, text };

struct Column {
    std::string name;
    Kind kind = Kind::text;
    int key = 0;            // its place in the primary key, from 1; 0: not in it
    bool identity = false;  // PostgreSQL generates it (an identity column)
};

using Value = std::variant<std::monostate, int64_t, double, std::string>;
using Row = std::vector<Value>;

// Name, declared type, place in the primary key, identity.
constexpr std::string_view kSqliteColumns =
    "SELECT name, type, pk, 0 FROM pragma_table_info(?1) ORDER BY cid";
constexpr std::string_view kPostgresColumns =
    "SELECT c.column_name, c.udt_name, COALESCE(k.ordinal_position, 0), c.is_identity = 'YES' "
    "FROM information_schema.columns c "
    "LEFT JOIN information_schema.table_constraints t ON t.table_schema = c.table_schema "
    "AND t.table_name = c.table_name AND t.constraint_type = 'PRIMARY KEY' "
    "LEFT JOIN information_schema.key_column_usage k ON k.constraint_schema = t.constraint_schema "
    "AND k.constraint_name = t.constraint_name AND k.column_name = c.column_name "
    "WHERE c.table_schema = current_schema() AND c.table_name = ?1 ORDER BY c.ordinal_position";

// SQLite's rules of affinity, by the declared type (INTEGER, BIGINT, REAL, TEXT...).
Kind sqlite_kind(std::string type) {
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (type.find("INT") != std::string::npos) return Kind::integer;
    for (const char* real : {"REAL", "FLOA", "DOUB"}) {
        if (type.find(real) != std::string::npos) return Kind::real;
    }
    return Kind::text;
}

// By PostgreSQL's name of the type; a boolean reads as 1 or 0, as SQLite keeps one.
Kind postgres_kind(std::string_view type) {
    for (std::string_view integer : {"int2", "int4", "int8", "bool"}) {
        if (type == integer) return Kind::integer;
    }
    for (std::string_view real : {"float4", "float8", "numeric"}) {
        if (type == real) return Kind::real;
    }
    return Kind::text;
}

std::vector<Column> columns_of(Database& db, std::string_view table) {
    const bool postgres = db.engine() == Engine::postgres;
    Statement select = db.prepare(postgres ? kPostgresColumns : kSqliteColumns);
    select.bind(1, table);
    std::vector<Column> columns;
    while (select.step()) {
        const std::string type = select.text(1).value_or("");
        columns.push_back({select.text(0).value_or(""), postgres ? postgres_kind(type) : sqlite_kind(type),
                           static_cast<int>(select.integer(2)), select.integer(3) != 0});
    }
    return columns;
}

// `name` as an SQL identifier, whatever it holds.
std::string quoted(std::string_view name) {
    std::string out = "\"";
    for (const char c : name) out += c == '"' ? "\"\"" : std::string(1, c);
    return out + "\"";
}

// "a, b, c": `list` with `name`.
void add_name(std::string& list, std::string_view name) {
    list += (list.empty() ? "" : ", ") + quoted(name);
}

// "?first, ?first+1, ..." for `count` parameters.
std::string parameters(size_t first, size_t count) {
    std::string out;
    for (size_t i = 0; i < count; ++i) out += (i == 0 ? "?" : ", ?") + std::to_string(first + i);
    return out;
}

// How one table is read from the source and written to the target.
struct Plan {
    std::string table;            // quoted
    std::vector<Column> columns;  // the source's that the target has too, in the source's order
    std::string names;            // of columns, quoted, for SQL
    std::vector<size_t> key;      // of columns, the source's primary key, in its order
    std::string key_names;        // of key, quoted, for SQL
    bool overriding = false;      // the target generates some (identity): given values must win
    size_t batch = 1;             // rows per statement
};

Plan plan_copy(Database& from, Database& to, std::string_view table, size_t batch_rows) {
    Plan plan;
    plan.table = quoted(table);
    const std::vector<Column> theirs = columns_of(to, table);
    size_t key_columns = 0;
    for (const Column& c : columns_of(from, table)) {
        key_columns += c.key > 0 ? 1 : 0;
        const auto there =
            std::find_if(theirs.begin(), theirs.end(), [&](const Column& t) { return t.name == c.name; });
        if (there == theirs.end()) continue;
        plan.overriding = plan.overriding || there->identity;
        if (c.key > 0) plan.key.push_back(plan.columns.size());
        add_name(plan.names, c.name);
        plan.columns.push_back(c);
    }
    std::sort(plan.key.begin(), plan.key.end(),
              [&](size_t a, size_t b) { return plan.columns[a].key < plan.columns[b].key; });
    if (plan.key.empty() || plan.key.size() != key_columns)
        throw StoreError("table " + std::string(table) +
                         ": no primary key that both databases have, to copy it in order by");
    for (const size_t i : plan.key) add_name(plan.key_names, plan.columns[i].name);
    plan.batch = std::max<size_t>(1, std::min(batch_rows, kMaxParameters / plan.columns.size()));
    return plan;
}

Value read_value(const Statement& select, int column, Kind kind) {
    if (select.is_null(column)) return std::monostate{};
    if (kind == Kind::integer) return select.integer(column);
    if (kind == Kind::real) return *select.real(column);
    return *select.text(column);
}

void bind_value(Statement& statement, int index, const Value& value) {
    if (const auto* n = std::get_if<int64_t>(&value)) {
        statement.bind(index, *n);
    } else if (const auto* d = std::get_if<double>(&value)) {
        statement.bind(index, *d);
    } else if (const auto* text = std::get_if<std::string>(&value)) {
        statement.bind(index, std::string_view(*text));
    } else {
        statement.bind_null(index);
    }
}

// The next batch of the source's rows, in key order: after the key `after`, where given.
std::vector<Row> read_batch(Database& from, const Plan& plan, const std::optional<Row>& after) {
    std::string sql = "SELECT " + plan.names + " FROM " + plan.table;
    if (after) sql += " WHERE (" + plan.key_names + ") > (" + parameters(1, after->size()) + ")";
    const size_t limit = after ? after->size() + 1 : 1;  // its parameter's number
    sql += " ORDER BY " + plan.key_names + " LIMIT ?" + std::to_string(limit);
    Statement select = from.prepare(sql);
    for (size_t i = 0; after && i < after->size(); ++i)
        bind_value(select, static_cast<int>(i + 1), (*after)[i]);
    select.bind(static_cast<int>(limit), static_cast<int64_t>(plan.batch));
    std::vector<Row> rows;
    while (select.step()) {
        Row row;
        for (size_t c = 0; c < plan.columns.size(); ++c)
            row.push_back(read_value(select, static_cast<int>(c), plan.columns[c].kind));
        rows.push_back(std::move(row));
    }
    return rows;
}

// Writes `rows` in one transaction; returns how many were not there already.
size_t write_batch(Database& to, const Plan& plan, const std::vector<Row>& rows) {
    std::string sql = "INSERT INTO " + plan.table + " (" + plan.names + ")" +
                      (plan.overriding ? " OVERRIDING SYSTEM VALUE" : "") + " VALUES ";
    for (size_t r = 0; r < rows.size(); ++r)
        sql += (r == 0 ? "(" : ", (") + parameters(r * plan.columns.size() + 1, plan.columns.size()) + ")";
    // A row whose key is there (a copy resumed) is passed over; RETURNING names only those written.
    sql += " ON CONFLICT DO NOTHING RETURNING 1";
    Database::Transaction transaction(to);
    Statement insert = to.prepare(sql);
    int index = 0;
    for (const Row& row : rows) {
        for (const Value& value : row) bind_value(insert, ++index, value);
    }
    size_t written = 0;
    while (insert.step()) ++written;
    transaction.commit();
    return written;
}

Row key_of(const Plan& plan, const Row& row) {
    Row key;
    for (const size_t i : plan.key) key.push_back(row[i]);
    return key;
}

// Where a copy goes on from: after the largest id `to` holds, where the key is one integer; from
// the start otherwise (the rows `to` holds are then passed over one by one).
struct ResumePoint {
    std::optional<Row> after;  // the key to read after; none: from the start
    size_t passed = 0;         // the source's rows up to it
};

ResumePoint resume_point(Database& from, Database& to, const Plan& plan) {
    const Column& first = plan.columns[plan.key.front()];
    if (plan.key.size() != 1 || first.kind != Kind::integer) return {};
    Statement largest = to.prepare("SELECT MAX(" + quoted(first.name) + ") FROM " + plan.table);
    if (!largest.step() || largest.is_null(0)) return {};
    const int64_t id = largest.integer(0);
    Statement passed =
        from.prepare("SELECT COUNT(*) FROM " + plan.table + " WHERE " + quoted(first.name) + " <= ?1");
    passed.bind(1, id);
    passed.step();
    return {Row{id}, static_cast<size_t>(passed.integer(0))};
}

}  // namespace

bool has_table(Database& db, std::string_view table) {
    return !columns_of(db, table).empty();
}

size_t count_rows(Database& db, std::string_view table) {
    Statement count = db.prepare("SELECT COUNT(*) FROM " + quoted(table));
    count.step();
    return static_cast<size_t>(count.integer(0));
}

bool has_rows(Database& db, std::string_view table) {
    return db.prepare("SELECT 1 FROM " + quoted(table) + " LIMIT 1").step();
}

size_t copy_table(Database& from, Database& to, std::string_view table, size_t batch_rows,
                  const RowsPassed& passed) {
    const Plan plan = plan_copy(from, to, table, batch_rows);
    auto [after, skipped] = resume_point(from, to, plan);
    if (skipped > 0) passed(skipped);
    size_t written = 0;
    for (;;) {
        const std::vector<Row> rows = read_batch(from, plan, after);
        if (rows.empty()) break;
        written += write_batch(to, plan, rows);
        after = key_of(plan, rows.back());
        passed(rows.size());
        if (rows.size() < plan.batch) break;
    }
    return written;
}

void advance_identities(Database& to, std::string_view table) {
    if (to.engine() != Engine::postgres) return;
    for (const Column& c : columns_of(to, table)) {
        if (!c.identity) continue;
        // pg_get_serial_sequence reads its first argument as SQL (a quoted name), its second as a name.
        Statement advance =
            to.prepare("SELECT setval(pg_get_serial_sequence(?1, ?2), MAX(" + quoted(c.name) + ")) FROM " +
                       quoted(table) + " HAVING MAX(" + quoted(c.name) + ") IS NOT NULL");
        advance.bind(1, std::string_view(quoted(table))).bind(2, std::string_view(c.name));
        advance.step();
    }
}

}  // namespace arbiter::storage
