#include "core/small_file.hpp"

#include <array>
#include <cerrno>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/unique_fd.hpp"

namespace ifpin {

namespace {

[[noreturn]] void fail(const std::string &what, const std::string &path, int error = errno)
{
    throw std::system_error(error, std::generic_category(), what + " " + path);
}

void writeAll(int fd, std::string_view content, const std::string &path)
{
    while (!content.empty()) {
        ssize_t written = ::write(fd, content.data(), content.size());
        if (written < 0 && errno == EINTR)
            continue;
        if (written < 0)
            fail("cannot write", path);
        content.remove_prefix(static_cast<size_t>(written));
    }
}

} // namespace

void writeFileAtomically(const std::string &directory, const std::string &name, std::string_view content)
{
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error)
        fail("cannot create directory", directory, error.value());

    const std::string path = directory + "/" + name;
    std::string temporary = directory + "/." + name + ".XXXXXX";
    UniqueFd fd(::mkostemp(temporary.data(), O_CLOEXEC));
    if (!fd)
        fail("cannot create a temporary file in", directory);
    try {
        if (::fchmod(fd.get(), 0644) < 0)
            fail("cannot set the mode of", temporary);
        writeAll(fd.get(), content, temporary);
        if (::fsync(fd.get()) < 0)
            fail("cannot sync", temporary);
        fd.reset();
        if (::rename(temporary.c_str(), path.c_str()) < 0)
            fail("cannot rename " + temporary + " to", path);
    } catch (...) {
        ::unlink(temporary.c_str());
        throw;
    }
    // The rename is durable only once the directory is.
    UniqueFd dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir || ::fsync(dir.get()) < 0)
        fail("cannot sync directory", directory);
}

bool removeFileDurably(const std::string &directory, const std::string &name)
{
    const std::string path = directory + "/" + name;
    if (::unlink(path.c_str()) < 0) {
        if (errno == ENOENT)
            return false;
        fail("cannot remove", path);
    }
    UniqueFd dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir || ::fsync(dir.get()) < 0)
        fail("cannot sync directory", directory);
    return true;
}

namespace {

// "1 MiB" for 1048576, else the number of bytes.
std::string sizeText(size_t bytes)
{
    constexpr size_t mebibyte = 1024 * 1024;
    return bytes % mebibyte == 0 ? std::to_string(bytes / mebibyte) + " MiB" : std::to_string(bytes) + " bytes";
}

} // namespace

FileReadError::FileReadError(Kind kind, const std::string &path, std::string reason)
    : std::runtime_error("cannot read " + path + ": " + reason), kind_(kind), reason_(std::move(reason))
{
}

std::optional<std::string> readSmallFile(const std::string &path, size_t maxSize)
{
    auto cannotRead = [&](int error) {
        return FileReadError(FileReadError::Kind::cannotRead, path, std::generic_category().message(error));
    };
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd && errno == ENOENT)
        return std::nullopt;
    if (!fd)
        throw cannotRead(errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0)
        throw cannotRead(errno);
    if (S_ISDIR(st.st_mode))
        throw cannotRead(EISDIR);
    if (!S_ISREG(st.st_mode))
        throw FileReadError(FileReadError::Kind::notRegular, path, "not a regular file");
    std::string text;
    std::array<char, 16384> buffer;
    while (true) {
        ssize_t count = ::read(fd.get(), buffer.data(), buffer.size());
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0)
            throw cannotRead(errno);
        if (count == 0)
            return text;
        text.append(buffer.data(), static_cast<size_t>(count));
        if (text.size() > maxSize)
            throw FileReadError(FileReadError::Kind::tooLarge, path, "file is larger than " + sizeText(maxSize));
    }
}

} // namespace ifpin
