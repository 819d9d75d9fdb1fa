// A file replaced in one step: see atomic_file.hpp.
#include "atomic_file.hpp"

#include <cerrno>
#include <filesystem>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ifpinctl {
namespace {

// Throws what errno says, with the message made after errno was read (building a string may change it).
template <typename Message>
[[noreturn]] void fail(Message message)
{
    int error = errno;
    throw std::system_error(error, std::generic_category(), message());
}

// Closes the descriptor and removes the temporary file unless released.
class TemporaryFile {
public:
    explicit TemporaryFile(std::string pattern) : path_(std::move(pattern))
    {
        fd_ = mkostemp(path_.data(), O_CLOEXEC);
        if (fd_ < 0)
            fail([&] { return "cannot create a temporary file " + path_; });
    }
    ~TemporaryFile()
    {
        if (fd_ >= 0)
            close(fd_);
        if (!path_.empty())
            unlink(path_.c_str());
    }
    TemporaryFile(const TemporaryFile &) = delete;
    TemporaryFile &operator=(const TemporaryFile &) = delete;

    int fd() const { return fd_; }
    const std::string &path() const { return path_; }
    void closeFile()
    {
        int fd = fd_;
        fd_ = -1;
        if (close(fd) != 0)
            fail([&] { return "cannot write " + path_; });
    }
    void release() { path_.clear(); }

private:
    std::string path_;
    int fd_ = -1;
};

void writeAll(int fd, const std::string &content, const std::string &path)
{
    size_t done = 0;
    while (done < content.size()) {
        ssize_t n = write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            fail([&] { return "cannot write " + path; });
        done += static_cast<size_t>(n);
    }
}

} // namespace

void replaceFileAtomically(const std::string &path, const std::string &content, mode_t mode)
{
    const std::filesystem::path target(path);
    const std::filesystem::path directory = target.has_parent_path() ? target.parent_path() : ".";
    if (target.filename().empty())
        throw std::system_error(EISDIR, std::generic_category(), "cannot write " + path + ": not a file name");

    TemporaryFile temporary((directory / ("." + target.filename().string() + ".XXXXXX")).string());
    writeAll(temporary.fd(), content, temporary.path());
    // mkostemp makes the file 0600; the reader (node exporter's user) must be able to read it.
    if (fchmod(temporary.fd(), mode) != 0)
        fail([&] { return "cannot set the mode of " + temporary.path(); });
    if (fsync(temporary.fd()) != 0)
        fail([&] { return "cannot flush " + temporary.path(); });
    temporary.closeFile();
    if (rename(temporary.path().c_str(), path.c_str()) != 0)
        fail([&] { return "cannot rename " + temporary.path() + " to " + path; });
    temporary.release();

    int dirFd = open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd < 0)
        fail([&] { return "cannot open " + directory.string() + " to flush it"; });
    int synced = fsync(dirFd);
    int syncErrno = errno;
    close(dirFd);
    if (synced != 0) {
        errno = syncErrno;
        fail([&] { return "cannot flush " + directory.string(); });
    }
}

} // namespace ifpinctl
