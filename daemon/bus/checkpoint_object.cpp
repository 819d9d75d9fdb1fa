#include "bus/checkpoint_object.hpp"

#include "bus/bus_caller.hpp"
#include "bus/method_call.hpp"

namespace ifpin {

std::string checkpointPath(uint64_t id)
{
    return "/org/ifpin1/checkpoint/" + std::to_string(id);
}

void throwUnlessDone(const Checkpoints::Result &result)
{
    switch (result.outcome) {
    case Checkpoints::Outcome::done:
        return;
    case Checkpoints::Outcome::alreadyOpen:
        throw sdbus::Error(errorCheckpointExists, result.message);
    case Checkpoints::Outcome::noCheckpoint:
        throw sdbus::Error(errorUnknownObject, result.message);
    case Checkpoints::Outcome::invalidTimeout:
        throw sdbus::Error(errorInvalidArgument, result.message);
    case Checkpoints::Outcome::notSaved:
        throw sdbus::Error(errorFailed, result.message);
    }
}

CheckpointObject::CheckpointObject(sdbus::IConnection &connection, BusContext &context, const Checkpoint &checkpoint)
    : AdaptorInterfaces(connection, checkpointPath(checkpoint.id)), context_(context), backend_(context.backend),
      id_(checkpoint.id), creator_(checkpoint.creator), deadline_(checkpoint.deadlineUsec)
{
    registerAdaptor();
}

CheckpointObject::~CheckpointObject()
{
    unregisterAdaptor();
}

void CheckpointObject::emitChanges()
{
    const auto &open = backend_.checkpoints.open();
    if (!open || open->id != id_ || open->deadlineUsec == deadline_)
        return;
    deadline_ = open->deadlineUsec;
    getObject().emitPropertiesChangedSignal(org::ifpin1::Checkpoint_adaptor::INTERFACE_NAME, {"Deadline"});
}

// Who calls first (a refusal must not depend on, or tell about, the checkpoint), then whether this
// checkpoint is still the open one: it may have been confirmed, rolled back or replaced while polkit
// was asked.
void CheckpointObject::actWhenAuthorised(const char *method, sdbus::Result<> &&result,
                                         std::function<Checkpoints::Result(Checkpoints &, uint32_t)> act)
{
    const sdbus::Message *message = getObject().getCurrentlyProcessedMessage();
    if (!message)
        throw sdbus::Error(errorAccessDenied, "no message is being processed");
    auto reply = shared(std::move(result));
    // By value: this object may be gone when the answer comes.
    BusContext &context = context_;
    uint64_t id = id_;
    std::string what = std::string(method) + " of checkpoint " + std::to_string(id);
    context.authorizer.authorizeChange(
        senderOf(*message), allowsInteraction(*message), method, "",
        [&context, reply, id, what, method, act](const Authorization &authorization) {
            replyGuarded(*reply, method, [&] {
                requireGranted(authorization, context, what);
                const auto &open = context.backend.checkpoints.open();
                if (!open || open->id != id)
                    throw sdbus::Error(errorUnknownObject, "checkpoint " + std::to_string(id) +
                                                               " is closed: it was confirmed or rolled back");
                if (!authorization.caller)
                    throw sdbus::Error(errorFailed, "the caller's credentials are unknown");
                throwUnlessDone(act(context.backend.checkpoints, authorization.caller->uid));
                reply->returnResults();
            });
        });
}

void CheckpointObject::Confirm(sdbus::Result<> &&result)
{
    guarded("Confirm", [&] {
        actWhenAuthorised("Confirm", std::move(result),
                          [](Checkpoints &checkpoints, uint32_t uid) { return checkpoints.confirm(uid); });
    });
}

void CheckpointObject::Rollback(sdbus::Result<> &&result)
{
    guarded("Rollback", [&] {
        actWhenAuthorised("Rollback", std::move(result),
                          [](Checkpoints &checkpoints, uint32_t uid) { return checkpoints.rollBack(uid); });
    });
}

void CheckpointObject::AdjustTimeout(sdbus::Result<> &&result, uint32_t timeout_s)
{
    guarded("AdjustTimeout", [&] {
        actWhenAuthorised("AdjustTimeout", std::move(result), [timeout_s](Checkpoints &checkpoints, uint32_t uid) {
            return checkpoints.adjust(timeout_s, uid);
        });
    });
}

} // namespace ifpin
