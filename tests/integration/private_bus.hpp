// A private system bus for one test: dbus-daemon with a system-bus-like configuration (deny by
// default, anyone may connect, dbus/org.ifpin1.conf included as installed), listening on a socket in
// a directory of its own. The constructor exports DBUS_SYSTEM_BUS_ADDRESS to this process, so that
// ifpind (DaemonProcess) and ifpinctl started from the test use this bus and never the host's; the
// destructor kills the bus and restores the variable.
//
// dbus-daemon refuses connections from a uid without a passwd entry, so the bus runs in a mount
// namespace of its own in which /etc/passwd and /etc/group also hold the test account (uid and gid
// 4242) and the test admin group (gid 4343). The host's files are never touched.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "lab_fixture.hpp"

namespace ifpin::lab {

inline constexpr uid_t testUid = 4242;       // a caller that is neither root nor an admin
inline constexpr gid_t testAdminGid = 4343;  // give it with setpriv --groups to make 4242 an admin

// Who runs a command on the bus: root, or the test uid with the given supplementary groups.
struct Caller {
    std::optional<uid_t> uid; // empty: root, as the test itself
    std::vector<gid_t> groups;

    static Caller root() { return {}; }
    static Caller unprivileged() { return {testUid, {}}; }
    static Caller admin() { return {testUid, {testAdminGid}}; }
};

class PrivateBus {
public:
    PrivateBus(); // started; throws with dbus-daemon's output when it does not come up
    ~PrivateBus();
    PrivateBus(const PrivateBus &) = delete;
    PrivateBus &operator=(const PrivateBus &) = delete;

    const std::string &address() const { return address_; } // "unix:path=..."
    // For the tests of a bus that goes away and comes back: same address.
    void stop();
    void start();
    bool running() const { return pid_ > 0; }

    // `busctl --address=ADDRESS ARGS...`, as caller (setpriv for the test uid).
    CommandResult busctl(const std::vector<std::string> &args, const Caller &caller = Caller::root()) const;
    // `dbus-send --bus=ADDRESS --print-reply ARGS...`: unlike busctl, it prints an error's name.
    CommandResult dbusSend(const std::vector<std::string> &args, const Caller &caller = Caller::root()) const;
    // True once org.ifpin1 has an owner.
    bool hasIfpind() const;
    std::string log() const; // dbus-daemon's output

private:
    std::string dir_;
    std::string address_;
    std::string configPath_;
    std::string logPath_;
    std::optional<std::string> savedAddress_;
    pid_t pid_ = -1;
};

// PropertiesChanged signals of org.ifpin1.Role, recorded from the moment the constructor returns
// (the match is in place by then: sd-bus waits for AddMatch's reply).
class PropertiesChangedRecorder {
public:
    struct Signal {
        std::string path;
        std::map<std::string, sdbus::Variant> changed;
    };

    explicit PropertiesChangedRecorder(const PrivateBus &bus);
    // Handles what has arrived, waiting up to deadline for something to; the signals so far.
    const std::vector<Signal> &poll(std::chrono::milliseconds deadline = std::chrono::milliseconds(0));
    // Waits until a recorded signal satisfies predicate.
    bool waitFor(const std::function<bool(const Signal &)> &predicate,
                 std::chrono::milliseconds deadline = std::chrono::seconds(5));
    std::string describe() const;

private:
    std::unique_ptr<sdbus::IConnection> connection_;
    sdbus::Slot slot_;
    std::vector<Signal> signals_;
};

} // namespace ifpin::lab
