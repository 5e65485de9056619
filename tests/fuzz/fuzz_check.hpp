#pragma once
// FUZZ_CHECK: an invariant check that aborts (a libFuzzer crash) whatever NDEBUG says, printing what failed.

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                                           \
    do {                                                                                                \
        if (!(condition)) {                                                                             \
            std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #condition); \
            std::abort();                                                                               \
        }                                                                                               \
    } while (false)
