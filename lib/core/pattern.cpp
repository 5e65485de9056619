#include "core/pattern.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

namespace pathkeeper::core {

namespace {

bool is_simple_class_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == ' ' || c == '_';
}

// The characters of a bracket expression made only of letters, digits, spaces, '_' and ranges of letters or
// digits ("eE", "0-9", "234"); nullopt for anything else (negation, classes, a literal '-' or ']').
std::optional<std::string> simple_class_chars(std::string_view content) {
    std::string chars;
    for (std::size_t i = 0; i < content.size(); ++i) {
        const char c = content[i];
        if (!is_simple_class_char(c)) {
            return std::nullopt;
        }
        if (i + 2 < content.size() && content[i + 1] == '-') {
            const char last = content[i + 2];
            const auto same_class = [](char a, char b) {
                return (std::isdigit(static_cast<unsigned char>(a)) &&
                        std::isdigit(static_cast<unsigned char>(b))) ||
                       (std::islower(static_cast<unsigned char>(a)) &&
                        std::islower(static_cast<unsigned char>(b))) ||
                       (std::isupper(static_cast<unsigned char>(a)) &&
                        std::isupper(static_cast<unsigned char>(b)));
            };
            if (!same_class(c, last) || last < c) {
                return std::nullopt;
            }
            for (char x = c; x <= last; ++x) {
                chars.push_back(x);
            }
            i += 2;
            continue;
        }
        chars.push_back(c);
    }
    if (chars.empty()) {
        return std::nullopt;
    }
    return chars;
}

// The expression with each simple bracket expression written as an alternation of its characters
// ("NVM[eE]" -> "NVM(e|E)"), which matches the same strings: std::regex builds a bracket expression's
// matcher by running every one of the 256 byte values through the locale, about a hundred times the cost of
// the alternation. The expression unchanged when it has an escape or a bracket expression of another kind.
std::string without_simple_brackets(std::string_view expr) {
    if (expr.find('\\') != std::string_view::npos) {
        return std::string(expr);
    }
    std::string out;
    std::size_t i = 0;
    while (i < expr.size()) {
        if (expr[i] != '[') {
            out.push_back(expr[i++]);
            continue;
        }
        const std::size_t close = expr.find(']', i + 1);
        if (close == std::string_view::npos) {
            return std::string(expr);
        }
        const auto chars = simple_class_chars(expr.substr(i + 1, close - i - 1));
        if (!chars) {
            return std::string(expr);
        }
        std::string seen;
        out.push_back('(');
        for (const char c : *chars) {
            if (seen.find(c) != std::string::npos) {
                continue;
            }
            if (!seen.empty()) {
                out.push_back('|');
            }
            seen.push_back(c);
            out.push_back(c);
        }
        out.push_back(')');
        i = close + 1;
    }
    return out;
}

// The texts a body (the expression without its anchors) matches as text alone ("LIO-ORG"), or as one group of
// text alternatives ("(HITACHI|HP|HPE)"); nullopt when it needs the regex engine.
std::optional<std::vector<std::string>> literal_alternatives(std::string_view body) {
    constexpr std::string_view kOperators = ".[]\\()*+?{}|^$";
    if (body.find_first_of(kOperators) == std::string_view::npos) {
        return std::vector<std::string>{std::string(body)};
    }
    if (body.size() < 3 || body.front() != '(' || body.back() != ')') {
        return std::nullopt;
    }
    const std::string_view inner = body.substr(1, body.size() - 2);
    if (inner.find_first_of(".[]\\()*+?{}^$") != std::string_view::npos) {
        return std::nullopt;
    }
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t bar = inner.find('|', start);
        const std::string_view piece = inner.substr(start, bar == std::string_view::npos ? bar : bar - start);
        if (piece.empty()) {
            return std::nullopt;  // "(A|)" matches the empty string: left to the regex engine
        }
        out.emplace_back(piece);
        if (bar == std::string_view::npos) {
            return out;
        }
        start = bar + 1;
    }
}

}  // namespace

Result<Pattern> Pattern::compile(std::string_view text) {
    Pattern p;
    p.text_ = std::string(text);
    std::string_view expr = text;
    if (!expr.empty() && expr.front() == '!') {
        p.inverted_ = true;
        expr.remove_prefix(1);
    }
    if (expr.empty()) {
        return make_error(ErrorCode::InvalidArgument,
                          "invalid regular expression \"" + std::string(text) + "\": empty");
    }
    if (expr == ".*") {
        p.literal_ = Literal::Everything;
        return p;
    }
    const bool at_start = expr.front() == '^';
    std::string_view body = expr.substr(at_start ? 1 : 0);
    const bool at_end = !body.empty() && body.back() == '$';
    body = body.substr(0, body.size() - (at_end ? 1 : 0));
    if (auto alternatives = literal_alternatives(body)) {
        p.literal_ = at_start ? (at_end ? Literal::Whole : Literal::Prefix)
                              : (at_end ? Literal::Suffix : Literal::Anywhere);
        p.alternatives_ = std::move(*alternatives);
        return p;
    }
    try {
        p.regex_ = std::regex(without_simple_brackets(expr), std::regex::extended | std::regex::nosubs);
    } catch (const std::regex_error& e) {
        return make_error(ErrorCode::InvalidArgument,
                          "invalid regular expression \"" + std::string(text) + "\": " + e.what());
    }
    return p;
}

bool Pattern::matches(std::string_view subject) const {
    const auto any = [this](auto&& matches_text) {
        return std::any_of(alternatives_.begin(), alternatives_.end(), matches_text);
    };
    bool found = false;
    switch (literal_) {
        case Literal::No:
            found = std::regex_search(subject.begin(), subject.end(), regex_);
            break;
        case Literal::Anywhere:
            found = any([&](const std::string& t) { return subject.find(t) != std::string_view::npos; });
            break;
        case Literal::Prefix:
            found = any([&](const std::string& t) { return subject.starts_with(t); });
            break;
        case Literal::Suffix:
            found = any([&](const std::string& t) { return subject.ends_with(t); });
            break;
        case Literal::Whole:
            found = any([&](const std::string& t) { return subject == t; });
            break;
        case Literal::Everything:
            found = true;
            break;
    }
    return found != inverted_;
}

}  // namespace pathkeeper::core
