#include "support/architecture.hpp"

#include <catch2/catch.hpp>
#include <fstream>

namespace shopd::testing {
namespace {

namespace fs = std::filesystem;

struct FixtureTree {
    FixtureTree() : root(fs::temp_directory_path() / ("shopd-arch-" + std::to_string(::getpid()))) {
        fs::remove_all(root);
    }
    ~FixtureTree() { fs::remove_all(root); }
    void write(const std::string& relative, const std::string& text) const {
        fs::create_directories((root / relative).parent_path());
        std::ofstream(root / relative) << text;
    }
    fs::path root;
};

}  // namespace

TEST_CASE("the architecture check reports a module including another module's internals",
          "[architecture]") {
    FixtureTree tree;
    tree.write("modules/order/saga.cpp",
               "#include <shopd/contracts/inventory.hpp>\n"
               "#include \"order/saga.hpp\"\n"
               "#include \"../inventory/repository.hpp\"\n");
    tree.write("modules/inventory/repository.hpp", "#pragma once\n");
    const auto violations = find_include_violations(tree.root);
    REQUIRE(violations.size() == 1);
    CHECK(violations[0].file == "modules/order/saga.cpp");
    CHECK(violations[0].line == 3);
    CHECK(violations[0].include == "../inventory/repository.hpp");
}

TEST_CASE("the architecture check reports the platform including a module or a contract",
          "[architecture]") {
    FixtureTree tree;
    tree.write("modules/order/order.hpp", "#pragma once\n");
    tree.write("src/bus/bus.cpp",
               "#include \"bus/bus.hpp\"\n#include <shopd/contracts/order.hpp>\n"
               "#include \"order/order.hpp\"\n");
    CHECK(find_include_violations(tree.root).size() == 2);
}

TEST_CASE("no module reaches into another and the platform knows no module", "[architecture]") {
    const fs::path source = SHOPD_TEST_SOURCE_DIR;
    REQUIRE(fs::is_directory(source / "src"));
    for (const auto& violation : find_include_violations(source)) {
        FAIL_CHECK(violation.file << ":" << violation.line << ": #include " << violation.include
                                  << ": " << violation.rule);
    }
}

}  // namespace shopd::testing
