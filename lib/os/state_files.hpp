#pragma once
// Real StateFiles: atomic replace via a temp file in the same directory (see ports/state_files.hpp).

#include "ports/state_files.hpp"

namespace pathkeeper::os {

class AtomicStateFiles final : public ports::StateFiles {
public:
    core::Result<std::string> read(const std::string& path) override;
    core::Result<void> write_atomic(const std::string& path, std::string_view content) override;
};

}  // namespace pathkeeper::os
