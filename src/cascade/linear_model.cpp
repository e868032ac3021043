#include "cascade/linear_model.h"

#include <linear.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>

namespace arbiter::cascade {

namespace {

constexpr char kMagic[] = "arbiter-linear-fast-tier\n";
constexpr uint32_t kFormat = 1;

// One document's features: (bucket, count), buckets ascending.
using Counts = std::vector<std::pair<uint32_t, uint32_t>>;

Counts count_features(std::string_view line, const FeatureSpec& spec) {
    std::vector<uint32_t> ids;
    hashed_features(line, spec, ids);
    std::sort(ids.begin(), ids.end());
    Counts out;
    for (const uint32_t id : ids) {
        if (!out.empty() && out.back().first == id)
            ++out.back().second;
        else
            out.emplace_back(id, 1);
    }
    return out;
}

// Sublinear term frequency, as scikit-learn's sublinear_tf: a word said ten times is not ten
// times the evidence.
double tf(uint32_t count) {
    return count == 1 ? 1.0 : 1.0 + std::log(static_cast<double>(count));
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

// Per-thread scratch for scoring: counts indexed by bucket, and the buckets touched, reset after
// each item. Saturating 16-bit counts: past 65,535 occurrences of one n-gram in one text the
// sublinear weight changes by under 0.01%.
struct Scratch {
    std::vector<uint32_t> ids;
    std::vector<uint16_t> counts;
    std::vector<uint32_t> touched;
};

using Row = std::vector<feature_node>;

// Logistic regression weights (liblinear, feature numbers from 1, the bias last) on the rows
// `use` selects, oriented so that a positive score means a violation.
std::vector<double> fit(const std::vector<Row>& rows, const std::vector<Example>& examples,
                        const std::vector<bool>& use, int columns, double c) {
    std::vector<feature_node*> x;
    std::vector<double> y;
    for (size_t i = 0; i < rows.size(); ++i) {
        if (!use[i]) continue;
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
    param.eps = 0.01;
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

}  // namespace

LinearModel LinearModel::train(const std::vector<Example>& examples, const LinearOptions& options) {
    const FeatureSpec& spec = options.features;
    if (spec.bits < 8 || spec.bits > 26) throw FastModelError("feature bits must be 8-26");
    std::vector<Counts> docs;
    docs.reserve(examples.size());
    const size_t buckets = size_t{1} << spec.bits;
    std::vector<uint32_t> df(buckets, 0);
    for (const Example& e : examples) {
        docs.push_back(count_features(fasttext_line(e.text), spec));
        for (const auto& [id, n] : docs.back()) ++df[id];
    }
    // liblinear's feature numbers: the buckets seen, in bucket order, from 1; the bias is last.
    std::vector<int> column(buckets, 0);
    std::vector<uint32_t> bucket_of = {0};
    for (size_t b = 0; b < buckets; ++b) {
        if (df[b] == 0) continue;
        column[b] = static_cast<int>(bucket_of.size());
        bucket_of.push_back(static_cast<uint32_t>(b));
    }
    const double n_docs = static_cast<double>(examples.size());
    std::vector<double> idf(bucket_of.size(), 0);
    for (size_t c = 1; c < bucket_of.size(); ++c)
        idf[c] = std::log((1 + n_docs) / (1 + df[bucket_of[c]])) + 1;  // scikit-learn's smooth_idf
    const int bias_column = static_cast<int>(bucket_of.size());

    std::vector<Row> rows(docs.size());
    const uint32_t char_half = uint32_t{1} << (spec.bits - 1);
    for (size_t i = 0; i < docs.size(); ++i) {
        std::vector<feature_node>& row = rows[i];
        row.reserve(docs[i].size() + 2);
        double norm[2] = {0, 0};
        for (const auto& [id, n] : docs[i]) {
            const int c = column[id];
            const double v = tf(n) * idf[static_cast<size_t>(c)];
            row.push_back({c, v});
            norm[id >= char_half] += v * v;
        }
        for (size_t k = 0; k < row.size(); ++k) {
            const double block = norm[docs[i][k].first >= char_half];
            row[k].value /= std::sqrt(block);
        }
        row.push_back({bias_column, 1.0});
        row.push_back({-1, 0});
    }
    const std::vector<double> w =
        fit(rows, examples, std::vector<bool>(rows.size(), true), bias_column, options.c);

    LinearModel out;
    out.spec_ = spec;
    out.table_.assign(buckets, Entry{});
    for (size_t k = 1; k < bucket_of.size(); ++k) {
        out.table_[bucket_of[k]] = {static_cast<float>(idf[k]), static_cast<float>(w[k - 1])};
    }
    out.bias_ = w[static_cast<size_t>(bias_column) - 1];
    return out;
}

double LinearModel::probability_of_line(std::string_view line) const {
    thread_local Scratch s;
    s.ids.clear();
    hashed_features(line, spec_, s.ids);
    if (s.counts.size() < table_.size()) s.counts.assign(table_.size(), 0);
    for (const uint32_t id : s.ids) {
        uint16_t& n = s.counts[id];
        if (n == 0) s.touched.push_back(id);
        if (n != UINT16_MAX) ++n;
    }
    const uint32_t char_half = uint32_t{1} << (spec_.bits - 1);
    double dot[2] = {0, 0}, norm[2] = {0, 0};
    for (const uint32_t id : s.touched) {
        const uint32_t n = s.counts[id];
        s.counts[id] = 0;
        const Entry& e = table_[id];
        if (e.idf == 0) continue;
        const double v = tf(n) * e.idf;
        const bool chars = id >= char_half;
        dot[chars] += v * e.weight;
        norm[chars] += v * v;
    }
    s.touched.clear();
    if (norm[0] + norm[1] == 0) return 0.5;
    double z = bias_;
    for (int b = 0; b < 2; ++b)
        if (norm[b] > 0) z += dot[b] / std::sqrt(norm[b]);
    return 1 / (1 + std::exp(-z));
}

void LinearModel::save(const std::filesystem::path& path) const {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(kMagic, sizeof kMagic - 1);
    put(out, kFormat);
    put(out, static_cast<int32_t>(spec_.bits));
    put(out, static_cast<int32_t>(spec_.word_ngrams));
    put(out, static_cast<int32_t>(spec_.minn));
    put(out, static_cast<int32_t>(spec_.maxn));
    put(out, bias_);
    uint32_t used = 0;
    for (const Entry& e : table_) used += e.idf != 0 ? 1 : 0;
    put(out, used);
    // Only the buckets seen in training: the table is mostly empty.
    for (size_t b = 0; b < table_.size(); ++b) {
        if (table_[b].idf == 0) continue;
        put(out, static_cast<uint32_t>(b));
        put(out, table_[b].idf);
        put(out, table_[b].weight);
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
    int32_t bits = 0, word_ngrams = 0, minn = 0, maxn = 0;
    LinearModel m;
    if (!get(in, format) || format != kFormat) throw bad("unknown format version");
    if (!get(in, bits) || !get(in, word_ngrams) || !get(in, minn) || !get(in, maxn) || !get(in, m.bias_) ||
        !get(in, used) || bits < 8 || bits > 26 || minn < 0 || maxn < minn || maxn > 32)
        throw bad("bad parameters");
    m.spec_ = {bits, word_ngrams, minn, maxn};
    m.table_.assign(size_t{1} << bits, Entry{});
    for (uint32_t i = 0; i < used; ++i) {
        uint32_t b = 0;
        Entry e;
        if (!get(in, b) || !get(in, e.idf) || !get(in, e.weight) || b >= m.table_.size() || e.idf <= 0)
            throw bad("truncated or corrupt table");
        m.table_[b] = e;
    }
    return m;
}

}  // namespace arbiter::cascade
