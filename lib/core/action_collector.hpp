#pragma once
// The actions one Engine::handle() call decides, in order, as its parts add them.

#include <string>
#include <utility>
#include <vector>

#include "core/actions.hpp"

namespace pathkeeper::core {

class ActionCollector {
public:
    void add(Action a) { actions_.push_back(std::move(a)); }
    void log(LogLevel level, std::string context, std::string message) {
        actions_.push_back(Log{level, std::move(context), std::move(message)});
    }
    std::vector<Action> take() { return std::move(actions_); }

private:
    std::vector<Action> actions_;
};

}  // namespace pathkeeper::core
