// Who a pin request is about (daemon/pinning/process_identity): real pidfds of real processes, no
// root needed. The sender's own pidfd with its credentials identifies it; a pidfd of another
// process, of a reaped child or a descriptor that is no pidfd does not; SO_PEERPIDFD wins, and a
// sent pidfd must agree with it.
#include <gtest/gtest.h>

#include <csignal>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pinning/process_identity.hpp"

namespace ifpin {
namespace {

UniqueFd pidfdOf(pid_t pid)
{
    return UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
}

PinRequest fromThisProcess()
{
    PinRequest request;
    request.role = "mgmt";
    request.peer.pid = getpid();
    request.sentCredentials = ucred{getpid(), getuid(), getgid()};
    request.sentPidfd = pidfdOf(getpid());
    return request;
}

TEST(PidOfPidfd, IsThePidWhileAliveAndMinusOneOnceReaped)
{
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        pause();
        _exit(0);
    }
    UniqueFd pidfd = pidfdOf(child);
    ASSERT_TRUE(pidfd);
    EXPECT_EQ(pidOfPidfd(pidfd.get()), child);
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    EXPECT_EQ(pidOfPidfd(pidfd.get()), -1);
}

TEST(PidOfPidfd, IsNothingForAnotherDescriptor)
{
    UniqueFd null(open("/dev/null", O_RDONLY | O_CLOEXEC));
    EXPECT_FALSE(pidOfPidfd(null.get()));
}

TEST(IdentifySender, TakesTheSentPidfdWithMatchingCredentials)
{
    PinRequest request = fromThisProcess();
    Identification identified = identifySender(request);
    ASSERT_TRUE(identified.process) << identified.problem;
    EXPECT_EQ(identified.process->pid, getpid());
    EXPECT_STREQ(identified.process->how, "the pidfd it sent");
    EXPECT_TRUE(identified.process->pidfd);
}

TEST(IdentifySender, RefusesAPidfdOfAnotherProcess)
{
    PinRequest request = fromThisProcess();
    request.sentPidfd = pidfdOf(getppid());
    Identification identified = identifySender(request);
    EXPECT_FALSE(identified.process);
    EXPECT_EQ(identified.error, EPERM);
    EXPECT_NE(identified.problem.find("names pid " + std::to_string(getppid())), std::string::npos) << identified.problem;
}

TEST(IdentifySender, RefusesCredentialsOfAnotherPid)
{
    PinRequest request = fromThisProcess();
    request.sentCredentials->pid = getppid();
    EXPECT_EQ(identifySender(request).error, EPERM);
    PinRequest without = fromThisProcess();
    without.sentCredentials.reset();
    EXPECT_EQ(identifySender(without).error, EPERM);
}

TEST(IdentifySender, RefusesThePidfdOfAReapedProcess)
{
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0)
        _exit(0);
    UniqueFd pidfd = pidfdOf(child);
    waitpid(child, nullptr, 0);
    PinRequest request = fromThisProcess();
    request.peer.pid = child;
    request.sentCredentials->pid = child;
    request.sentPidfd = std::move(pidfd);
    Identification identified = identifySender(request);
    EXPECT_FALSE(identified.process);
    EXPECT_EQ(identified.error, ESRCH) << identified.problem;
}

TEST(IdentifySender, RefusesADescriptorThatIsNoPidfd)
{
    PinRequest request = fromThisProcess();
    request.sentPidfd = UniqueFd(open("/dev/null", O_RDONLY | O_CLOEXEC));
    Identification identified = identifySender(request);
    EXPECT_FALSE(identified.process);
    EXPECT_EQ(identified.error, EPROTO);
    EXPECT_NE(identified.problem.find("not a pidfd"), std::string::npos) << identified.problem;
}

TEST(IdentifySender, NeedsSomeProof)
{
    PinRequest request = fromThisProcess();
    request.sentPidfd.reset();
    Identification identified = identifySender(request);
    EXPECT_FALSE(identified.process);
    EXPECT_EQ(identified.error, EPROTO);
    EXPECT_NE(identified.problem.find("SCM_CREDENTIALS"), std::string::npos) << identified.problem;
}

TEST(IdentifySender, PrefersTheConnectionsPidfdAndChecksTheSentOneAgainstIt)
{
    // As SO_PEERPIDFD gives it: a pidfd of the process that connected.
    PinRequest request = fromThisProcess();
    request.peerPidfd = pidfdOf(getpid());
    Identification identified = identifySender(request);
    ASSERT_TRUE(identified.process) << identified.problem;
    EXPECT_STREQ(identified.process->how, "SO_PEERPIDFD");

    PinRequest disagreeing = fromThisProcess();
    disagreeing.peerPidfd = pidfdOf(getpid());
    disagreeing.sentPidfd = pidfdOf(getppid());
    EXPECT_EQ(identifySender(disagreeing).error, EPERM);

    PinRequest alone = fromThisProcess();
    alone.peerPidfd = pidfdOf(getpid());
    alone.sentPidfd.reset();
    EXPECT_TRUE(identifySender(alone).process);
}

TEST(IdentifySender, RefusesAConnectionWhoseProcessIsGone)
{
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0)
        _exit(0);
    UniqueFd pidfd = pidfdOf(child);
    waitpid(child, nullptr, 0);
    PinRequest request;
    request.peer.pid = child;
    request.peerPidfd = std::move(pidfd);
    EXPECT_EQ(identifySender(request).error, ESRCH);
}

} // namespace
} // namespace ifpin
