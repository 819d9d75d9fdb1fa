// A private system bus for one test: dbus-daemon with a system-bus-like configuration (deny by
// default, anyone may connect, dbus/org.ifpin1.conf included as installed), listening on a socket in
// a directory of its own. The constructor exports DBUS_SYSTEM_BUS_ADDRESS to this process, so that
// ifpind (DaemonProcess) and ifpinctl started from the test use this bus and never the host's; the
// destructor kills the bus and restores the variable.
//
// dbus-daemon refuses connections from a uid without a passwd entry, so the bus runs in a mount
// namespace of its own in which /etc/passwd and /etc/group also hold the test accounts (uid and gid
// 4242; uid 4246, a member of the test admin group by NSS) and the test admin group (gid 4343). The
// host's files are never touched. With polkit, Debian's polkitd runs on the bus too, in the same
// mount namespace (it resolves users through NSS), with ifpin's actions and rules (polkit/) in
// place of the host's.
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
inline constexpr uid_t testMemberUid = 4246; // a member of 4343 by NSS (the bus's group file lists it)

// Who runs a command on the bus: root, or the test uid with the given supplementary groups.
struct Caller {
    std::optional<uid_t> uid; // empty: root, as the test itself
    std::vector<gid_t> groups;

    static Caller root() { return {}; }
    static Caller unprivileged() { return {testUid, {}}; }
    static Caller admin() { return {testUid, {testAdminGid}}; }
    static Caller member() { return {testMemberUid, {}}; }
};

struct PrivateBusOptions {
    bool polkit = false;          // run polkitd on the bus, with ifpin's polkit files
    bool polkitBusPolicy = false; // polkitd's bus policy and files, polkitd not started (startPolkit, a fake)
    // Further bus policy files, included as Debian's system.conf includes system.d (e.g.
    // /usr/share/dbus-1/system.d/org.freedesktop.network1.conf for systemd-networkd).
    std::vector<std::string> policies;
};

class PrivateBus {
public:
    // Started; throws with dbus-daemon's (or polkitd's) output when it does not come up.
    explicit PrivateBus(PrivateBusOptions options = {});
    ~PrivateBus();
    PrivateBus(const PrivateBus &) = delete;
    PrivateBus &operator=(const PrivateBus &) = delete;

    const std::string &address() const { return address_; } // "unix:path=..."
    // For the tests of a bus that goes away and comes back: same address.
    void stop();
    void start();
    bool running() const { return pid_ > 0; }
    // A launcher (DaemonProcess::setLauncher) that runs a program in the bus's mount namespace, where
    // the test accounts exist: ifpind then finds them by NSS too.
    std::vector<std::string> inItsMountNamespace() const;
    // polkitd goes away, and comes back (with the files as they are then).
    void stopPolkit();
    void startPolkit();
    // Rules for polkitd in addition to ifpin's (e.g. one that slows it down), as NAME.rules.
    void addPolkitRules(const std::string &name, const std::string &javascript);

    // `busctl --address=ADDRESS ARGS...`, as caller (setpriv for the test uid).
    CommandResult busctl(const std::vector<std::string> &args, const Caller &caller = Caller::root()) const;
    // `dbus-send --bus=ADDRESS --print-reply ARGS...`: unlike busctl, it prints an error's name.
    CommandResult dbusSend(const std::vector<std::string> &args, const Caller &caller = Caller::root()) const;
    // True once org.ifpin1 has an owner.
    bool hasIfpind() const;
    std::string log() const; // dbus-daemon's output
    std::string polkitLog() const;

private:
    std::string dir_;
    std::string address_;
    std::string configPath_;
    std::string logPath_;
    std::optional<std::string> savedAddress_;
    PrivateBusOptions options_;
    pid_t pid_ = -1;
    pid_t polkitPid_ = -1;
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
