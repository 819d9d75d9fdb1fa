// Who may change the policy over D-Bus (SetMetric, SetInterface, SetGateway, Reset, Reload): root,
// and members of [daemon] admin_group, as primary or supplementary group. The bus policy file lets
// everybody call; this is the check inside each mutating method. Pure apart from the injected
// group look-up, so the table of who may do what is a unit test.
#pragma once

#include <string>
#include <string_view>

#include "broker/access_policy.hpp"
#include "broker/peer_credentials.hpp"

namespace ifpin {

bool mayAdminister(const PeerCredentials &caller, std::string_view adminGroup, const AccountResolver &accounts);

// "only root and members of group ifpin-admin may change ifpind's policy; uid 4242 is neither": for
// the AccessDenied error.
std::string describeAdminRefusal(const PeerCredentials &caller, std::string_view adminGroup);

} // namespace ifpin
