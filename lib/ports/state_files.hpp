#pragma once
// Port: small persistent text files (the bindings file, the known-WWIDs file, multipath-tools' bindings for
// import). The text format itself is lib/core's business (core/bindings.hpp); this port only moves bytes, and
// writes them atomically: a crash or a full disk leaves either the old file or the new one, never a torn mix.

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace pathkeeper::ports {

class StateFiles {
public:
    virtual ~StateFiles() = default;
    // Whole file content. NotFound when it does not exist (first start), Io for other failures.
    virtual core::Result<std::string> read(const std::string& path) = 0;
    // Temp file in the same directory, write, fsync, rename over path, fsync the directory. Mode 0644.
    // Creates the parent directory (0755) if missing. On any failure the old file is left intact.
    virtual core::Result<void> write_atomic(const std::string& path, std::string_view content) = 0;
};

}  // namespace pathkeeper::ports
