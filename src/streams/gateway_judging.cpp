#include "streams/gateway_judging.h"

#include "core/content_json.h"
#include "service/verdict_fanout.h"

namespace arbiter::service {

std::vector<std::shared_ptr<const Policy>> stage_policies(
    ServiceContext& context, const std::optional<std::vector<std::string>>& ids) {
    if (!ids) return context.policies.current_all();
    std::vector<std::shared_ptr<const Policy>> policies;
    for (const std::string& id : *ids) policies.push_back(context.known_policy(id));
    return policies;
}

namespace {

bool has_part(const JudgedParts& parts, const std::vector<Turn>& turns) {
    for (const Turn& t : turns) {
        if (t.role == "tool" ? parts.tool_results : parts.text && !t.content.empty()) return true;
        for (const ToolCall& call : t.tool_calls) {
            if (parts.judges_call(call.name)) return true;
        }
    }
    return false;
}

}  // namespace

std::vector<std::shared_ptr<const Policy>> judging(const std::vector<std::shared_ptr<const Policy>>& policies,
                                                   const std::vector<Turn>& turns) {
    std::vector<std::shared_ptr<const Policy>> out;
    for (const auto& p : policies) {
        if (has_part(p->judges, turns)) out.push_back(p);
    }
    return out;
}

std::vector<std::string> flagged_by(ServiceContext& context, const std::string& request_id,
                                    const std::string& item_id, const Content& content,
                                    const std::vector<std::shared_ptr<const Policy>>& policies,
                                    std::optional<double> threshold, const Tracing& tracing) {
    return flagged_each(context, request_id, {{item_id, content}}, policies, threshold, tracing).at(0);
}

std::vector<std::vector<std::string>> flagged_each(ServiceContext& context, const std::string& request_id,
                                                   const std::vector<std::pair<std::string, Content>>& items,
                                                   const std::vector<std::shared_ptr<const Policy>>& policies,
                                                   std::optional<double> threshold, const Tracing& tracing) {
    std::vector<std::vector<std::string>> flagged(items.size());
    if (policies.empty() || items.empty()) return flagged;
    std::vector<ClassifyItem> classified;
    classified.reserve(items.size());
    for (const auto& [id, content] : items)
        classified.push_back({id, content, content_to_json(content).dump()});
    const std::vector<bool> inline_policy(policies.size(), false);
    Fanout fanout{request_id,  classified,   policies, inline_policy,
                  Mode::score, std::nullopt, 0,        context.settings()->on_timeout};
    fanout.tracing = tracing;
    const auto verdicts = run_items(context, fanout);
    for (size_t i = 0; i < items.size(); ++i) {
        for (size_t p = 0; p < policies.size(); ++p) {
            const Verdict& v = verdicts[i][p];
            const double at = threshold.value_or(policies[p]->stream.threshold);
            const bool over = v.probability ? *v.probability >= at : v.violation.value_or(true);
            if (over) flagged[i].push_back(policies[p]->id);
        }
    }
    return flagged;
}

}  // namespace arbiter::service
