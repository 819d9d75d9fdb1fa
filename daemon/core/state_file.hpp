// Small files in state_directory, written so that a crash or a power cut leaves either the old or the
// new content, never a mix: a temporary file in the same directory, fsync, rename over the old one,
// fsync the directory.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ifpin {

// Creates directory (and its parents, mode 0755) when missing. Throws std::system_error naming the
// path that failed; the old file is then untouched.
void writeFileAtomically(const std::string &directory, const std::string &name, std::string_view content);

// The file's content, or nothing when it does not exist. Throws std::runtime_error naming the path
// when it cannot be read or is larger than maxSize.
std::optional<std::string> readFileIfPresent(const std::string &path, size_t maxSize);

} // namespace ifpin
