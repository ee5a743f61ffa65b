#include "telemetry/build_info.hpp"

#include <boost/version.hpp>
#include <fmt/format.h>
#include <librdkafka/rdkafkacpp.h>
#include <openssl/crypto.h>
#include <sqlite3.h>

#include "shopd_commit.hpp"

namespace shopd::telemetry {

const BuildInfo& build_info() {
    static const BuildInfo info{
        .version = SHOPD_VERSION,
        .commit = SHOPD_COMMIT,
        .build_type = SHOPD_BUILD_TYPE,
        .sqlite = sqlite3_libversion(),
        .boost = fmt::format("{}.{}.{}", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000,
                             BOOST_VERSION % 100),
        .librdkafka = RdKafka::version_str(),
        .openssl = OpenSSL_version(OPENSSL_VERSION),
    };
    return info;
}

}  // namespace shopd::telemetry
