#include "cascade/linear_model.h"

#include <linear.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>

#include "cascade/normalize.h"

namespace arbiter::cascade {

namespace {

constexpr char kMagic[] = "arbiter-linear-fast-tier\n";
// 1: hashed buckets (before exact keys); refused with a request to retrain.
constexpr uint32_t kFormat = 2;

// One text's features: (key, count), keys ascending.
using Counts = std::vector<std::pair<uint64_t, uint32_t>>;

Counts document_counts(std::string_view text, const FeatureSpec& spec) {
    thread_local KeyTally tally;
    count_features(normalize(text), spec, tally);
    Counts out;
    out.reserve(tally.size());
    for (size_t i = 0; i < tally.size(); ++i) out.emplace_back(tally[i].key, tally[i].count);
    std::sort(out.begin(), out.end());
    return out;
}

// Sublinear term frequency, as scikit-learn's sublinear_tf: a word said ten times is not ten
// times the evidence.
double tf(uint32_t count) {
    // Most counts are small, and a log for each distinct n-gram of an item was a tenth of its
    // scoring time.
    static const std::array<double, 64> kSmall = [] {
        std::array<double, 64> t{};
        for (size_t c = 1; c < t.size(); ++c) t[c] = 1.0 + std::log(static_cast<double>(c));
        return t;
    }();
    return count < kSmall.size() ? kSmall[count] : 1.0 + std::log(static_cast<double>(count));
}

struct ModelDeleter {
    void operator()(model* m) const { free_and_destroy_model(&m); }
};

void quiet(const char*) {}

template <typename T>
void put(std::ostream& out, const T& v) {
    out.write(reinterpret_cast<const char*>(&v), sizeof v);
}

template <typename T>
bool get(std::istream& in, T& v) {
    return static_cast<bool>(in.read(reinterpret_cast<char*>(&v), sizeof v));
}

using Row = std::vector<feature_node>;

// Logistic regression weights (liblinear, feature numbers from 1, the bias last), oriented so
// that a positive score means a violation.
std::vector<double> fit(const std::vector<Row>& rows, const std::vector<Example>& examples, int columns,
                        double c) {
    std::vector<feature_node*> x;
    std::vector<double> y;
    for (size_t i = 0; i < rows.size(); ++i) {
        x.push_back(const_cast<feature_node*>(rows[i].data()));  // liblinear reads, never writes
        y.push_back(examples[i].violation ? 1 : -1);
    }
    problem prob{};
    prob.l = static_cast<int>(x.size());
    prob.n = columns;
    prob.y = y.data();
    prob.x = x.data();
    prob.bias = 1;
    parameter param{};
    param.solver_type = L2R_LR;  // primal trust-region Newton: deterministic, no shuffling
    param.eps = 1e-4;            // scikit-learn's tol; liblinear's own 0.01 stops visibly short
    param.C = c;
    if (const char* why = check_parameter(&prob, &param))
        throw FastModelError(std::string("liblinear: ") + why);
    set_print_string_function(quiet);
    const std::unique_ptr<model, ModelDeleter> m(::train(&prob, &param));
    if (!m) throw FastModelError("liblinear training failed");
    // w scores the first label liblinear met; flip it when that was the safe class.
    const double sign = m->nr_class < 2 || m->label[0] == 1 ? 1.0 : -1.0;
    std::vector<double> w(static_cast<size_t>(columns));
    for (size_t k = 0; k < w.size(); ++k) w[k] = sign * m->w[k];
    return w;
}

void check(const LinearOptions& o) {
    const FeatureSpec& f = o.features;
    if (f.word_ngrams < 1 || f.word_ngrams > 2) throw FastModelError("word n-grams must be 1 or 2");
    if (f.minn < 0 || f.maxn > 32 || (f.minn > 0 && f.maxn < f.minn))
        throw FastModelError("character n-grams must be 0 (none) or minn <= maxn <= 32");
    if (o.min_df < 1) throw FastModelError("min_df must be at least 1");
    if (!(o.c > 0)) throw FastModelError("C must be positive");
}

}  // namespace

void LinearModel::insert(const Entry& e) {
    const size_t mask = table_.size() - 1;
    size_t slot = static_cast<size_t>(e.key >> shift_);
    while (table_[slot].idf != 0) slot = (slot + 1) & mask;
    table_[slot] = e;
}

const LinearModel::Entry* LinearModel::find(uint64_t key) const {
    const size_t mask = table_.size() - 1;
    for (size_t slot = static_cast<size_t>(key >> shift_);; slot = (slot + 1) & mask) {
        const Entry& e = table_[slot];
        if (e.key == key && e.idf != 0) return &e;
        if (e.idf == 0) return nullptr;
    }
}

LinearModel LinearModel::train(const std::vector<Example>& examples, const LinearOptions& options) {
    check(options);
    std::vector<Counts> docs;
    docs.reserve(examples.size());
    std::vector<uint64_t> seen;  // each text's distinct keys, for document frequencies
    for (const Example& e : examples) {
        docs.push_back(document_counts(e.text, options.features));
        for (const auto& [key, n] : docs.back()) seen.push_back(key);
    }
    std::sort(seen.begin(), seen.end());
    // The vocabulary, keys ascending; liblinear's feature number of vocabulary[k] is k + 1.
    std::vector<uint64_t> vocabulary;
    std::vector<double> idf;
    const double n_docs = static_cast<double>(examples.size());
    for (size_t i = 0; i < seen.size();) {
        size_t j = i;
        while (j < seen.size() && seen[j] == seen[i]) ++j;
        if (j - i >= static_cast<size_t>(options.min_df)) {
            vocabulary.push_back(seen[i]);
            idf.push_back(std::log((1 + n_docs) / (1 + static_cast<double>(j - i))) + 1);  // smooth_idf
        }
        i = j;
    }
    const int bias_column = static_cast<int>(vocabulary.size()) + 1;

    std::vector<Row> rows(docs.size());
    for (size_t i = 0; i < docs.size(); ++i) {
        Row& row = rows[i];
        std::vector<Block> blocks;
        double norm[2] = {0, 0};
        for (const auto& [key, n] : docs[i]) {
            const auto it = std::lower_bound(vocabulary.begin(), vocabulary.end(), key);
            if (it == vocabulary.end() || *it != key) continue;
            const auto k = static_cast<size_t>(it - vocabulary.begin());
            const double v = tf(n) * idf[k];
            row.push_back({static_cast<int>(k) + 1, v});
            blocks.push_back(block_of(key));
            norm[static_cast<int>(blocks.back())] += v * v;
        }
        for (size_t k = 0; k < row.size(); ++k) row[k].value /= std::sqrt(norm[static_cast<int>(blocks[k])]);
        row.push_back({bias_column, 1.0});
        row.push_back({-1, 0});
    }
    const std::vector<double> w = fit(rows, examples, bias_column, options.c);

    LinearModel out;
    out.spec_ = options.features;
    out.features_ = vocabulary.size();
    out.table_.assign(std::bit_ceil(std::max<size_t>(16, 2 * vocabulary.size())), Entry{});
    out.shift_ = 64 - std::countr_zero(out.table_.size());
    for (size_t k = 0; k < vocabulary.size(); ++k)
        out.insert({vocabulary[k], static_cast<float>(idf[k]), static_cast<float>(w[k])});
    out.bias_ = w.back();
    return out;
}

double LinearModel::probability(std::string_view text) const {
    thread_local KeyTally tally;
    count_features(normalize(text), spec_, tally);
    constexpr size_t kAhead = 16;  // probes in flight: enough to hide a cache miss behind the arithmetic
    double dot[2] = {0, 0}, norm[2] = {0, 0};
    for (size_t i = 0; i < tally.size(); ++i) {
        if (i + kAhead < tally.size()) __builtin_prefetch(&table_[tally[i + kAhead].key >> shift_]);
        const Entry* e = find(tally[i].key);
        if (e == nullptr) continue;
        const double v = tf(tally[i].count) * e->idf;
        const auto b = static_cast<int>(block_of(e->key));
        dot[b] += v * e->weight;
        norm[b] += v * v;
    }
    if (norm[0] + norm[1] == 0) return 0.5;
    double z = bias_;
    for (int b = 0; b < 2; ++b)
        if (norm[b] > 0) z += dot[b] / std::sqrt(norm[b]);
    return 1 / (1 + std::exp(-z));
}

void LinearModel::save(const std::filesystem::path& path) const {
    std::vector<Entry> entries;
    for (const Entry& e : table_)
        if (e.idf != 0) entries.push_back(e);
    // In key order, so that the same model is the same file.
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.key < b.key; });
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(kMagic, sizeof kMagic - 1);
    put(out, kFormat);
    put(out, static_cast<int32_t>(spec_.word_ngrams));
    put(out, static_cast<int32_t>(spec_.minn));
    put(out, static_cast<int32_t>(spec_.maxn));
    put(out, bias_);
    put(out, static_cast<uint32_t>(entries.size()));
    for (const Entry& e : entries) {
        put(out, e.key);
        put(out, e.idf);
        put(out, e.weight);
    }
    if (!out) throw FastModelError(path.string() + ": cannot be written");
}

bool LinearModel::recognises(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    char head[sizeof kMagic - 1] = {};
    return in.read(head, sizeof head) && std::memcmp(head, kMagic, sizeof head) == 0;
}

LinearModel LinearModel::load(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    char head[sizeof kMagic - 1] = {};
    const auto bad = [&](const std::string& why) {
        return FastModelError(path.string() + ": not an arbiter linear fast-tier model (" + why + ")");
    };
    if (!in.read(head, sizeof head) || std::memcmp(head, kMagic, sizeof head) != 0) throw bad("no header");
    uint32_t format = 0, used = 0;
    int32_t word_ngrams = 0, minn = 0, maxn = 0;
    LinearModel m;
    if (!get(in, format)) throw bad("no format version");
    if (format == 1)
        throw FastModelError(
            path.string() +
            ": a linear model of an earlier arbiter (hashed features); retrain it with arbiter train");
    if (format != kFormat) throw bad("unknown format version " + std::to_string(format));
    if (!get(in, word_ngrams) || !get(in, minn) || !get(in, maxn) || !get(in, m.bias_) || !get(in, used) ||
        word_ngrams < 1 || word_ngrams > 2 || minn < 0 || maxn > 32 || (minn > 0 && maxn < minn))
        throw bad("bad parameters");
    constexpr uint64_t kEntryBytes = sizeof(uint64_t) + 2 * sizeof(float);
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (ec || uint64_t{used} * kEntryBytes > size) throw bad("truncated table");  // before allocating for it
    m.spec_ = {word_ngrams, minn, maxn};
    m.features_ = used;
    m.table_.assign(std::bit_ceil(std::max<size_t>(16, 2 * size_t{used})), Entry{});
    m.shift_ = 64 - std::countr_zero(m.table_.size());
    uint64_t previous = 0;
    for (uint32_t i = 0; i < used; ++i) {
        Entry e;
        if (!get(in, e.key) || !get(in, e.idf) || !get(in, e.weight) || !(e.idf >= 1) ||
            (i > 0 && e.key <= previous))
            throw bad("truncated or corrupt table");
        previous = e.key;
        m.insert(e);
    }
    return m;
}

}  // namespace arbiter::cascade
