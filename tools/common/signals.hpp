#pragma once
// SIGINT and SIGTERM for the tools (issue 11 item 8): the handlers only cancel a process-wide
// CancellationToken; long loops poll it and throw trader::Interrupted, so transactions roll back
// and temporary files are removed by destructors, and main prints what happened and exits with
// 128 + the signal (130, 143). A second signal of the same kind ends the process at once (the
// handler is reset after its first call). A signal that was ignored when the tool started
// (nohup, a background job) stays ignored.

#include <csignal>
#include <string>

#include <trader/core/cancellation.hpp>

namespace trader::tools {

namespace detail {
inline constinit core::CancellationToken g_interruption;
inline void on_interrupt_signal(int signal) { g_interruption.cancel(signal); }
}  // namespace detail

// Cancelled by SIGINT or SIGTERM once install_interrupt_handlers() ran.
[[nodiscard]] inline core::CancellationToken& interruption() noexcept {
  return detail::g_interruption;
}

inline void install_interrupt_handlers() {
  for (const int signal : {SIGINT, SIGTERM}) {
    struct sigaction previous {};
    if (::sigaction(signal, nullptr, &previous) == 0 && previous.sa_handler == SIG_IGN) continue;
    struct sigaction action {};
    action.sa_handler = detail::on_interrupt_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART | SA_RESETHAND;
    ::sigaction(signal, &action, nullptr);
  }
}

// What a tool says after "interrupted: " when a signal stopped it; a command that leaves
// something other than nothing behind sets it before it starts (e.g. "output incomplete").
[[nodiscard]] inline std::string& interruption_note() {
  static std::string note = "nothing was stored";
  return note;
}

// "SIGINT", "SIGTERM", or "signal N".
[[nodiscard]] inline std::string signal_name(int signal) {
  if (signal == SIGINT) return "SIGINT";
  if (signal == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(signal);
}

// The exit status of a tool stopped by `e`: 128 + the signal, as a shell reports a process
// killed by it (130 for SIGINT, 143 for SIGTERM).
[[nodiscard]] inline int interrupted_exit_code(const Interrupted& e) noexcept {
  return e.reason() > 0 ? 128 + e.reason() : 130;
}

}  // namespace trader::tools
