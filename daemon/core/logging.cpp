#include "core/logging.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

namespace ifpin {

namespace {

// systemd sets JOURNAL_STREAM to "DEV:INODE" of the stream it connected to stderr; only when it
// matches is stderr really the journal (a child with inherited environment may have another stderr).
bool stderrIsJournal()
{
    const char *stream = std::getenv("JOURNAL_STREAM");
    if (!stream)
        return false;
    struct stat st {};
    if (fstat(STDERR_FILENO, &st) < 0)
        return false;
    std::string expected = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    return expected == stream;
}

} // namespace

void setupLogging(std::string_view level)
{
    std::shared_ptr<spdlog::logger> logger;
    if (stderrIsJournal()) {
        logger = std::make_shared<spdlog::logger>("ifpind", std::make_shared<spdlog::sinks::systemd_sink_mt>());
        logger->set_pattern("%v");
    } else {
        logger = spdlog::stderr_color_mt("ifpind");
        logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
    }
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
    setLogLevel(level);
}

bool setLogLevel(std::string_view level)
{
    auto parsed = spdlog::level::from_str(std::string(level));
    // from_str maps unknown names to "off"; only accept "off" when it was asked for.
    if (parsed == spdlog::level::off && level != "off")
        return false;
    spdlog::set_level(parsed);
    return true;
}

} // namespace ifpin
