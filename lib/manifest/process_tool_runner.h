// ProcessToolRunner: the real ToolRunner, running each tool as a child process. This is the
// only code in lib/manifest that starts processes.
//
// How a run goes:
// - The program is started with posix_spawn in a process group of its own, stdin from
//   /dev/null, stdout and stderr on two pipes created with O_CLOEXEC, every other descriptor
//   closed, signal mask empty and signal dispositions at their defaults, the environment
//   exactly invocation.env.
// - Both pipes are read together with poll(2), so a tool that fills one while the other is
//   being read cannot block. The run ends when the tool has exited and both pipes are closed;
//   when the tool exits, whatever it left running in its process group is killed (SIGKILL), so
//   a leftover background process cannot keep the pipes open.
// - At the deadline (invocation.timeout after the start), or when stdout and stderr together
//   pass max_output_bytes, the whole process group is killed with SIGKILL and reaped before
//   run() returns; a process that moved itself out of the group (setsid) is not tracked.
// - Errors and exit codes as ToolRunner::run documents.
//
// Thread safety: stateless; run() may be called from many threads at once. It reaps only its
// own child (waitpid on that pid), so it needs a process that neither ignores SIGCHLD nor reaps
// children with waitpid(-1) elsewhere.
//
// Why hand-written: the Boost.Process v1 in Debian's Boost 1.74 cannot wait for a child with a
// timeout reliably, let alone while draining both pipes. Its child::wait_for swaps the
// process-wide SIGCHLD handler with signal(2) on every call and waits in sigtimedwait, so two
// threads waiting at once race on that handler (boostorg/process#347) and the wait can sleep
// for the whole timeout after the child has already exited (boostorg/process#69); draining
// stdout and stderr at the same time needs its async_pipe on a Boost.Asio io_context, which
// this pure module does not otherwise use.
#pragma once

#include "manifest/tool_runner.h"

namespace gitopsd::manifest {

class ProcessToolRunner final : public ToolRunner {
 public:
  core::Result<ToolOutput> run(const ToolInvocation& invocation) override;
};

}  // namespace gitopsd::manifest
