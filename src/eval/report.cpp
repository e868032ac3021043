#include "eval/report.h"

#include <cstdio>
#include <sstream>

#include "core/utf8.h"

namespace arbiter::eval {

namespace {

// Most disagreements listed per policy; the rest are counted.
constexpr size_t kMaxDisagreements = 200;

std::string fmt(double v, int decimals = 3) {
    char b[32];
    std::snprintf(b, sizeof b, "%.*f", decimals, v);
    return b;
}

std::string pct(double v) {
    return fmt(100 * v, 1) + "%";
}

std::string rate_cell(const nlohmann::ordered_json& r) {
    return "<td>" + fmt(r["value"].get<double>()) + "<span class=ci> [" + fmt(r["ci95"][0].get<double>()) +
           ", " + fmt(r["ci95"][1].get<double>()) + "]</span></td>";
}

std::string confusion_matrix(const nlohmann::ordered_json& c) {
    const auto cell = [](const char* cls, const nlohmann::ordered_json& n, const char* what) {
        return std::string("<td class=") + cls + "><b>" + std::to_string(n.get<int64_t>()) +
               "</b><br><small>" + what + "</small></td>";
    };
    return "<table class=cm><tr><th></th><th>model: violates</th><th>model: safe</th></tr>"
           "<tr><th>truth: violates</th>" +
           cell("good", c["tp"], "caught") + cell("bad", c["fn"], "missed") +
           "</tr><tr><th>truth: safe</th>" + cell("bad", c["fp"], "false alarm") +
           cell("good", c["tn"], "correctly left") + "</tr></table>";
}

// Precision (y) against recall (x) from the threshold sweep, as an SVG polyline.
std::string pr_curve(const nlohmann::ordered_json& sweep) {
    constexpr int W = 260, H = 200, M = 30;
    std::ostringstream points;
    for (const auto& p : sweep) {
        const double x = M + p["recall"].get<double>() * (W - 2 * M);
        const double y = H - M - p["precision"].get<double>() * (H - 2 * M);
        points << fmt(x, 1) << "," << fmt(y, 1) << " ";
    }
    std::ostringstream s;
    s << "<svg class=chart width=" << W << " height=" << H << " role=img aria-label='precision-recall curve'>"
      << "<rect x=" << M << " y=" << M << " width=" << W - 2 * M << " height=" << H - 2 * M
      << " fill='none' stroke='#bbb'/>"
      << "<polyline points='" << points.str() << "' fill='none' stroke='#2563eb' stroke-width='2'/>"
      << "<text x=" << W / 2 << " y=" << H - 6 << " text-anchor=middle>recall</text>"
      << "<text x=10 y=" << H / 2 << " transform='rotate(-90 10 " << H / 2
      << ")' text-anchor=middle>precision</text>"
      << "<text x=" << M << " y=" << H - M + 14 << " font-size=10>0</text>"
      << "<text x=" << W - M << " y=" << H - M + 14 << " font-size=10 text-anchor=end>1</text></svg>";
    return s.str();
}

// Precision, recall and F1 of each policy as grouped horizontal bars.
std::string policy_bars(const nlohmann::ordered_json& policies) {
    constexpr int kBar = 14, kGroup = 3 * kBar + 16, kLabel = 140, kWidth = 300;
    const int height = static_cast<int>(policies.size()) * kGroup + 24;
    std::ostringstream s;
    s << "<svg class=chart width=" << kLabel + kWidth + 60 << " height=" << height
      << " role=img aria-label='precision, recall and F1 per policy'>";
    int y = 8;
    for (const auto& p : policies) {
        s << "<text x=0 y=" << y + kBar * 2 << ">" << html_escape(p["policy"].get<std::string>())
          << "</text>";
        const char* names[] = {"precision", "recall", "f1"};
        const char* colours[] = {"#2563eb", "#16a34a", "#9333ea"};
        for (int k = 0; k < 3; ++k) {
            const double v = p[names[k]]["value"].get<double>();
            s << "<rect x=" << kLabel << " y=" << y + k * kBar << " width=" << fmt(v * kWidth, 1)
              << " height=" << kBar - 2 << " fill='" << colours[k] << "'><title>" << names[k] << " " << fmt(v)
              << "</title></rect><text x=" << kLabel + v * kWidth + 4 << " y=" << y + k * kBar + kBar - 4
              << " font-size=10>" << names[k] << " " << fmt(v, 2) << "</text>";
        }
        y += kGroup;
    }
    s << "</svg>";
    return s.str();
}

std::string verdict_text(const Prediction& p) {
    if (p.status != "ok") return p.status;
    std::string t = *p.violation ? "violates" : "safe";
    if (p.probability) t += " (" + pct(*p.probability) + ")";
    return t;
}

}  // namespace

std::string html_escape(std::string_view text) {
    const std::string valid = valid_utf8(text);
    std::string out;
    out.reserve(valid.size());
    for (char c : valid) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string render_report(const nlohmann::ordered_json& metrics, const std::vector<Prediction>& predictions,
                          const std::string& title) {
    std::ostringstream h;
    h << "<!doctype html><html lang=en><head><meta charset=utf-8><title>" << html_escape(title) << "</title>"
      << "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src "
         "'unsafe-inline'\">"
      << "<style>body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#111;max-width:1100px}"
         "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ddd;padding:4px 8px;"
         "text-align:left;vertical-align:top}th{background:#f5f5f5}.ci{color:#777;font-size:11px}"
         ".cm td{text-align:center;min-width:90px}.good{background:#dcfce7}.bad{background:#fee2e2}"
         ".chart{margin:0 1.5em 1em 0}.why{white-space:pre-wrap;max-width:520px;font-size:12px;color:#333}"
         ".policy{display:flex;flex-wrap:wrap;align-items:flex-start}h2{margin-top:2em}</style></head><body>";
    h << "<h1>" << html_escape(title) << "</h1>";
    h << "<p>" << metrics["items"].get<size_t>() << " items, " << metrics["policies"].size() << " polic"
      << (metrics["policies"].size() == 1 ? "y" : "ies") << ". All policies right on "
      << pct(metrics["multi_policy_accuracy"]["value"].get<double>()) << " of the "
      << metrics["multi_policy_accuracy"]["items"].get<size_t>()
      << " items every policy could be scored on. Cost per item: "
      << fmt(metrics["cost_per_item"]["prompt_tokens"].get<double>(), 0) << " prompt tokens ("
      << fmt(metrics["cost_per_item"]["cached_tokens"].get<double>(), 0) << " from cache), "
      << fmt(metrics["cost_per_item"]["completion_tokens"].get<double>(), 0) << " generated, "
      << fmt(metrics["cost_per_item"]["seconds"].get<double>(), 2) << " s.</p>";

    h << "<h2>Summary</h2><p>Intervals are 95% bootstrap intervals. Items whose true label is unknown are "
         "left "
         "out.</p><table><tr><th>policy</th><th>items scored</th><th>precision</th><th>recall</th><th>F1</th>"
         "<th>accuracy</th><th>ROC-AUC</th><th>PR-AUC</th><th>unparseable</th><th>errors</th></tr>";
    for (const auto& p : metrics["policies"]) {
        const auto num = [&](const char* k) {
            return p.contains(k) && !p[k].is_null() ? fmt(p[k].get<double>()) : std::string("–");
        };
        h << "<tr><td>" << html_escape(p["policy"].get<std::string>()) << "</td><td>"
          << p["evaluated"].get<size_t>() << "</td>" << rate_cell(p["precision"]) << rate_cell(p["recall"])
          << rate_cell(p["f1"]) << rate_cell(p["accuracy"]) << "<td>" << num("roc_auc") << "</td><td>"
          << num("pr_auc") << "</td><td>" << pct(p["unparseable_rate"].get<double>()) << "</td><td>"
          << pct(p["error_rate"].get<double>()) << "</td></tr>";
    }
    h << "</table>" << policy_bars(metrics["policies"]);

    for (const auto& p : metrics["policies"]) {
        const std::string policy = p["policy"].get<std::string>();
        h << "<h2>" << html_escape(policy) << "</h2><div class=policy>" << confusion_matrix(p["confusion"]);
        if (p.contains("threshold_sweep")) {
            h << pr_curve(p["threshold_sweep"]);
            const auto& best = p["best_f1_threshold"];
            h << "<p>Best F1 " << fmt(best["f1"].get<double>()) << " when flagging scores from "
              << fmt(best["threshold"].get<double>()) << " (precision "
              << fmt(best["precision"].get<double>()) << ", recall " << fmt(best["recall"].get<double>())
              << ").</p>";
        }
        h << "</div><h3>Where the model and the labels disagree</h3>";
        size_t shown = 0, total = 0;
        std::ostringstream rows;
        for (const Prediction& pr : predictions) {
            if (pr.policy != policy || pr.status != "ok" || !pr.gold || !pr.violation ||
                *pr.gold == *pr.violation) {
                continue;
            }
            ++total;
            if (shown >= kMaxDisagreements) continue;
            ++shown;
            rows << "<tr><td>" << html_escape(pr.id) << "</td><td>" << (*pr.gold ? "violates" : "safe")
                 << "</td><td>" << verdict_text(pr) << "</td><td class=why>" << html_escape(pr.content)
                 << "</td><td class=why>" << html_escape(pr.rationale) << "</td></tr>";
        }
        if (total == 0) {
            h << "<p>None.</p>";
        } else {
            h << "<table><tr><th>item</th><th>label</th><th>model</th><th>content</th><th>model's "
                 "reasoning</th></tr>"
              << rows.str() << "</table>";
            if (total > shown) h << "<p>…and " << total - shown << " more in predictions.jsonl.</p>";
        }
    }
    h << "</body></html>\n";
    return h.str();
}

}  // namespace arbiter::eval
