#include "support/architecture.hpp"

#include <catch2/catch.hpp>
#include <fstream>

namespace shopd::testing {
namespace {

namespace fs = std::filesystem;

// A source tree of the same shape as the repository's, written for one rule to catch.
struct FixtureTree {
    FixtureTree() : root(fs::temp_directory_path() / ("shopd-arch-" + std::to_string(::getpid()))) {
        fs::remove_all(root);
        write("src/bus/bus.hpp", "#pragma once\n");
        write("modules/order/saga.hpp", "#pragma once\n");
        write("modules/inventory/stock.hpp", "#pragma once\n");
    }
    ~FixtureTree() { fs::remove_all(root); }
    void write(const std::string& relative, const std::string& text) const {
        fs::create_directories((root / relative).parent_path());
        std::ofstream(root / relative) << text;
    }
    std::vector<Violation> violations() const { return find_violations(root); }
    fs::path root;
};

}  // namespace

TEST_CASE("the architecture check passes a module that uses the module API and its own files",
          "[architecture]") {
    FixtureTree tree;
    tree.write("modules/order/saga.cpp",
               "#include <boost/json.hpp>\n#include <shopd/module.hpp>\n"
               "#include <shopd/contracts/inventory.hpp>\n#include \"saga.hpp\"\n");
    tree.write("src/bus/bus.cpp",
               "#include \"bus/bus.hpp\"\n#include <shopd/message.hpp>\n"
               "// messages are delivered in order\n");
    CHECK(tree.violations().empty());
}

TEST_CASE("the architecture check reports a module including another module's internals",
          "[architecture]") {
    FixtureTree tree;
    tree.write("modules/order/saga.cpp",
               "#include <shopd/contracts/inventory.hpp>\n"
               "#include \"saga.hpp\"\n"
               "#include \"../inventory/stock.hpp\"\n");
    const auto violations = tree.violations();
    REQUIRE(violations.size() == 1);
    CHECK(violations[0].file == "modules/order/saga.cpp");
    CHECK(violations[0].line == 3);
    CHECK(violations[0].text == "../inventory/stock.hpp");
}

TEST_CASE("the architecture check reports a module including the platform's internals",
          "[architecture]") {
    FixtureTree tree;
    tree.write("modules/order/saga.cpp", "#include \"bus/bus.hpp\"\n#include <bus/bus.hpp>\n");
    const auto violations = tree.violations();
    REQUIRE(violations.size() == 2);
    CHECK_THAT(violations[0].rule, Catch::Contains("module API"));
}

TEST_CASE("the architecture check reports a public header including the platform's internals",
          "[architecture]") {
    FixtureTree tree;
    tree.write("include/shopd/app.hpp", "#include <shopd/config.hpp>\n#include \"bus/bus.hpp\"\n");
    const auto violations = tree.violations();
    REQUIRE(violations.size() == 1);
    CHECK(violations[0].file == "include/shopd/app.hpp");
    CHECK(violations[0].line == 2);
}

TEST_CASE("the architecture check reports the platform including a module or a contract",
          "[architecture]") {
    FixtureTree tree;
    tree.write("src/bus/bus.cpp",
               "#include \"bus/bus.hpp\"\n#include <shopd/contracts/order.hpp>\n"
               "#include \"order/saga.hpp\"\n");
    CHECK(tree.violations().size() == 2);
}

TEST_CASE("the architecture check reports the platform naming a module or its setting",
          "[architecture]") {
    FixtureTree tree;
    tree.write("src/bus/bus.cpp",
               "auto timeout = setting(\"order.step_timeout_ms\");\n"
               "if (module == \"inventory\") {}\n"
               "order::Saga saga;\n");
    CHECK(tree.violations().size() == 3);
}

TEST_CASE("the architecture check reports platform units that include each other",
          "[architecture]") {
    FixtureTree tree;
    tree.write("src/bus/runtime.hpp", "#pragma once\n#include \"bus/dispatcher.hpp\"\n");
    tree.write("src/bus/dispatcher.hpp", "#pragma once\n");
    CHECK(tree.violations().empty());
    // The cycle closes in a source file, which a header-only view would miss.
    tree.write("src/bus/dispatcher.cpp",
               "#include \"bus/dispatcher.hpp\"\n#include \"bus/runtime.hpp\"\n");
    const auto violations = tree.violations();
    REQUIRE(violations.size() == 1);
    CHECK(violations[0].file == "src/bus/dispatcher.cpp");
    CHECK(violations[0].text == "bus/dispatcher -> bus/runtime -> bus/dispatcher");
}

TEST_CASE("no module reaches past the module API and the platform knows no module",
          "[architecture]") {
    const fs::path source = SHOPD_TEST_SOURCE_DIR;
    REQUIRE(fs::is_directory(source / "src"));
    for (const auto& violation : find_violations(source)) {
        FAIL_CHECK(violation.file << ":" << violation.line << ": " << violation.text << ": "
                                  << violation.rule);
    }
}

}  // namespace shopd::testing
