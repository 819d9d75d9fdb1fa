// The one seam through which policy rules are written. The daemon uses rtnetlink; unit tests
// substitute a recorder to check what RulePolicy would do without a kernel.
#pragma once

#include "kernel/kernel_facts.hpp"
#include "kernel/netlink_messages.hpp"

namespace ifpin {

class RtnlRequestSocket;

class RuleWriter {
public:
    virtual ~RuleWriter() = default;
    // Both return the kernel's answer: error 0 on success, else an errno and the kernel's text.
    // add answers EEXIST for a rule that is there already (it is never doubled).
    virtual NetlinkAck add(const RuleFact &rule) = 0;
    virtual NetlinkAck remove(const RuleFact &rule) = 0;
};

class NetlinkRuleWriter final : public RuleWriter {
public:
    explicit NetlinkRuleWriter(RtnlRequestSocket &socket) : socket_(socket) {}
    NetlinkAck add(const RuleFact &rule) override;
    NetlinkAck remove(const RuleFact &rule) override;

private:
    RtnlRequestSocket &socket_;
};

} // namespace ifpin
