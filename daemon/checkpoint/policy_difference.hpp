// What a rollback changes, in words for its one log line: "role mgmt: interface other0 -> mgmt0,
// gateway6 2001:db8:3::1 -> 2001:db8:2::1; role backup removed; table 100 -> main". Pure.
#pragma once

#include <string>

#include "config/config.hpp"

namespace ifpin {

// The differences between two policies in force, role by role (in `to`'s order, removed roles
// last), then the [daemon] settings a reload would change; "no change to the policy" when none.
std::string describePolicyDifference(const Config &from, const Config &to);

} // namespace ifpin
