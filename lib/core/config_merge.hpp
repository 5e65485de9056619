#pragma once
// Drop-in configuration: how a later file (conf.d/*.yaml, in name order) combines with what the main
// file and the earlier drop-ins said. Pure: the files are parsed by lib/config, merged here.
//
//   defaults, overrides          per key, the later file wins (its location replaces the earlier one)
//   devices                      appended; a later rule wins over an earlier one as in one file
//   blacklist(_exceptions)       appended
//   multipaths                   appended; a WWID or alias another file already has is an error

#include <string>
#include <vector>

#include "core/config.hpp"

namespace pathkeeper::core {

// One problem found while merging: where it was written and what is wrong.
struct MergeProblem {
    SourceLocation where;
    std::string key;  // "multipaths[0].wwid", as the YAML front end names keys
    std::string message;
};

// Merges `later` into `into`; `later.source_file` is recorded in into.drop_in_files. Entries that would
// conflict are left out and reported; everything else is merged.
std::vector<MergeProblem> merge_config(Config& into, Config later);

}  // namespace pathkeeper::core
