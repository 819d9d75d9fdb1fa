// /org/ifpin1/checkpoint/ID, the org.ifpin1.Checkpoint interface of the open checkpoint
// (docs/dbus-api.md), on the adaptor generated from dbus/org.ifpin1.Checkpoint.xml. The manager
// object owns it: made when a checkpoint opens (before CheckpointCreate returns its path), removed
// after the call that closed it has returned. Its methods are asynchronous, authorised as every
// mutating method (bus_authorizer.hpp: change-policy). Registers in its constructor, unregisters in
// its destructor; its InterfacesAdded and InterfacesRemoved are the manager's to emit.
#pragma once

#include <cstdint>
#include <functional>

#include <sdbus-c++/sdbus-c++.h>

#include "bus/method_call.hpp"
#include "org.ifpin1.Checkpoint-adaptor.h"

namespace ifpin {

class CheckpointObject final
    : public sdbus::AdaptorInterfaces<org::ifpin1::Checkpoint_adaptor, sdbus::ManagedObject_adaptor> {
public:
    CheckpointObject(sdbus::IConnection &connection, BusContext &context, const Checkpoint &checkpoint);
    ~CheckpointObject();
    CheckpointObject(const CheckpointObject &) = delete;
    CheckpointObject &operator=(const CheckpointObject &) = delete;

    uint64_t id() const { return id_; }
    // PropertiesChanged for Deadline when AdjustTimeout moved it.
    void emitChanges();

private:
    // The reply comes once the caller is authorised; then act(checkpoints, uid of the caller), when
    // this checkpoint is still the open one (UnknownObject otherwise: closed while authorising).
    void actWhenAuthorised(const char *method, sdbus::Result<> &&result,
                           std::function<Checkpoints::Result(Checkpoints &, uint32_t)> act);

    void Confirm(sdbus::Result<> &&result) override;
    void Rollback(sdbus::Result<> &&result) override;
    void AdjustTimeout(sdbus::Result<> &&result, uint32_t timeout_s) override;
    uint64_t Deadline() override { return deadline_; }
    uint32_t Creator() override { return creator_; }

    BusContext &context_;
    BusBackend &backend_;
    uint64_t id_;
    uint32_t creator_;
    uint64_t deadline_; // as last signalled
};

// An sdbus::Error for a checkpoint operation that was not done (AccessDenied is requireGranted's).
void throwUnlessDone(const Checkpoints::Result &result);

} // namespace ifpin
