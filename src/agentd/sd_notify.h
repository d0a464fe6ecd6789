// systemd's service notification protocol, without libsystemd: a datagram such as "READY=1" or
// "WATCHDOG=1" sent to the unix socket named by $NOTIFY_SOCKET (an abstract one when it starts
// with '@'). Outside systemd (no $NOTIFY_SOCKET) every call does nothing.
#pragma once

#include <optional>
#include <string_view>

namespace outpost::agentd {

// Sends `state` ("READY=1", "STOPPING=1", "WATCHDOG=1", "STATUS=...": newline-separated
// assignments). True when sent; false when not under systemd or the send failed.
bool sd_notify_state(std::string_view state);

// How often systemd expects "WATCHDOG=1": half of $WATCHDOG_USEC (systemd's advice), when that
// is set and $WATCHDOG_PID, if set, is this process. Absent otherwise.
std::optional<double> watchdog_interval_s();

}  // namespace outpost::agentd
