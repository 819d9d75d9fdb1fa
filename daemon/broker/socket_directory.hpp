// Whether a directory is safe to hold the broker's socket: a socket in a directory others may write
// to can be taken from under ifpind (removed, and another one bound in its place by a squatter who
// then hands out sockets of its own), so ifpind refuses to make its socket there.
#pragma once

#include <optional>
#include <string>

namespace ifpin {

// What is wrong with `directory` for ifpind's own socket, or nothing. The directory must be owned by
// root or by ifpind's effective uid and be writable by nobody else (no group or other write bit); each
// directory above it must be writable by nobody else either, or sticky (as /tmp and /run are), so that
// nobody else can rename what lies in it.
std::optional<std::string> socketDirectoryProblem(const std::string &directory);

} // namespace ifpin
