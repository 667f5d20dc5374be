// crm report's collecting and gathering with I/O (see report_collect.h).
#include "crmd/daemon/report_collect.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/control/control.h"

#ifndef BATON_VERSION
#define BATON_VERSION "unknown"
#endif

namespace baton::report {
namespace {

constexpr size_t kMaxWorkers = 8;

std::string Dir(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string Base(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool IsRegularFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// stderr's file when it is a regular one, and baton-fenced.log beside it.
std::vector<std::string> FindLogFiles() {
  struct stat st;
  if (::fstat(STDERR_FILENO, &st) != 0 || !S_ISREG(st.st_mode)) return {};
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/fd/2", buf, sizeof(buf) - 1);
  if (n <= 0) return {};
  std::string own(buf, static_cast<size_t>(n));
  std::vector<std::string> files = {own};
  std::string fenced = Dir(own) + "/baton-fenced.log";
  if (fenced != own && IsRegularFile(fenced)) files.push_back(fenced);
  return files;
}

crmd::ReportFile FromJournal(const LogWindow& window, size_t cap) {
  crmd::ReportFile f;
  f.set_name("journal.log");
  // Only numbers go into the command line.
  std::string cmd = absl::StrCat("journalctl -u baton-crmd -u baton-fenced --since @", window.from_s, " --until @",
                                 window.to_s, " -o short-precise --no-pager -q 2>&1");
  f.set_note("journalctl -u baton-crmd -u baton-fenced -o short-precise, in the window");
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) {
    f.set_note(absl::StrCat("journalctl could not run: ", std::strerror(errno)));
    return f;
  }
  // The end of the window matters most: keep the last `cap` bytes, in whole lines.
  std::string text;
  bool truncated = false;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) {
    text.append(buf, n);
    if (text.size() > 2 * cap) {
      text.erase(0, text.size() - cap);
      truncated = true;
    }
  }
  int rc = ::pclose(p);
  if (text.size() > cap) {
    text.erase(0, text.size() - cap);
    truncated = true;
  }
  if (truncated) {
    size_t nl = text.find('\n');
    text.erase(0, nl == std::string::npos ? text.size() : nl + 1);
  }
  if (rc != 0) f.set_note(absl::StrCat(f.note(), "; journalctl exited with status ", rc));
  f.set_text(std::move(text));
  f.set_truncated(truncated);
  return f;
}

crmd::ReportFile FromFile(const std::string& path, const LogWindow& window, size_t cap) {
  crmd::ReportFile f;
  f.set_name(Base(path));
  std::ifstream in(path);
  if (!in) {
    f.set_note(absl::StrCat(path, ": cannot be read: ", std::strerror(errno)));
    return f;
  }
  FilteredLog log = FilterLog(in, window, cap);
  f.set_note(log.timed ? absl::StrCat(path, ", the lines in the window")
                       : absl::StrCat(path, ": its lines carry no time; the whole file (its end, if over the cap)"));
  f.set_text(std::move(log.text));
  f.set_truncated(log.truncated);
  return f;
}

std::string ReadSmallFile(const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = absl::StrCat(path, ": ", std::strerror(errno));
    return "";
  }
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

crmd::NodeReport CollectNodeReport(const CollectOptions& options, const LogWindow& window, uint64_t request_id) {
  crmd::NodeReport r;
  r.set_request_id(request_id);
  r.set_node(options.node);
  std::vector<std::string> files = options.log_files;
  const char* journal = std::getenv("JOURNAL_STREAM");
  if (files.empty() && journal != nullptr && *journal != '\0') {
    *r.add_files() = FromJournal(window, options.max_log_bytes);
  } else {
    if (files.empty()) files = FindLogFiles();
    if (files.empty()) {
      r.set_error("baton-crmd's logs are neither in the journal nor in a file (stderr is not a regular file)");
    }
    for (const auto& path : files) *r.add_files() = FromFile(path, window, options.max_log_bytes / files.size());
  }
  crmd::ReportFile* conf = r.add_files();
  conf->set_name("cluster.conf");
  std::string error;
  conf->set_text(RedactClusterConf(ReadSmallFile(options.config_path, &error)));
  conf->set_note(error.empty() ? absl::StrCat(options.config_path, " (key-like values removed; the authkey is never included)")
                               : error);
  struct utsname u;
  crmd::ReportFile* info = r.add_files();
  info->set_name("node.txt");
  std::string uname = ::uname(&u) == 0 ? absl::StrCat(u.sysname, " ", u.nodename, " ", u.release, " ", u.version,
                                                      " ", u.machine)
                                       : "uname failed";
  info->set_text(absl::StrCat("node: ", options.node, "\nbaton-crmd: ", BATON_VERSION, "\nuname -a: ", uname, "\n"));
  return r;
}

ReportService::~ReportService() {
  for (auto& w : workers_) {
    if (w.thread.joinable()) w.thread.join();
  }
  for (const auto& [id, client] : clients_) ::close(client.fd);
}

template <typename Fn>
void ReportService::Spawn(Fn fn) {
  auto done = std::make_shared<std::atomic<bool>>(false);
  workers_.push_back({std::thread([fn = std::move(fn), done]() mutable {
                        fn();
                        done->store(true);
                      }),
                      done});
}

void ReportService::Collect(const std::string& to, uint64_t id, const LogWindow& window) {
  if (workers_.size() >= kMaxWorkers) {  // a flood of requests gets refusals, not threads
    crmd::NodeReport r;
    r.set_request_id(id);
    r.set_node(options_.node);
    r.set_error("busy: too many reports being collected at once; try again");
    std::lock_guard<std::mutex> lock(mu_);
    done_.push_back({to, std::move(r)});
    return;
  }
  Spawn([this, to, id, window] {
    crmd::NodeReport r = CollectNodeReport(options_, window, id);
    std::lock_guard<std::mutex> lock(mu_);
    done_.push_back({to, std::move(r)});
  });
}

void ReportService::Reply(int fd, const control::ControlReply& message) {
  Spawn([fd, reply = control::EncodeFrame(message)] {
    // Off the loop: a slow reader holds this thread, not the heartbeats.
    struct timeval tv = {30, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    size_t sent = 0;
    while (sent < reply.size()) {
      ssize_t n = ::send(fd, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    ::close(fd);
  });
}

void ReportService::OnControl(int fd, const control::ReportLogsRequest& req, const std::set<std::string>& members,
                              const std::set<std::string>& configured, uint64_t now_ms) {
  LogWindow w{req.from_s(), req.to_s()};
  if (w.from_s > w.to_s) {
    Reply(fd, control::ErrorReply(absl::InvalidArgumentError(
                  absl::StrCat("report_logs: from_s ", w.from_s, " is after to_s ", w.to_s))));
    return;
  }
  if (next_id_ == 0) next_id_ = static_cast<uint64_t>(std::time(nullptr)) << 16;  // unique across restarts
  uint64_t id = ++next_id_;
  std::set<std::string> expected = members;
  expected.insert(options_.node);
  gather_.Start(id, w, expected, now_ms);
  Client& client = clients_[id];
  client.fd = fd;
  for (const auto& node : configured) {
    if (!expected.count(node)) client.down.push_back(node);
  }
  crmd::PeerMessage m;
  m.mutable_report_request()->set_id(id);
  m.mutable_report_request()->set_from_s(w.from_s);
  m.mutable_report_request()->set_to_s(w.to_s);
  for (const auto& node : expected) {
    if (node != options_.node) send_(node, m);
  }
  Collect("", id, w);
}

void ReportService::OnPeer(const std::string& from, const crmd::PeerMessage& msg, uint64_t /*now_ms*/) {
  if (msg.has_report_request()) {
    const auto& q = msg.report_request();
    Collect(from, q.id(), LogWindow{q.from_s(), q.to_s()});
  } else if (msg.has_report()) {
    gather_.OnReport(from, msg.report());
  }
}

void ReportService::Tick(uint64_t now_ms) {
  std::vector<Collected> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    done.swap(done_);
  }
  for (auto& c : done) {
    if (c.to.empty()) {
      gather_.OnReport(options_.node, std::move(c.report));
    } else {
      crmd::PeerMessage m;
      *m.mutable_report() = std::move(c.report);
      send_(c.to, m);
    }
  }
  for (auto& [id, bundle] : gather_.TakeDone(now_ms)) {
    auto it = clients_.find(id);
    if (it == clients_.end()) continue;
    for (const auto& node : it->second.down) bundle.add_down(node);
    control::ControlReply reply;
    *reply.mutable_report() = std::move(bundle);
    Reply(it->second.fd, reply);
    clients_.erase(it);
  }
  std::erase_if(workers_, [](Worker& w) {
    if (!w.done->load()) return false;
    w.thread.join();
    return true;
  });
}

}  // namespace baton::report
