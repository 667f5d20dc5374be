// RealProcessRunner: fork/exec with a process group, pipes, a timeout that
// kills the group, and completion decided by the child's exit.
#include "lib/process/process_runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

namespace baton::process {
namespace {

using Clock = std::chrono::steady_clock;

int64_t MsSince(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

void CloseFd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// One captured stream: keeps at most `cap` bytes, reads and drops the rest.
struct Capture {
  int fd = -1;
  std::string* data = nullptr;
  bool* truncated = nullptr;
  size_t cap = 0;

  // Reads what is available. Returns false at EOF or on error (fd closed).
  bool ReadAvailable() {
    char buf[8192];
    while (fd >= 0) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n > 0) {
        size_t room = cap > data->size() ? cap - data->size() : 0;
        size_t take = std::min(room, static_cast<size_t>(n));
        data->append(buf, take);
        if (take < static_cast<size_t>(n)) *truncated = true;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      CloseFd(fd);
      return false;
    }
    return false;
  }
};

// True once `pid` has exited; leaves it a zombie (WNOWAIT) so that its pid,
// and so its process group id, cannot be reused before we signal the group.
bool HasExited(pid_t pid) {
  siginfo_t info;
  memset(&info, 0, sizeof info);
  while (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) < 0) {
    if (errno != EINTR) return true;  // ECHILD: nothing left to wait for
  }
  return info.si_pid == pid;
}

// Waits up to `ms` for the child to exit, servicing the pipes meanwhile.
bool WaitExit(pid_t pid, int64_t ms, Capture* caps, int ncaps, int* stdin_fd,
              const std::string* stdin_data, size_t* stdin_off) {
  Clock::time_point t0 = Clock::now();
  for (;;) {
    if (HasExited(pid)) return true;
    int64_t left = ms < 0 ? 20 : ms - MsSince(t0);
    if (left <= 0) return false;
    pollfd pfds[3];
    int n = 0;
    for (int i = 0; i < ncaps; ++i) {
      if (caps[i].fd >= 0) pfds[n++] = pollfd{caps[i].fd, POLLIN, 0};
    }
    if (*stdin_fd >= 0) pfds[n++] = pollfd{*stdin_fd, POLLOUT, 0};
    // Short slices: the child's exit is noticed by polling waitid.
    poll(pfds, n, static_cast<int>(std::min<int64_t>(left, 10)));
    for (int i = 0; i < ncaps; ++i) caps[i].ReadAvailable();
    if (*stdin_fd >= 0) {
      ssize_t w = write(*stdin_fd, stdin_data->data() + *stdin_off,
                        stdin_data->size() - *stdin_off);
      if (w > 0) *stdin_off += static_cast<size_t>(w);
      if ((w < 0 && errno != EAGAIN && errno != EINTR) ||
          *stdin_off >= stdin_data->size()) {
        CloseFd(*stdin_fd);
      }
    }
  }
}

}  // namespace

RealProcessRunner::RealProcessRunner(RealProcessRunnerOptions options)
    : options_(options) {}

RealProcessRunner::~RealProcessRunner() {
  std::map<Handle, std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    workers.swap(workers_);
  }
  for (auto& [h, t] : workers) t.join();
}

ProcessRunner::Handle RealProcessRunner::Start(const ProcessSpec& spec) {
  std::lock_guard<std::mutex> lock(mu_);
  Handle h = next_handle_++;
  workers_[h] = std::thread([this, h, spec] {
    ProcessResult r = RunBlocking(spec);
    std::lock_guard<std::mutex> inner(mu_);
    done_.emplace_back(h, std::move(r));
  });
  return h;
}

std::vector<std::pair<ProcessRunner::Handle, ProcessResult>> RealProcessRunner::Collect() {
  std::vector<std::pair<Handle, ProcessResult>> out;
  std::vector<std::thread> finished;
  {
    std::lock_guard<std::mutex> lock(mu_);
    out.swap(done_);
    for (const auto& [h, r] : out) {
      auto it = workers_.find(h);
      if (it == workers_.end()) continue;
      finished.push_back(std::move(it->second));
      workers_.erase(it);
    }
  }
  // Each of these has already pushed its result: join returns promptly.
  for (auto& t : finished) t.join();
  return out;
}

ProcessResult RealProcessRunner::RunBlocking(const ProcessSpec& spec) const {
  ProcessResult result;
  Clock::time_point t0 = Clock::now();

  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls.
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  if (argv.empty()) argv.push_back(const_cast<char*>(spec.program.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : spec.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1}, in_pipe[2] = {-1, -1};
  int exec_pipe[2] = {-1, -1};
  auto close_all = [&] {
    for (int* p : {out_pipe, err_pipe, in_pipe, exec_pipe}) {
      CloseFd(p[0]);
      CloseFd(p[1]);
    }
  };
  bool ok = pipe2(out_pipe, O_CLOEXEC) == 0 && pipe2(err_pipe, O_CLOEXEC) == 0 &&
            pipe2(exec_pipe, O_CLOEXEC) == 0;
  if (ok && spec.stdin_data) {
    ok = pipe2(in_pipe, O_CLOEXEC) == 0;
  } else if (ok) {
    in_pipe[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    ok = in_pipe[0] >= 0;
  }
  if (!ok) {
    result.spawn_error = std::string("pipe: ") + strerror(errno);
    close_all();
    return result;
  }

  pid_t pid = fork();
  if (pid < 0) {
    result.spawn_error = std::string("fork: ") + strerror(errno);
    close_all();
    return result;
  }
  if (pid == 0) {
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    // Every inherited fd above 2 is closed at exec (exec_pipe included, which
    // is how the parent learns the exec succeeded).
#ifdef SYS_close_range
    syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);
#endif
    execve(spec.program.c_str(), argv.data(), envp.data());
    int e = errno;
    ssize_t unused = write(exec_pipe[1], &e, sizeof e);
    (void)unused;
    _exit(127);
  }
  setpgid(pid, pid);  // also in the parent, so the group exists before any kill
  CloseFd(in_pipe[0]);
  CloseFd(out_pipe[1]);
  CloseFd(err_pipe[1]);
  CloseFd(exec_pipe[1]);

  int exec_errno = 0;
  ssize_t n;
  do {
    n = read(exec_pipe[0], &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  CloseFd(exec_pipe[0]);

  Capture caps[2] = {
      {out_pipe[0], &result.stdout_data, &result.stdout_truncated, options_.max_output_bytes},
      {err_pipe[0], &result.stderr_data, &result.stderr_truncated, options_.max_output_bytes}};
  out_pipe[0] = err_pipe[0] = -1;  // owned by caps now
  for (auto& c : caps) SetNonBlocking(c.fd);
  size_t stdin_off = 0;
  int stdin_fd = -1;
  if (n == static_cast<ssize_t>(sizeof exec_errno)) {
    result.spawn_error = std::string("exec ") + spec.program + ": " + strerror(exec_errno);
    CloseFd(in_pipe[1]);
  } else if (spec.stdin_data) {
    stdin_fd = in_pipe[1];
    in_pipe[1] = -1;
    SetNonBlocking(stdin_fd);
  }

  // A child that stops reading its stdin must not kill us with SIGPIPE: block
  // it on this thread while we write, and swallow any that became pending.
  sigset_t pipe_set, old_mask;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);

  int64_t limit = spec.timeout_ms > 0 ? spec.timeout_ms : -1;
  const std::string* stdin_data = spec.stdin_data ? &*spec.stdin_data : nullptr;
  bool exited = WaitExit(pid, limit, caps, 2, &stdin_fd, stdin_data, &stdin_off);
  if (!exited) {
    result.timed_out = true;
    CloseFd(stdin_fd);
    kill(-pid, SIGTERM);
    WaitExit(pid, options_.kill_grace_ms, caps, 2, &stdin_fd, nullptr, &stdin_off);
    // Whatever of the group outlived SIGTERM goes now. The child is not yet
    // reaped, so its group id cannot have been reused by another process.
    kill(-pid, SIGKILL);
  }
  CloseFd(stdin_fd);
  timespec zero = {0, 0};
  while (sigtimedwait(&pipe_set, nullptr, &zero) == SIGPIPE) {
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  // Drain what the pipes already hold, then close them, whether or not a
  // grandchild still has the other end.
  for (auto& c : caps) {
    c.ReadAvailable();
    CloseFd(c.fd);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (result.spawn_error.empty()) {
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
  }
  result.duration_ms = MsSince(t0);
  return result;
}

}  // namespace baton::process
