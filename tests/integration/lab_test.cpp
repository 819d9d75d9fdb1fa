// LabTest, the base fixture (with sanitizerReportIn, its check of ifpind's logs), and the
// MesonRegistration check that tests/integration/meson.build names every compiled case.
#include "lab_fixture.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

namespace ifpin::lab {

// ---- fixture ---------------------------------------------------------------------------------

void LabTest::SetUp()
{
    if (geteuid() != 0)
        FAIL() << "integration tests need root (they create network namespaces); run them as root, "
                  "e.g. sudo meson test -C BUILD --suite integration";
    std::string ifpind, labScript;
    try {
        ifpind = requiredEnv("IFPIND");
        labScript = requiredEnv("IFPIN_LAB");
    } catch (const std::exception &error) {
        FAIL() << error.what();
    }
    if (access(ifpind.c_str(), X_OK) != 0)
        FAIL() << "IFPIND=" << ifpind << " is not an executable file: " << strerror(errno);
    if (access(labScript.c_str(), X_OK) != 0)
        FAIL() << "IFPIN_LAB=" << labScript << " is not an executable file: " << strerror(errno);

    const std::string probe = "ifp" + std::to_string(getpid()) + "-probe";
    auto added = runCommand({"ip", "netns", "add", probe});
    runCommand({"ip", "netns", "del", probe});
    if (!added.ok())
        FAIL() << "`ip netns add` does not work here, so there can be no lab: " << added.describe();

    try {
        lab_.emplace();
    } catch (const std::exception &error) {
        FAIL() << error.what();
    }
    std::filesystem::create_directories(scratch_.path() + "/state");
}

std::string sanitizerReportIn(const std::string &log)
{
    for (const char *marker : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"})
        if (log.find(marker) != std::string::npos)
            return marker;
    return {};
}

void LabTest::TearDown()
{
    // Under tools/run-sanitized-tests.sh: any ASan/UBSan/LSan report from ifpind fails the test,
    // whatever its exit status (LSan only reports at exit, so stop it first).
    if (daemon_.runs() > 0) {
        if (daemon_.running())
            daemon_.stop();
        if (auto marker = sanitizerReportIn(daemon_.allLogs()); !marker.empty())
            ADD_FAILURE() << "ifpind's log has a sanitizer report (\"" << marker << "\"); see the log below";
    }
    const char *verbose = std::getenv("IFPIN_ITEST_VERBOSE");
    if (!HasFailure() && !(verbose && *verbose && std::string_view(verbose) != "0"))
        return;
    if (lab_)
        std::cout << "==== lab " << lab_->prefix() << " at the end of the test ====\n" << lab_->describeState();
    if (daemon_.runs() > 0) {
        if (daemon_.running())
            daemon_.stop();
        std::cout << "==== ifpind log (exit status " << daemon_.exitStatus().value_or(-1) << ") ====\n"
                  << daemon_.allLogs() << "==== end of ifpind log ====\n";
    }
}

Lab &LabTest::lab()
{
    if (!lab_)
        throw std::logic_error("LabTest::lab() without a lab (SetUp failed)");
    return *lab_;
}

std::string LabTest::daemonSection(const std::string &table) const
{
    return "[daemon]\n"
           "table = " + table + "\n"
           "socket = \"" + scratch_.path() + "/ifpind.sock\"\n"
           "state_directory = \"" + scratch_.path() + "/state\"\n";
}

// ---- registration check ----------------------------------------------------------------------

// tests/integration/meson.build names every case, one meson test each, and a filter that matches
// nothing passes silently: this compares its list (IFPIN_REGISTERED_CASES="Suite:a,b,c") with the
// cases compiled into this binary.
TEST(MesonRegistration, EveryCaseIsAMesonTest)
{
    const char *registered = std::getenv("IFPIN_REGISTERED_CASES");
    if (!registered) {
        std::cout << "IFPIN_REGISTERED_CASES not set (not run by meson): nothing to compare\n";
        return;
    }
    std::string spec = registered;
    auto colon = spec.find(':');
    ASSERT_NE(colon, std::string::npos) << "IFPIN_REGISTERED_CASES=" << spec;
    const std::string suite = spec.substr(0, colon);
    std::set<std::string> inMeson;
    std::istringstream names(spec.substr(colon + 1));
    for (std::string name; std::getline(names, name, ',');)
        inMeson.insert(name);

    std::set<std::string> compiled;
    const auto &unitTest = *::testing::UnitTest::GetInstance();
    for (int i = 0; i < unitTest.total_test_suite_count(); ++i) {
        const auto &testSuite = *unitTest.GetTestSuite(i);
        if (suite != testSuite.name())
            continue;
        for (int j = 0; j < testSuite.total_test_count(); ++j)
            compiled.insert(testSuite.GetTestInfo(j)->name());
    }
    // total_test_* counts include cases a filter deselected, so the whole suite is seen here.
    for (const auto &name : compiled)
        EXPECT_TRUE(inMeson.contains(name)) << suite << "." << name << " is not in tests/integration/meson.build";
    for (const auto &name : inMeson)
        EXPECT_TRUE(compiled.contains(name)) << suite << "." << name << " is in meson.build but not compiled";
}

} // namespace ifpin::lab
