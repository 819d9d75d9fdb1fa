// `ifpinctl metrics --output`'s write: the new content in place with the mode asked for (whatever the
// umask), the old file replaced, no temporary file left behind either way, and a failure that names
// the file and leaves the old content alone. In a temporary directory of the test's own.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "atomic_file.hpp"

namespace ifpinctl {
namespace {

class AtomicFile : public ::testing::Test {
protected:
    void SetUp() override
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "ifpinctl-atomic.XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string path(const std::string &name) const { return (dir_ / name).string(); }
    static std::string read(const std::string &file)
    {
        std::ifstream in(file);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }
    size_t entries() const
    {
        return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir_), {}));
    }

    std::filesystem::path dir_;
};

TEST_F(AtomicFile, WritesTheContentWithTheModeWhateverTheUmask)
{
    mode_t old = umask(077);
    replaceFileAtomically(path("ifpin.prom"), "ifpin_up 1\n", 0644);
    umask(old);
    EXPECT_EQ(read(path("ifpin.prom")), "ifpin_up 1\n");
    struct stat st {};
    ASSERT_EQ(stat(path("ifpin.prom").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0644u);
    EXPECT_EQ(entries(), 1u) << "no temporary file left";
}

TEST_F(AtomicFile, ReplacesTheOldFile)
{
    std::ofstream(path("ifpin.prom")) << "old and longer content\n";
    replaceFileAtomically(path("ifpin.prom"), "new\n", 0644);
    EXPECT_EQ(read(path("ifpin.prom")), "new\n");
    EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFile, AMissingDirectoryIsAnErrorNamingIt)
{
    try {
        replaceFileAtomically(path("missing/ifpin.prom"), "x\n", 0644);
        FAIL() << "no error";
    } catch (const std::system_error &error) {
        EXPECT_NE(std::string(error.what()).find(path("missing")), std::string::npos) << error.what();
        EXPECT_EQ(error.code().value(), ENOENT);
    }
}

TEST_F(AtomicFile, AFailedRenameLeavesTheOldContentAndNoTemporaryFile)
{
    // The target is a non-empty directory: rename(2) refuses, after the temporary file was written.
    std::filesystem::create_directory(path("ifpin.prom"));
    std::ofstream(path("ifpin.prom/keep")) << "kept\n";
    EXPECT_THROW(replaceFileAtomically(path("ifpin.prom"), "x\n", 0644), std::system_error);
    EXPECT_EQ(read(path("ifpin.prom/keep")), "kept\n");
    EXPECT_EQ(entries(), 1u) << "the temporary file was removed";
}

} // namespace
} // namespace ifpinctl
