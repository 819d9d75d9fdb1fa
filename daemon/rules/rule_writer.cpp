#include "rules/rule_writer.hpp"

#include "kernel/netlink_socket.hpp"

namespace ifpin {

NetlinkAck NetlinkRuleWriter::add(const RuleFact &rule)
{
    return socket_.transact(buildRuleAddRequest(rule).get());
}

NetlinkAck NetlinkRuleWriter::remove(const RuleFact &rule)
{
    return socket_.transact(buildRuleDeleteRequest(rule).get());
}

} // namespace ifpin
