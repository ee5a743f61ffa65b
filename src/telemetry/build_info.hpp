#pragma once
// What this binary is: shopd's version and commit, how it was built, and the versions of the
// libraries it runs on. For --version and shopd_build_info.

#include <string>

namespace shopd::telemetry {

struct BuildInfo {
    std::string version;
    std::string commit;  // "-dirty" when built from changed files; "unknown" outside git
    std::string build_type;
    std::string sqlite;
    std::string boost;
    std::string librdkafka;
    std::string openssl;
};

const BuildInfo& build_info();

}  // namespace shopd::telemetry
