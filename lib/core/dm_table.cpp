#include "core/dm_table.hpp"

#include <algorithm>
#include <utility>

#include "core/text.hpp"

namespace pathkeeper::core {

namespace {

// Walks the whitespace-separated tokens of one table or status line, producing errors that name the
// 1-based token position, so a bad line in a log can be pinned down.
class TokenReader {
public:
    TokenReader(std::string_view kind, std::vector<std::string_view> tokens)
        : kind_(kind), tokens_(std::move(tokens)) {}

    std::size_t remaining() const { return tokens_.size() - pos_; }
    bool done() const { return pos_ == tokens_.size(); }

    Error error_here(const std::string& what) const {
        if (done()) {
            return make_error(ErrorCode::InvalidArgument, std::string(kind_) + ": truncated after token " +
                                                              std::to_string(pos_) + ": expected " + what);
        }
        return make_error(ErrorCode::InvalidArgument,
                          std::string(kind_) + ": token " + std::to_string(pos_ + 1) + " ('" +
                              text::quote(tokens_[pos_]) + "'): expected " + what);
    }

    Result<std::string_view> word(const std::string& what) {
        if (done()) {
            return error_here(what);
        }
        return tokens_[pos_++];
    }

    Result<std::uint64_t> number(const std::string& what, std::uint64_t max) {
        if (done()) {
            return error_here(what);
        }
        const auto value = text::to_unsigned(tokens_[pos_], max);
        if (!value) {
            return error_here(what + " (a number <= " + std::to_string(max) + ")");
        }
        ++pos_;
        return *value;
    }

    // A count of the tokens that follow it, each consuming `tokens_per_item` tokens.
    Result<unsigned> count(const std::string& what, unsigned max, std::size_t tokens_per_item = 1) {
        const std::size_t at = pos_;
        auto value = number(what, max);
        if (!value) {
            return value.error();
        }
        if (*value * tokens_per_item > remaining()) {
            return make_error(ErrorCode::InvalidArgument,
                              std::string(kind_) + ": token " + std::to_string(at + 1) + ": " + what + " " +
                                  std::to_string(*value) + " needs " +
                                  std::to_string(*value * tokens_per_item) + " more tokens but only " +
                                  std::to_string(remaining()) + " remain");
        }
        return static_cast<unsigned>(*value);
    }

    Result<DevT> devt(const std::string& what) {
        if (done()) {
            return error_here(what);
        }
        auto value = DevT::parse(tokens_[pos_]);
        if (!value) {
            return error_here(what + " (major:minor)");
        }
        ++pos_;
        return value;
    }

    Result<std::vector<std::string>> words(unsigned n, const std::string& what) {
        std::vector<std::string> out;
        out.reserve(n);
        for (unsigned i = 0; i < n; ++i) {
            auto w = word(what);
            if (!w) {
                return w.error();
            }
            out.emplace_back(*w);
        }
        return out;
    }

    Result<void> expect_end() const {
        if (!done()) {
            return error_here("end of text (trailing garbage)");
        }
        return {};
    }

private:
    std::string_view kind_;
    std::vector<std::string_view> tokens_;
    std::size_t pos_ = 0;
};

// Splits the text, rejecting bytes no kernel table contains, and drops the "<start> <length> multipath"
// prefix that `dmsetup table` / `dmsetup status` print before the target parameters.
Result<std::vector<std::string_view>> tokenize(std::string_view kind, std::string_view text) {
    if (text.size() > dm_max_text_bytes) {
        return make_error(ErrorCode::InvalidArgument, std::string(kind) + ": text of " +
                                                          std::to_string(text.size()) + " bytes exceeds " +
                                                          std::to_string(dm_max_text_bytes));
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if ((byte < 0x20 && !text::is_space(text[i])) || byte >= 0x7f) {
            return make_error(ErrorCode::InvalidArgument,
                              std::string(kind) + ": byte " + std::to_string(i) + " is not printable ASCII");
        }
    }
    auto tokens = text::split_whitespace(text);
    if (tokens.size() >= 3 && tokens[2] == "multipath" && text::to_unsigned(tokens[0]) &&
        text::to_unsigned(tokens[1])) {
        tokens.erase(tokens.begin(), tokens.begin() + 3);
    }
    if (tokens.empty()) {
        return make_error(ErrorCode::InvalidArgument, std::string(kind) + ": empty text");
    }
    return tokens;
}

bool is_selector_name(std::string_view name) {
    if (name.empty() || name.size() > 64) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
               c == '_';
    });
}

// The kernel's parse_features() accepts exactly these; anything else fails the table load.
Result<void> check_features(const std::vector<std::string>& features) {
    for (std::size_t i = 0; i < features.size(); ++i) {
        const std::string& f = features[i];
        if (f == "queue_if_no_path" || f == "retain_attached_hw_handler") {
            continue;
        }
        if (f == "pg_init_retries" || f == "pg_init_delay_msecs") {
            if (i + 1 >= features.size() || !text::to_unsigned(features[i + 1], 0xffffffffU)) {
                return make_error(ErrorCode::InvalidArgument,
                                  "dm table: feature " + f + " needs a numeric argument");
            }
            ++i;
            continue;
        }
        if (f == "queue_mode") {
            if (i + 1 >= features.size() || (features[i + 1] != "bio" && features[i + 1] != "rq" &&
                                             features[i + 1] != "mq" && features[i + 1] != "nvme")) {
                return make_error(ErrorCode::InvalidArgument,
                                  "dm table: feature queue_mode needs bio, rq, mq or nvme");
            }
            ++i;
            continue;
        }
        return make_error(ErrorCode::InvalidArgument, "dm table: unknown feature '" + text::quote(f) +
                                                          "' (feature word " + std::to_string(i + 1) + ")");
    }
    return {};
}

void append(std::string& out, std::string_view token) {
    if (!out.empty()) {
        out += ' ';
    }
    out += token;
}

bool is_token(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    return std::none_of(s.begin(), s.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte <= 0x20 || byte >= 0x7f;
    });
}

}  // namespace

std::string format_table(const DmMultipathTable& table) {
    std::string out;
    append(out, std::to_string(table.features.size()));
    for (const auto& f : table.features) {
        append(out, f);
    }
    if (table.hw_handler.empty()) {
        append(out, "0");
    } else {
        append(out, std::to_string(1 + table.hw_handler_args.size()));
        append(out, table.hw_handler);
        for (const auto& a : table.hw_handler_args) {
            append(out, a);
        }
    }
    append(out, std::to_string(table.groups.size()));
    append(out, std::to_string(table.initial_group));
    for (const auto& g : table.groups) {
        append(out, g.selector);
        append(out, std::to_string(g.selector_args.size()));
        for (const auto& a : g.selector_args) {
            append(out, a);
        }
        append(out, std::to_string(g.paths.size()));
        append(out, std::to_string(g.path_arg_count));
        for (const auto& p : g.paths) {
            append(out, p.devt.to_string());
            for (const auto& a : p.args) {
                append(out, a);
            }
        }
    }
    return out;
}

Result<void> validate_table(const DmMultipathTable& table) {
    auto fail = [](std::string msg) { return make_error(ErrorCode::InvalidArgument, "dm table: " + msg); };
    if (table.features.size() > dm_max_args || table.hw_handler_args.size() > dm_max_args) {
        return fail("too many feature or hw handler args");
    }
    if (!std::all_of(table.features.begin(), table.features.end(), is_token)) {
        return fail("a feature word is empty or contains whitespace");
    }
    if (auto r = check_features(table.features); !r) {
        return r.error();
    }
    if (table.hw_handler.empty() ? !table.hw_handler_args.empty() : !is_token(table.hw_handler)) {
        return fail("hw handler args without a handler, or a bad handler name");
    }
    if (!std::all_of(table.hw_handler_args.begin(), table.hw_handler_args.end(), is_token)) {
        return fail("a hw handler arg is empty or contains whitespace");
    }
    if (table.groups.size() > dm_max_groups) {
        return fail("more than " + std::to_string(dm_max_groups) + " groups");
    }
    if (table.groups.empty() ? table.initial_group != 0 : table.initial_group > table.groups.size()) {
        return fail("initial group " + std::to_string(table.initial_group) + " out of range for " +
                    std::to_string(table.groups.size()) + " groups");
    }
    std::size_t total_paths = 0;
    for (std::size_t gi = 0; gi < table.groups.size(); ++gi) {
        const auto& g = table.groups[gi];
        const std::string where = "group " + std::to_string(gi + 1) + ": ";
        if (!is_selector_name(g.selector)) {
            return fail(where + "bad selector name '" + text::quote(g.selector) + "'");
        }
        if (g.selector_args.size() > dm_max_args || g.path_arg_count > dm_max_args) {
            return fail(where + "too many selector or path args");
        }
        if (!std::all_of(g.selector_args.begin(), g.selector_args.end(), is_token)) {
            return fail(where + "a selector arg is empty or contains whitespace");
        }
        total_paths += g.paths.size();
        for (const auto& p : g.paths) {
            if (p.args.size() != g.path_arg_count || !std::all_of(p.args.begin(), p.args.end(), is_token)) {
                return fail(where + "path " + p.devt.to_string() + " has " + std::to_string(p.args.size()) +
                            " args, the group declares " + std::to_string(g.path_arg_count));
            }
        }
    }
    if (total_paths > dm_max_paths) {
        return fail("more than " + std::to_string(dm_max_paths) + " paths");
    }
    return {};
}

bool has_feature(const DmMultipathTable& table, std::string_view word) {
    return std::find(table.features.begin(), table.features.end(), word) != table.features.end();
}

Result<DmMultipathTable> parse_table(std::string_view text) {
    auto tokens = tokenize("dm table", text);
    if (!tokens) {
        return tokens.error();
    }
    TokenReader in("dm table", std::move(*tokens));
    DmMultipathTable table;

    auto feature_count = in.count("number of features", dm_max_args);
    if (!feature_count) {
        return feature_count.error();
    }
    auto features = in.words(*feature_count, "feature");
    if (!features) {
        return features.error();
    }
    table.features = std::move(*features);
    if (auto r = check_features(table.features); !r) {
        return r.error();
    }

    auto hw_count = in.count("number of hw handler args", dm_max_args + 1);
    if (!hw_count) {
        return hw_count.error();
    }
    if (*hw_count > 0) {
        auto name = in.word("hw handler name");
        if (!name) {
            return name.error();
        }
        table.hw_handler = std::string(*name);
        auto args = in.words(*hw_count - 1, "hw handler arg");
        if (!args) {
            return args.error();
        }
        table.hw_handler_args = std::move(*args);
    }

    auto group_count = in.number("number of priority groups", dm_max_groups);
    if (!group_count) {
        return group_count.error();
    }
    auto initial = in.number("initial priority group", dm_max_groups);
    if (!initial) {
        return initial.error();
    }
    if ((*group_count == 0) != (*initial == 0) || *initial > *group_count) {
        return make_error(ErrorCode::InvalidArgument, "dm table: initial group " + std::to_string(*initial) +
                                                          " is invalid for " + std::to_string(*group_count) +
                                                          " groups");
    }
    table.initial_group = static_cast<unsigned>(*initial);

    std::size_t total_paths = 0;
    for (std::uint64_t gi = 0; gi < *group_count; ++gi) {
        DmTableGroup group;
        const std::string where = "group " + std::to_string(gi + 1) + " ";
        auto selector = in.word(where + "path selector");
        if (!selector) {
            return selector.error();
        }
        if (!is_selector_name(*selector) || text::to_unsigned(*selector)) {
            return make_error(ErrorCode::InvalidArgument, "dm table: " + where + "path selector name '" +
                                                              text::quote(*selector) +
                                                              "' is not a selector name");
        }
        group.selector = std::string(*selector);
        auto sel_count = in.count(where + "number of selector args", dm_max_args);
        if (!sel_count) {
            return sel_count.error();
        }
        auto sel_args = in.words(*sel_count, where + "selector arg");
        if (!sel_args) {
            return sel_args.error();
        }
        group.selector_args = std::move(*sel_args);
        auto path_count = in.number(where + "number of paths", dm_max_paths);
        if (!path_count) {
            return path_count.error();
        }
        auto path_args = in.number(where + "number of per-path args", dm_max_args);
        if (!path_args) {
            return path_args.error();
        }
        total_paths += *path_count;
        if (total_paths > dm_max_paths) {
            return make_error(ErrorCode::InvalidArgument,
                              "dm table: more than " + std::to_string(dm_max_paths) + " paths");
        }
        if (*path_count * (1 + *path_args) > in.remaining()) {
            return in.error_here(std::to_string(*path_count) + " paths of " + std::to_string(1 + *path_args) +
                                 " tokens each, but only " + std::to_string(in.remaining()) +
                                 " tokens remain");
        }
        group.path_arg_count = static_cast<unsigned>(*path_args);
        group.paths.reserve(*path_count);
        for (std::uint64_t pi = 0; pi < *path_count; ++pi) {
            DmTablePath path;
            auto devt = in.devt(where + "path device");
            if (!devt) {
                return devt.error();
            }
            path.devt = *devt;
            auto args = in.words(group.path_arg_count, where + "path arg");
            if (!args) {
                return args.error();
            }
            path.args = std::move(*args);
            group.paths.push_back(std::move(path));
        }
        table.groups.push_back(std::move(group));
    }
    if (auto end = in.expect_end(); !end) {
        return end.error();
    }
    return table;
}

namespace {

struct CanonicalFeatures {
    std::uint64_t pg_init_retries = 0;
    std::optional<std::uint64_t> pg_init_delay_msecs;
    std::string queue_mode;  // "" = request-based default
    bool operator==(const CanonicalFeatures&) const = default;
};

CanonicalFeatures canonical_features(const std::vector<std::string>& features) {
    CanonicalFeatures out;
    for (std::size_t i = 0; i < features.size(); ++i) {
        const std::string& f = features[i];
        const bool has_arg = i + 1 < features.size();
        if (f == "pg_init_retries" && has_arg) {
            out.pg_init_retries = text::to_unsigned(features[++i]).value_or(0);
        } else if (f == "pg_init_delay_msecs" && has_arg) {
            out.pg_init_delay_msecs = text::to_unsigned(features[++i]);
        } else if (f == "queue_mode" && has_arg) {
            const std::string& mode = features[++i];
            out.queue_mode = (mode == "mq" || mode == "rq") ? "" : mode;
        }
        // queue_if_no_path and retain_attached_hw_handler: see tables_equivalent() in the header.
    }
    return out;
}

// The per-path args as the kernel stores (and echoes) them.
std::vector<std::string> canonical_path_args(const std::string& selector,
                                             const std::vector<std::string>& args) {
    auto repeat = [&](std::uint64_t fallback) -> std::string {
        std::uint64_t value = fallback;
        if (!args.empty()) {
            auto parsed = text::to_unsigned(args[0]);
            if (!parsed) {
                return args[0];
            }
            value = *parsed;
        }
        return std::to_string(std::min<std::uint64_t>(value, 1));
    };
    if (selector == "round-robin" && args.size() <= 1) {
        return {repeat(1000)};
    }
    if (selector == "queue-length" && args.size() <= 1) {
        return {repeat(1)};
    }
    if (selector == "service-time" && args.size() <= 2) {
        std::string throughput = "1";
        if (args.size() == 2) {
            auto parsed = text::to_unsigned(args[1]);
            throughput = parsed ? std::to_string(*parsed) : args[1];
        }
        return {repeat(1), throughput};
    }
    return args;
}

std::vector<std::pair<DevT, std::vector<std::string>>> canonical_paths(const DmTableGroup& group) {
    std::vector<std::pair<DevT, std::vector<std::string>>> out;
    out.reserve(group.paths.size());
    for (const auto& p : group.paths) {
        out.emplace_back(p.devt, canonical_path_args(group.selector, p.args));
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

bool tables_equivalent(const DmMultipathTable& desired, const DmMultipathTable& actual) {
    if (canonical_features(desired.features) != canonical_features(actual.features)) {
        return false;
    }
    if (!desired.hw_handler.empty() && desired.hw_handler != actual.hw_handler) {
        return false;
    }
    if (desired.groups.size() != actual.groups.size()) {
        return false;
    }
    for (std::size_t i = 0; i < desired.groups.size(); ++i) {
        const auto& d = desired.groups[i];
        const auto& a = actual.groups[i];
        if (d.selector != a.selector || d.selector_args != a.selector_args) {
            return false;
        }
        if (canonical_paths(d) != canonical_paths(a)) {
            return false;
        }
    }
    return true;
}

unsigned DmMultipathStatus::active_group() const {
    for (std::size_t i = 0; i < groups.size(); ++i) {
        if (groups[i].state == DmGroupState::Active) {
            return static_cast<unsigned>(i + 1);
        }
    }
    return 0;
}

Result<DmMultipathStatus> parse_status(std::string_view text) {
    auto tokens = tokenize("dm status", text);
    if (!tokens) {
        return tokens.error();
    }
    TokenReader in("dm status", std::move(*tokens));
    DmMultipathStatus status;

    // STATUSTYPE_INFO features: "2 <queue_io> <pg_init_count>" on every kernel since 2.6.x.
    auto feature_count = in.count("number of status features", dm_max_args);
    if (!feature_count) {
        return feature_count.error();
    }
    for (unsigned i = 0; i < *feature_count; ++i) {
        if (i < 2) {
            auto value = in.number(i == 0 ? "queue_io flag" : "pg_init count", i == 0 ? 1 : 0xffffffffU);
            if (!value) {
                return value.error();
            }
            if (i == 0) {
                status.queue_io = *value != 0;
            } else {
                status.pg_init_count = static_cast<unsigned>(*value);
            }
        } else {
            auto word = in.word("status feature");
            if (!word) {
                return word.error();
            }
            status.queue_if_no_path = status.queue_if_no_path || *word == "queue_if_no_path";
        }
    }

    auto hw_count = in.count("number of hw handler status args", dm_max_args);
    if (!hw_count) {
        return hw_count.error();
    }
    if (auto skipped = in.words(*hw_count, "hw handler status arg"); !skipped) {
        return skipped.error();
    }

    auto group_count = in.number("number of priority groups", dm_max_groups);
    if (!group_count) {
        return group_count.error();
    }
    auto next = in.number("next priority group", dm_max_groups);
    if (!next) {
        return next.error();
    }
    if (*next > *group_count) {
        return make_error(ErrorCode::InvalidArgument, "dm status: next group " + std::to_string(*next) +
                                                          " exceeds " + std::to_string(*group_count) +
                                                          " groups");
    }
    status.next_group = static_cast<unsigned>(*next);

    std::size_t total_paths = 0;
    for (std::uint64_t gi = 0; gi < *group_count; ++gi) {
        DmGroupStatus group;
        const std::string where = "group " + std::to_string(gi + 1) + " ";
        auto state = in.word(where + "state A, E or D");
        if (!state) {
            return state.error();
        }
        if (*state == "A") {
            group.state = DmGroupState::Active;
        } else if (*state == "E") {
            group.state = DmGroupState::Enabled;
        } else if (*state == "D") {
            group.state = DmGroupState::Disabled;
        } else {
            return make_error(ErrorCode::InvalidArgument,
                              "dm status: " + where + "state '" + text::quote(*state) + "' is not A, E or D");
        }
        auto group_args = in.count(where + "number of selector status args", dm_max_args);
        if (!group_args) {
            return group_args.error();
        }
        if (auto skipped = in.words(*group_args, where + "selector status arg"); !skipped) {
            return skipped.error();
        }
        auto path_count = in.number(where + "number of paths", dm_max_paths);
        if (!path_count) {
            return path_count.error();
        }
        auto info_args = in.number(where + "number of per-path selector status args", dm_max_args);
        if (!info_args) {
            return info_args.error();
        }
        total_paths += *path_count;
        if (total_paths > dm_max_paths) {
            return make_error(ErrorCode::InvalidArgument,
                              "dm status: more than " + std::to_string(dm_max_paths) + " paths");
        }
        if (*path_count * (3 + *info_args) > in.remaining()) {
            return in.error_here(std::to_string(*path_count) + " paths of " + std::to_string(3 + *info_args) +
                                 " tokens each, but only " + std::to_string(in.remaining()) +
                                 " tokens remain");
        }
        group.paths.reserve(*path_count);
        for (std::uint64_t pi = 0; pi < *path_count; ++pi) {
            DmPathStatus path;
            auto devt = in.devt(where + "path device");
            if (!devt) {
                return devt.error();
            }
            path.devt = *devt;
            auto dm_state = in.word(where + "path state A or F");
            if (!dm_state) {
                return dm_state.error();
            }
            if (*dm_state == "A") {
                path.state = DmPathState::Active;
            } else if (*dm_state == "F") {
                path.state = DmPathState::Failed;
            } else {
                return make_error(ErrorCode::InvalidArgument, "dm status: " + where + "path " +
                                                                  path.devt.to_string() + " state '" +
                                                                  text::quote(*dm_state) + "' is not A or F");
            }
            auto fails = in.number(where + "path fail count", 0xffffffffU);
            if (!fails) {
                return fails.error();
            }
            path.fail_count = static_cast<unsigned>(*fails);
            auto args = in.words(static_cast<unsigned>(*info_args), where + "path selector status arg");
            if (!args) {
                return args.error();
            }
            path.selector_args = std::move(*args);
            group.paths.push_back(std::move(path));
        }
        status.groups.push_back(std::move(group));
    }
    if (auto end = in.expect_end(); !end) {
        return end.error();
    }
    return status;
}

}  // namespace pathkeeper::core
