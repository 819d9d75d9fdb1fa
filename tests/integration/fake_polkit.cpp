// fake_polkit --answer yes|no|challenge|error:NAME [--delay-ms N]: owns org.freedesktop.PolicyKit1 on
// the system bus ($DBUS_SYSTEM_BUS_ADDRESS) and answers every CheckAuthorization so, after the delay:
// the stand-in for polkitd where a test needs polkit slow, silent or failing. Each call, and each
// CancelCheckAuthorization, is one line on stdout ("check ACTION SUBJECT flags F details K=V,..." /
// "cancel ID"). It must run as a user the bus lets own the name (polkitd's policy: user polkitd).
#include <poll.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

namespace {

using Clock = std::chrono::steady_clock;
using Subject = sdbus::Struct<std::string, std::map<std::string, sdbus::Variant>>;
using Reply = sdbus::Struct<bool, bool, std::map<std::string, std::string>>;

struct Timer {
    Clock::time_point due;
    std::function<void()> run;
};

} // namespace

int main(int argc, char **argv)
{
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    std::string answer = "yes";
    int delayMs = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string option = argv[i];
        if (option == "--answer")
            answer = argv[i + 1];
        else if (option == "--delay-ms")
            delayMs = std::stoi(argv[i + 1]);
    }
    auto connection = sdbus::createSystemBusConnection("org.freedesktop.PolicyKit1");
    auto object = sdbus::createObject(*connection, "/org/freedesktop/PolicyKit1/Authority");
    std::vector<Timer> timers;
    const char *interface = "org.freedesktop.PolicyKit1.Authority";
    object->registerMethod("CheckAuthorization")
        .onInterface(interface)
        .implementedAs([&](sdbus::Result<Reply> &&result, Subject subject, std::string action,
                           std::map<std::string, std::string> details, uint32_t flags, std::string) {
            std::string text;
            for (const auto &[key, value] : details)
                text += (text.empty() ? "" : ",") + key + "=" + value;
            std::printf("check %s %s flags %u details %s\n", action.c_str(),
                        subject.get<1>()["name"].get<std::string>().c_str(), flags, text.c_str());
            auto reply = std::make_shared<sdbus::Result<Reply>>(std::move(result));
            timers.push_back({Clock::now() + std::chrono::milliseconds(delayMs), [reply, answer] {
                                  if (answer.rfind("error:", 0) == 0)
                                      reply->returnError(sdbus::Error(answer.substr(6), "the fake authority fails"));
                                  else
                                      reply->returnResults(Reply{answer == "yes", answer == "challenge", {}});
                              }});
        });
    object->registerMethod("CancelCheckAuthorization")
        .onInterface(interface)
        .implementedAs([](std::string id) { std::printf("cancel %s\n", id.c_str()); });
    object->finishRegistration();
    std::printf("serving\n");
    for (;;) {
        while (connection->processPendingRequest()) {
        }
        auto now = Clock::now();
        for (size_t i = 0; i < timers.size();) {
            if (timers[i].due <= now) {
                auto run = std::move(timers[i].run);
                timers.erase(timers.begin() + static_cast<long>(i));
                run();
            } else {
                ++i;
            }
        }
        auto data = connection->getEventLoopPollData();
        int timeout = data.getPollTimeout();
        for (const auto &timer : timers) {
            int left = static_cast<int>(
                std::max<long>(0, std::chrono::ceil<std::chrono::milliseconds>(timer.due - Clock::now()).count()));
            if (timeout < 0 || left < timeout)
                timeout = left;
        }
        pollfd fd{data.fd, data.events, 0};
        poll(&fd, 1, timeout);
    }
}
