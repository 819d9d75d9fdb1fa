// Small files: the configuration, the state file, rt_tables. Read whole, within a size limit, and
// only when they are regular files (a FIFO or a device in their place must not block the loop or
// feed it without end). Written so that a crash or a power cut leaves either the old or the new
// content, never a mix: a temporary file in the same directory, fsync, rename over the old one,
// fsync the directory.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ifpin {

class FileReadError : public std::runtime_error {
public:
    enum class Kind { cannotRead, notRegular, tooLarge };
    FileReadError(Kind kind, const std::string &path, std::string reason);

    Kind kind() const { return kind_; }
    // What was wrong, without the path: "Permission denied", "file is larger than 1 MiB".
    const std::string &reason() const { return reason_; }

private:
    Kind kind_;
    std::string reason_;
};

// The file's content, or nothing when it does not exist. Throws FileReadError (what(): "cannot read
// PATH: REASON") when it cannot be read, is not a regular file or is larger than maxSize. Opened
// non-blocking, so that a FIFO put in its place is refused instead of waited on.
std::optional<std::string> readSmallFile(const std::string &path, size_t maxSize);

// Creates directory (and its parents, mode 0755) when missing. Throws std::system_error naming the
// path that failed; the old file is then untouched.
void writeFileAtomically(const std::string &directory, const std::string &name, std::string_view content);

// Removes directory/name so that a power cut cannot bring it back: unlink, then fsync the directory.
// A file that is not there is fine (false); true when one was removed. Throws std::system_error
// naming the path when it cannot be removed or the removal cannot be made durable.
bool removeFileDurably(const std::string &directory, const std::string &name);

} // namespace ifpin
