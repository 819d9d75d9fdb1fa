// The codecs of return routing: policy rules (RTM_NEWRULE, RTM_DELRULE, RTM_GETRULE) and the
// addresses of an interface (RTM_NEWADDR with IFA_LOCAL, IFA_FLAGS), on hand-built bytes.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>

#include "kernel/netlink_messages.hpp"
#include "message_builder.hpp"

namespace ifpin {
namespace {

using test::MessageBuilder;

IpAddress ip(const char *text)
{
    return *IpAddress::parse(text);
}

fib_rule_hdr ruleHeader(uint8_t family, uint8_t srcLength = 0, uint8_t table = RT_TABLE_UNSPEC)
{
    fib_rule_hdr frh{};
    frh.family = family;
    frh.src_len = srcLength;
    frh.table = table;
    frh.action = FR_ACT_TO_TBL;
    return frh;
}

// A rule as the kernel reports it (kernel 6.x): FRA_SUPPRESS_PREFIXLEN always, -1 when not set.
MessageBuilder kernelRule(uint16_t type, uint8_t family, const char *source, uint32_t priority, uint32_t table,
                          uint8_t protocol, uint32_t suppress = 0xffffffff)
{
    MessageBuilder msg(type);
    uint8_t address[16] = {};
    size_t length = family == AF_INET ? 4 : 16;
    if (source)
        inet_pton(family, source, address);
    msg.payload(ruleHeader(family, source ? static_cast<uint8_t>(length * 8) : 0, table < 256 ? table : 0));
    msg.u32(FRA_TABLE, table);
    msg.u32(FRA_SUPPRESS_PREFIXLEN, suppress);
    msg.attribute(FRA_PROTOCOL, &protocol, 1);
    if (priority)
        msg.u32(FRA_PRIORITY, priority);
    if (source)
        msg.attribute(FRA_SRC, address, length);
    return msg;
}

TEST(RuleDecode, ARuleFromOneAddress)
{
    auto msg = kernelRule(RTM_NEWRULE, AF_INET, "198.51.100.2", 32002, 1002, 241);
    auto decoded = decodeRuleMessage(msg.get());
    ASSERT_TRUE(decoded);
    EXPECT_FALSE(decoded->removed);
    EXPECT_EQ(decoded->protocol, 241);
    ASSERT_TRUE(decoded->rule);
    EXPECT_EQ(decoded->rule->family, Family::inet);
    EXPECT_EQ(decoded->rule->priority, 32002u);
    EXPECT_EQ(decoded->rule->table, 1002u);
    EXPECT_EQ(decoded->rule->source, ip("198.51.100.2"));
    EXPECT_FALSE(decoded->rule->suppressPrefixLength) << "-1 is the kernel's 'not set'";
    EXPECT_EQ(describe(*decoded->rule), "32002: from 198.51.100.2 lookup 1002 proto 241");
}

TEST(RuleDecode, TheMainRuleOfIpv6)
{
    auto msg = kernelRule(RTM_DELRULE, AF_INET6, nullptr, 32000, RT_TABLE_MAIN, 241, 0);
    auto decoded = decodeRuleMessage(msg.get());
    ASSERT_TRUE(decoded && decoded->rule);
    EXPECT_TRUE(decoded->removed);
    EXPECT_FALSE(decoded->rule->source);
    EXPECT_EQ(decoded->rule->suppressPrefixLength, 0u);
    EXPECT_EQ(decoded->rule->table, 254u);
    EXPECT_EQ(describe(*decoded->rule), "32000: from all lookup 254 suppress_prefixlength 0 proto 241");
}

TEST(RuleDecode, PriorityZeroAndTheHeadersTable)
{
    // The kernel sends no FRA_PRIORITY for priority 0; an old one no FRA_TABLE below 256.
    MessageBuilder msg(RTM_NEWRULE);
    uint8_t protocol = 2;
    msg.payload(ruleHeader(AF_INET, 0, RT_TABLE_LOCAL)).attribute(FRA_PROTOCOL, &protocol, 1);
    auto decoded = decodeRuleMessage(msg.get());
    ASSERT_TRUE(decoded && decoded->rule);
    EXPECT_EQ(decoded->rule->priority, 0u);
    EXPECT_EQ(decoded->rule->table, 255u);
    EXPECT_EQ(decoded->protocol, 2);
}

// Whatever their protocol, rules with more than ifpind's selectors are not of ifpind's kinds.
TEST(RuleDecode, OtherSelectorsAndActionsAreNotRulesOfIfpinds)
{
    auto withMark = kernelRule(RTM_NEWRULE, AF_INET, "198.51.100.2", 32002, 1002, 241);
    withMark.u32(FRA_FWMARK, 0x69700001);
    const char iif[] = "mgmt0";
    auto withIif = kernelRule(RTM_NEWRULE, AF_INET, nullptr, 100, 1002, 241);
    withIif.attribute(FRA_IIFNAME, iif, sizeof iif);
    auto unknownAttribute = kernelRule(RTM_NEWRULE, AF_INET, nullptr, 100, 1002, 241);
    unknownAttribute.u32(FRA_MAX + 3, 1); // a selector of a kernel newer than this build
    for (auto *msg : {&withMark, &withIif, &unknownAttribute}) {
        auto decoded = decodeRuleMessage(msg->get());
        ASSERT_TRUE(decoded);
        EXPECT_EQ(decoded->protocol, 241);
        EXPECT_FALSE(decoded->rule);
    }

    for (auto edit : {+[](fib_rule_hdr &h) { h.action = FR_ACT_UNREACHABLE; }, +[](fib_rule_hdr &h) { h.dst_len = 8; },
                      +[](fib_rule_hdr &h) { h.tos = 0x10; }, +[](fib_rule_hdr &h) { h.flags = FIB_RULE_INVERT; }}) {
        fib_rule_hdr frh = ruleHeader(AF_INET);
        edit(frh);
        MessageBuilder msg(RTM_NEWRULE);
        msg.payload(frh).u32(FRA_TABLE, 1002);
        auto decoded = decodeRuleMessage(msg.get());
        ASSERT_TRUE(decoded);
        EXPECT_FALSE(decoded->rule);
    }

    // A subnet is not one address.
    uint8_t subnet[4] = {198, 51, 100, 0};
    MessageBuilder fromSubnet(RTM_NEWRULE);
    fromSubnet.payload(ruleHeader(AF_INET, 24)).u32(FRA_TABLE, 1002).attribute(FRA_SRC, subnet, sizeof subnet);
    EXPECT_FALSE(decodeRuleMessage(fromSubnet.get())->rule);
}

TEST(RuleDecode, MalformedAndForeignMessages)
{
    auto truncated = kernelRule(RTM_NEWRULE, AF_INET, "198.51.100.2", 32002, 1002, 241);
    truncated.truncateTo(NLMSG_HDRLEN + 6);
    EXPECT_FALSE(decodeRuleMessage(truncated.get()));

    auto badAttribute = kernelRule(RTM_NEWRULE, AF_INET, nullptr, 32002, 1002, 241);
    auto &bytes = badAttribute.bytes();
    reinterpret_cast<rtattr *>(bytes.data() + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(fib_rule_hdr)))->rta_len = 200;
    EXPECT_FALSE(decodeRuleMessage(badAttribute.get()));

    MessageBuilder otherFamily(RTM_NEWRULE);
    otherFamily.payload(ruleHeader(AF_MPLS));
    EXPECT_FALSE(decodeRuleMessage(otherFamily.get()));
    EXPECT_FALSE(decodeRuleMessage(MessageBuilder(RTM_NEWROUTE).get()));
}

RuleFact replyRule()
{
    RuleFact rule;
    rule.family = Family::inet6;
    rule.priority = 32002;
    rule.table = 1002;
    rule.source = ip("2001:db8:2::2");
    rule.protocol = 241;
    return rule;
}

const fib_rule_hdr &headerOf(const nlmsghdr *header)
{
    return *static_cast<const fib_rule_hdr *>(NLMSG_DATA(header));
}

TEST(RuleEncode, AddRequestRoundTripsAndIsExclusive)
{
    RuleFact rule = replyRule();
    auto request = buildRuleAddRequest(rule);
    auto header = reinterpret_cast<const nlmsghdr *>(messageBytes(request.get()).data());
    EXPECT_EQ(header->nlmsg_type, RTM_NEWRULE);
    EXPECT_TRUE(header->nlmsg_flags & NLM_F_CREATE);
    EXPECT_TRUE(header->nlmsg_flags & NLM_F_EXCL) << "an identical rule must be refused, never doubled";
    const fib_rule_hdr &frh = headerOf(header);
    EXPECT_EQ(frh.action, FR_ACT_TO_TBL);
    EXPECT_EQ(frh.src_len, 128);
    EXPECT_EQ(frh.table, RT_TABLE_UNSPEC) << "table 1002 travels in FRA_TABLE alone";
    auto decoded = decodeRuleMessage(header);
    ASSERT_TRUE(decoded && decoded->rule);
    EXPECT_EQ(*decoded->rule, rule);
    EXPECT_EQ(decoded->protocol, 241);
}

TEST(RuleEncode, TheMainRuleCarriesSuppressPrefixLength)
{
    RuleFact rule;
    rule.family = Family::inet;
    rule.priority = 32000;
    rule.table = RT_TABLE_MAIN;
    rule.suppressPrefixLength = 0;
    rule.protocol = 241;
    for (bool add : {true, false}) {
        auto request = add ? buildRuleAddRequest(rule) : buildRuleDeleteRequest(rule);
        auto header = reinterpret_cast<const nlmsghdr *>(messageBytes(request.get()).data());
        EXPECT_EQ(header->nlmsg_type, add ? RTM_NEWRULE : RTM_DELRULE);
        EXPECT_EQ(headerOf(header).table, RT_TABLE_MAIN);
        EXPECT_EQ(headerOf(header).src_len, 0);
        auto decoded = decodeRuleMessage(header);
        ASSERT_TRUE(decoded && decoded->rule);
        EXPECT_EQ(*decoded->rule, rule);
    }
}

TEST(RuleEncode, DeleteRequestNamesPriorityTableSourceAndProtocol)
{
    auto request = buildRuleDeleteRequest(replyRule());
    auto header = reinterpret_cast<const nlmsghdr *>(messageBytes(request.get()).data());
    EXPECT_EQ(header->nlmsg_type, RTM_DELRULE);
    auto decoded = decodeRuleMessage(header);
    ASSERT_TRUE(decoded && decoded->rule);
    EXPECT_TRUE(decoded->removed);
    EXPECT_EQ(*decoded->rule, replyRule());
}

// The kernel refuses a strict rule dump with anything but the family set (fib_valid_dumprule_req).
TEST(DumpRequest, RulesByFamilyAlone)
{
    auto request = buildRuleDumpRequest(Family::inet6);
    auto header = reinterpret_cast<const nlmsghdr *>(messageBytes(request.get()).data());
    EXPECT_EQ(header->nlmsg_type, RTM_GETRULE);
    EXPECT_TRUE(header->nlmsg_flags & NLM_F_DUMP);
    EXPECT_EQ(header->nlmsg_len, NLMSG_LENGTH(sizeof(fib_rule_hdr)));
    fib_rule_hdr expected{};
    expected.family = AF_INET6;
    EXPECT_EQ(std::memcmp(NLMSG_DATA(header), &expected, sizeof expected), 0);
}

TEST(DumpRequest, AddressesOfOneInterface)
{
    auto request = buildAddressDumpRequest(Family::inet, 7);
    auto header = reinterpret_cast<const nlmsghdr *>(messageBytes(request.get()).data());
    EXPECT_EQ(header->nlmsg_type, RTM_GETADDR);
    EXPECT_TRUE(header->nlmsg_flags & NLM_F_DUMP);
    auto ifa = static_cast<const ifaddrmsg *>(NLMSG_DATA(header));
    EXPECT_EQ(ifa->ifa_family, AF_INET);
    EXPECT_EQ(ifa->ifa_index, 7u);
    // Strict checking refuses a dump with any of these set.
    EXPECT_EQ(ifa->ifa_prefixlen, 0);
    EXPECT_EQ(ifa->ifa_flags, 0);
    EXPECT_EQ(ifa->ifa_scope, 0);
}

TEST(AddressDecode, LocalAddressPrefixScopeAndFlags)
{
    ifaddrmsg ifa{};
    ifa.ifa_family = AF_INET6;
    ifa.ifa_index = 4;
    ifa.ifa_prefixlen = 64;
    ifa.ifa_scope = RT_SCOPE_UNIVERSE;
    ifa.ifa_flags = IFA_F_TENTATIVE;
    in6_addr address{};
    inet_pton(AF_INET6, "2001:db8:2::3", &address);
    MessageBuilder msg(RTM_NEWADDR);
    msg.payload(ifa).attribute(IFA_ADDRESS, &address, sizeof address).u32(IFA_FLAGS, IFA_F_TENTATIVE | IFA_F_STABLE_PRIVACY);
    auto decoded = decodeAddressMessage(msg.get());
    ASSERT_TRUE(decoded && decoded->address);
    EXPECT_EQ(decoded->address->ifindex, 4);
    EXPECT_EQ(decoded->address->address, ip("2001:db8:2::3"));
    EXPECT_EQ(decoded->address->prefixLength, 64);
    EXPECT_EQ(decoded->address->flags, static_cast<uint32_t>(IFA_F_TENTATIVE | IFA_F_STABLE_PRIVACY))
        << "IFA_FLAGS, which has the bits above 8, wins over ifa_flags";
    EXPECT_FALSE(decoded->address->usable());
}

TEST(AddressDecode, PointToPointTakesTheLocalAddress)
{
    ifaddrmsg ifa{};
    ifa.ifa_family = AF_INET;
    ifa.ifa_index = 9;
    ifa.ifa_prefixlen = 32;
    in_addr local{}, peer{};
    inet_pton(AF_INET, "192.0.2.5", &local);
    inet_pton(AF_INET, "192.0.2.6", &peer);
    MessageBuilder msg(RTM_NEWADDR);
    msg.payload(ifa).attribute(IFA_ADDRESS, &peer, sizeof peer).attribute(IFA_LOCAL, &local, sizeof local);
    auto decoded = decodeAddressMessage(msg.get());
    ASSERT_TRUE(decoded && decoded->address);
    EXPECT_EQ(decoded->address->address, ip("192.0.2.5"));
    EXPECT_EQ(decoded->address->flags, 0u);
    EXPECT_TRUE(decoded->address->usable());
}

TEST(AddressDecode, WithoutAUsableAddressTheChangeIsStillReported)
{
    ifaddrmsg ifa{};
    ifa.ifa_family = AF_INET;
    ifa.ifa_index = 3;
    uint8_t sixteen[16] = {};
    MessageBuilder wrongLength(RTM_NEWADDR);
    wrongLength.payload(ifa).attribute(IFA_LOCAL, sixteen, sizeof sixteen);
    auto decoded = decodeAddressMessage(wrongLength.get());
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->ifindex, 3);
    EXPECT_FALSE(decoded->address);
}

TEST(AddressFacts, UsableMeansNotTentativeUnlessOptimisticAndNeverDadFailed)
{
    AddressFact address{1, ip("2001:db8::1"), 64, RT_SCOPE_UNIVERSE, 0};
    EXPECT_TRUE(address.usable());
    address.flags = IFA_F_TENTATIVE;
    EXPECT_FALSE(address.usable());
    address.flags = IFA_F_TENTATIVE | IFA_F_OPTIMISTIC;
    EXPECT_TRUE(address.usable());
    address.flags = IFA_F_DADFAILED | IFA_F_TENTATIVE;
    EXPECT_FALSE(address.usable());
    address.flags = IFA_F_DEPRECATED | IFA_F_TEMPORARY; // still answers its connections
    EXPECT_TRUE(address.usable());
}

} // namespace
} // namespace ifpin
