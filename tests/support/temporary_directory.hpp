#pragma once
// A directory of its own for one test, removed with everything in it afterwards.

#include <filesystem>
#include <string>
#include <unistd.h>

namespace shopd::testing {

struct TemporaryDirectory {
    TemporaryDirectory() {
        path = std::filesystem::temp_directory_path() /
               ("shopd-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~TemporaryDirectory() { std::filesystem::remove_all(path); }
    std::filesystem::path path;
    static inline int counter = 0;
};

}  // namespace shopd::testing
