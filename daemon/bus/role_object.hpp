// /org/ifpin1/role/NAME, the org.ifpin1.Role interface of one role (docs/dbus-api.md), on the adaptor
// generated from dbus/org.ifpin1.Role.xml. Registers in its constructor, unregisters in its
// destructor; emits PropertiesChanged for what changed since it last did. InterfacesAdded and
// InterfacesRemoved (ManagedObject_adaptor) are BusObjects' to emit, when roles come and go. The
// four methods are asynchronous: they answer once the caller is authorised (bus_authorizer.hpp), and
// what they do then never needs this object (a reload may have removed it by then).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "bus/method_call.hpp"
#include "bus/role_properties.hpp"
#include "org.ifpin1.Role-adaptor.h"

namespace ifpin {

class RoleObject final : public sdbus::AdaptorInterfaces<org::ifpin1::Role_adaptor, sdbus::ManagedObject_adaptor> {
public:
    RoleObject(sdbus::IConnection &connection, BusContext &context, std::string role);
    ~RoleObject();
    RoleObject(const RoleObject &) = delete;
    RoleObject &operator=(const RoleObject &) = delete;

    // Emits PropertiesChanged for the properties that differ from the values last emitted.
    void emitChanges();

private:
    RoleProperties current() const;
    // Authorises the caller of the method being handled for change-policy, then (from the loop)
    // makes the edit that `validate` returns (it checks the arguments, throwing InvalidArgument: a
    // refusal must not depend on, or tell about, them) and replies.
    void changeWhenAuthorised(const char *method, sdbus::Result<> &&result,
                              std::function<std::function<void(RoleOverride &)>()> validate);

    void SetMetric(sdbus::Result<> &&result, uint32_t metric) override;
    void SetInterface(sdbus::Result<> &&result, std::string interface) override;
    void SetGateway(sdbus::Result<> &&result, std::string family, std::string address) override;
    void Reset(sdbus::Result<> &&result) override;

    std::string Name() override { return role_; }
    std::string Interface() override { return current().interface; }
    uint32_t Metric() override { return current().metric; }
    std::string Gateway4() override { return current().gateway4; }
    std::string Gateway6() override { return current().gateway6; }
    bool Gateway4Learned() override { return current().gateway4Learned; }
    bool Gateway6Learned() override { return current().gateway6Learned; }
    std::string State() override { return current().state; }
    std::string StateReason() override { return current().stateReason; }
    std::string LinkState() override { return current().linkState; }
    bool Route4InPlace() override { return current().route4InPlace; }
    bool Route6InPlace() override { return current().route6InPlace; }
    uint64_t Restorations() override { return current().restorations; }
    std::vector<std::string> OutrankedBy() override { return current().outrankedBy; }
    uint64_t SocketsServed() override { return current().socketsServed; }
    uint64_t RequestsDenied() override { return current().requestsDenied; }
    uint64_t EgressDropped() override; // read from the kernel at each call, never signalled
    bool PinAvailable() override { return current().pinAvailable; }
    std::string PinProgram() override { return current().pinProgram; }
    std::string PinProblem() override { return current().pinProblem; }
    uint32_t PinnedProcesses() override; // read from cgroupfs at each call, never signalled
    uint64_t PinRefused() override;      // read from the role's map at each call, never signalled
    bool ReturnRouting() override { return current().returnRouting; }
    uint32_t ReplyTable() override { return current().replyTable; }
    std::vector<std::string> ReplyRules4() override { return current().replyRules4; }
    std::vector<std::string> ReplyRules6() override { return current().replyRules6; }
    bool ReplyRoute4InPlace() override { return current().replyRoute4InPlace; }
    bool ReplyRoute6InPlace() override { return current().replyRoute6InPlace; }
    std::map<std::string, std::string> Health() override { return current().health; }
    std::vector<std::string> Demoted() override { return current().demoted; }
    std::vector<sdbus::Struct<std::string, std::string, std::string, std::string, std::string, uint64_t, uint32_t, uint32_t>>
    HealthDetails() override; // changes with every probe, never signalled


    BusContext &context_;
    BusBackend &backend_;
    std::string role_;
    RoleProperties lastEmitted_;
};

} // namespace ifpin
