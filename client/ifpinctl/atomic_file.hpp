// A file replaced in one step, so that a reader (prometheus-node-exporter's textfile collector, for
// `ifpinctl metrics --output`) sees the old content or the new, never a part: the content goes to a
// temporary file beside the target (same directory, so the same file system), is flushed to disk,
// given its mode and renamed over the target; then the directory is flushed, so the rename survives
// a crash too. The temporary file's name starts with a dot and ends in random letters, so that no
// glob such as *.prom picks it up meanwhile.
#pragma once

#include <sys/types.h>

#include <string>

namespace ifpinctl {

// Throws std::system_error whose what() names the file and the step that failed; the temporary
// file is removed then and the target is left as it was.
void replaceFileAtomically(const std::string &path, const std::string &content, mode_t mode);

} // namespace ifpinctl
