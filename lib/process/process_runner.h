// ProcessRunner: the seam between the operating system and what runs
// programs (the executor, the fencer, crm). RealProcessRunner forks and
// execs; FakeProcessRunner (tests/support/fake_process_runner.h) returns
// scripted results for tests.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace baton::process {

struct ProcessSpec {
  std::string program;                       // absolute path, run with execve
  std::vector<std::string> argv;             // argv[0] included
  std::map<std::string, std::string> env;    // the complete environment
  std::optional<std::string> stdin_data;     // unset: stdin is /dev/null
  int64_t timeout_ms = 20000;                // <= 0: no timeout
};

struct ProcessResult {
  // Exactly one of exit_code / term_signal is set when the child ran to an
  // end; neither is set when it could not be started (see spawn_error).
  std::optional<int> exit_code;
  std::optional<int> term_signal;
  bool timed_out = false;
  std::string spawn_error;  // non-empty: fork/exec failed, with the reason
  std::string stdout_data;
  std::string stderr_data;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  int64_t duration_ms = 0;
};

// Runs programs asynchronously. Start() returns a handle at once; Collect()
// returns, without blocking, the processes that have finished since the last
// call. Thread-safety: an implementation may be called from one thread only
// (the executor's), unless it says otherwise.
class ProcessRunner {
 public:
  using Handle = uint64_t;
  virtual ~ProcessRunner() = default;
  virtual Handle Start(const ProcessSpec& spec) = 0;
  virtual std::vector<std::pair<Handle, ProcessResult>> Collect() = 0;
};

struct RealProcessRunnerOptions {
  size_t max_output_bytes = 64 * 1024;  // per stream; the rest is read and dropped
  int64_t kill_grace_ms = 1000;         // SIGTERM -> SIGKILL of the group
};

// Fork/exec at the edge.
//  1. The child runs in its own process group (setpgid), with SIGPIPE and
//     the signal mask reset and every fd above 2 closed.
//  2. Completion is the direct child's exit (waitid), never pipe EOF: after
//     the exit what is already in the pipes is drained and they are closed,
//     so a background grandchild holding them cannot hang the runner.
//  3. On timeout the whole group gets SIGTERM, then SIGKILL once the child
//     has exited or kill_grace_ms has passed, whichever is first (Pacemaker
//     sends SIGKILL alone: kill_grace_ms = 0 comes closest). The child is
//     always reaped (no zombies); a grandchild that outlives a normal exit is
//     left alone (agents background helpers such as send_arp on purpose).
//  4. Start() runs each process on its own worker thread that blocks in
//     RunBlocking(); Collect() hands back finished results and joins their
//     threads. The destructor waits for every running process (each bounded
//     by its timeout). Start/Collect are safe to call from any one thread.
//  5. stdin, when given, is written through a pipe with SIGPIPE blocked on
//     the writing thread; otherwise the child reads /dev/null.
//  6. Output beyond max_output_bytes per stream is read and dropped, flagged
//     by stdout_truncated / stderr_truncated.
class RealProcessRunner : public ProcessRunner {
 public:
  explicit RealProcessRunner(RealProcessRunnerOptions options = {});
  ~RealProcessRunner() override;
  RealProcessRunner(const RealProcessRunner&) = delete;
  RealProcessRunner& operator=(const RealProcessRunner&) = delete;

  Handle Start(const ProcessSpec& spec) override;
  std::vector<std::pair<Handle, ProcessResult>> Collect() override;

  // Runs one process to completion on the calling thread.
  ProcessResult RunBlocking(const ProcessSpec& spec) const;

 private:
  const RealProcessRunnerOptions options_;
  std::mutex mu_;
  Handle next_handle_ = 1;                               // guarded by mu_
  std::map<Handle, std::thread> workers_;                // guarded by mu_
  std::vector<std::pair<Handle, ProcessResult>> done_;   // guarded by mu_
};

}  // namespace baton::process
