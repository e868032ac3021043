#include "eval/comparison.h"

#include <map>

#include "eval/metrics.h"

namespace arbiter::eval {

namespace {

nlohmann::ordered_json side(const Prediction& p) {
    return {
        {"violation", *p.violation},
        {"probability", p.probability ? nlohmann::ordered_json(*p.probability) : nlohmann::ordered_json()},
        {"policy_version", p.policy_version},
        {"rationale", p.rationale}};
}

nlohmann::ordered_json rates(const Confusion& c) {
    return {{"precision", precision(c)}, {"recall", recall(c)}, {"f1", f1(c)}, {"accuracy", accuracy(c)}};
}

}  // namespace

nlohmann::ordered_json compare(const std::vector<Prediction>& before, const std::vector<Prediction>& after) {
    std::map<std::pair<std::string, std::string>, const Prediction*> old_by_key;
    for (const Prediction& p : before) {
        if (p.status == "ok" && p.violation) old_by_key[{p.id, p.policy}] = &p;
    }
    struct Paired {
        std::vector<bool> gold, old_v, new_v;
        size_t compared = 0;
        size_t flipped = 0;
    };
    std::map<std::string, Paired> by_policy;
    nlohmann::ordered_json flips = nlohmann::ordered_json::array();
    for (const Prediction& p : after) {
        if (p.status != "ok" || !p.violation) continue;
        const auto it = old_by_key.find({p.id, p.policy});
        if (it == old_by_key.end()) continue;
        const Prediction& o = *it->second;
        Paired& paired = by_policy[p.policy];
        ++paired.compared;
        if (*o.violation != *p.violation) {
            ++paired.flipped;
            flips.push_back({{"id", p.id},
                             {"policy", p.policy},
                             {"gold", p.gold ? nlohmann::ordered_json(*p.gold) : nlohmann::ordered_json()},
                             {"content", p.content},
                             {"before", side(o)},
                             {"after", side(p)}});
        }
        if (p.gold) {
            paired.gold.push_back(*p.gold);
            paired.old_v.push_back(*o.violation);
            paired.new_v.push_back(*p.violation);
        }
    }
    nlohmann::ordered_json policies = nlohmann::ordered_json::array();
    for (const auto& [policy, paired] : by_policy) {
        const Confusion b = confusion(paired.gold, paired.old_v);
        const Confusion a = confusion(paired.gold, paired.new_v);
        const nlohmann::ordered_json rb = rates(b);
        const nlohmann::ordered_json ra = rates(a);
        nlohmann::ordered_json delta;
        for (const auto& [k, v] : ra.items()) delta[k] = v.get<double>() - rb[k].get<double>();
        const McNemar m = mcnemar(paired.gold, paired.old_v, paired.new_v);
        policies.push_back({{"policy", policy},
                            {"compared", paired.compared},
                            {"flipped", paired.flipped},
                            {"with_gold", paired.gold.size()},
                            {"before", rb},
                            {"after", ra},
                            {"delta", delta},
                            {"mcnemar",
                             {{"only_before_right", m.only_first_right},
                              {"only_after_right", m.only_second_right},
                              {"p_value", m.p_value}}}});
    }
    return {{"policies", policies}, {"flips", flips}};
}

}  // namespace arbiter::eval
