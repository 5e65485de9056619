#include "migrate/multipath_conf.hpp"

#include <optional>

namespace pathkeeper::migrate {

namespace {

// multipath-tools knows two levels: sections and their subsections (devices { device { } }).
constexpr std::size_t max_depth = 2;
// A garbage file could yield an error per line; the first ones are enough to see what is wrong.
constexpr std::size_t max_errors = 20;

struct Token {
    std::string text;
    bool quoted = false;
    bool is(char c) const { return !quoted && text.size() == 1 && text[0] == c; }
};

struct LineTokens {
    std::vector<Token> tokens;
    std::optional<std::string> error;
};

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

LineTokens tokenize(std::string_view line) {
    LineTokens out;
    std::size_t i = 0;
    while (i < line.size()) {
        const char c = line[i];
        if (is_space(c)) {
            ++i;
        } else if (c == '#' || c == '!') {
            break;  // comment to end of line
        } else if (c == '{' || c == '}') {
            out.tokens.push_back({std::string(1, c), false});
            ++i;
        } else if (c == '"') {
            std::string text;
            ++i;
            bool closed = false;
            while (i < line.size()) {
                if (line[i] == '"') {
                    if (i + 1 < line.size() && line[i + 1] == '"') {
                        text += '"';
                        i += 2;
                        continue;
                    }
                    closed = true;
                    ++i;
                    break;
                }
                text += line[i++];
            }
            if (!closed) {
                out.error = "unterminated quoted string";
                return out;
            }
            out.tokens.push_back({std::move(text), true});
        } else {
            std::string text;
            while (i < line.size() && !is_space(line[i]) && line[i] != '{' && line[i] != '}' &&
                   line[i] != '"' && line[i] != '#' && line[i] != '!') {
                text += line[i++];
            }
            out.tokens.push_back({std::move(text), false});
        }
    }
    return out;
}

std::string printable(std::string_view text) {
    std::string out;
    for (char c : text.substr(0, 40)) {
        const auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? '?' : c;
    }
    if (text.size() > 40) {
        out += "...";
    }
    return out;
}

}  // namespace

core::Result<ConfFile> parse_multipath_conf(std::string_view text, std::string_view file_name) {
    const std::string file = file_name.empty() ? std::string("<input>") : std::string(file_name);
    if (text.size() > max_multipath_conf_size) {
        return core::make_error(core::ErrorCode::InvalidArgument,
                                file + ": " + std::to_string(text.size()) +
                                    " bytes is too large for a multipath.conf (limit 4 MiB)");
    }
    ConfFile result;
    std::vector<std::string> errors;
    std::size_t error_count = 0;
    auto error = [&](int line, const std::string& message) {
        if (++error_count <= max_errors) {
            errors.push_back(file + ":" + std::to_string(line) + ": " + message);
        }
    };
    // Open sections, outermost first. The vector of top-level sections owns them; the stack holds the
    // path of indexes because push_back may move subsections.
    std::vector<std::size_t> open;
    auto current = [&]() -> ConfSection* {
        if (open.empty()) {
            return nullptr;
        }
        ConfSection* s = &result.sections[open[0]];
        for (std::size_t d = 1; d < open.size(); ++d) {
            s = &s->subsections[open[d]];
        }
        return s;
    };

    int line_no = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        const std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;

        if (line.find('\0') != std::string_view::npos) {
            error(line_no, "NUL byte: this is not a text file");
            continue;
        }
        LineTokens lt = tokenize(line);
        if (lt.error) {
            error(line_no, *lt.error);
            continue;
        }
        auto& tokens = lt.tokens;
        if (tokens.empty()) {
            continue;
        }
        if (tokens.front().is('}')) {
            if (open.empty()) {
                error(line_no, "'}' without an open section");
                continue;
            }
            current()->end_line = line_no;
            open.pop_back();
            if (tokens.size() > 1) {
                result.warnings.push_back(
                    {line_no, "text after '}' ignored: \"" + printable(tokens[1].text) + "\""});
            }
            continue;
        }
        const bool opens = tokens.back().is('{');
        for (std::size_t t = 0; t + (opens ? 1 : 0) < tokens.size(); ++t) {
            if (tokens[t].is('{') || tokens[t].is('}')) {
                error(line_no, std::string("'") + tokens[t].text +
                                   "' must end the line ('{') or stand alone on it ('}')");
                tokens.clear();
                break;
            }
        }
        if (tokens.empty()) {
            continue;
        }
        if (opens) {
            if (tokens.size() == 1) {
                error(line_no, "'{' without a section name");
                continue;
            }
            if (open.size() >= max_depth) {
                error(line_no, "section \"" + printable(tokens[0].text) +
                                   "\" nested too deeply (multipath.conf has "
                                   "sections and subsections only)");
                // Keep the braces balanced so the rest of the file is still understood.
            }
            if (tokens.size() > 2) {
                result.warnings.push_back({line_no, "text between section name \"" +
                                                        printable(tokens[0].text) + "\" and '{' ignored"});
            }
            ConfSection section;
            section.name = tokens[0].text;
            section.line = line_no;
            if (ConfSection* parent = current()) {
                parent->subsections.push_back(std::move(section));
                open.push_back(parent->subsections.size() - 1);
            } else {
                result.sections.push_back(std::move(section));
                open.push_back(result.sections.size() - 1);
            }
            continue;
        }
        ConfSection* parent = current();
        if (parent == nullptr) {
            error(line_no, "\"" + printable(tokens[0].text) +
                               "\" outside any section (expected a section such as "
                               "\"defaults {\")");
            continue;
        }
        ConfAttribute attribute;
        attribute.keyword = tokens[0].text;
        attribute.line = line_no;
        if (tokens.size() >= 2) {
            attribute.quoted = tokens[1].quoted;
            if (tokens[1].quoted && tokens.size() > 2) {
                result.warnings.push_back({line_no, "text after the quoted value of \"" +
                                                        printable(attribute.keyword) + "\" ignored"});
                attribute.value = tokens[1].text;
            } else {
                for (std::size_t t = 1; t < tokens.size(); ++t) {
                    attribute.value += (t > 1 ? " " : "") + tokens[t].text;
                }
            }
        }
        parent->attributes.push_back(std::move(attribute));
    }
    while (!open.empty()) {
        const ConfSection* s = current();
        error(s->line,
              "section \"" + printable(s->name) + "\" is not closed before the end of the file (truncated?)");
        open.pop_back();
    }
    if (error_count > 0) {
        std::string message;
        for (const auto& e : errors) {
            message += (message.empty() ? "" : "\n") + e;
        }
        if (error_count > max_errors) {
            message +=
                "\n" + file + ": " + std::to_string(error_count - max_errors) + " more errors not shown";
        }
        return core::make_error(core::ErrorCode::InvalidArgument, std::move(message));
    }
    return result;
}

}  // namespace pathkeeper::migrate
