#include "cli/status_client.h"

#include <ostream>

#include "lib/control/control.h"

namespace baton::cli {

int RunStatus(const std::vector<std::string>& args, bool cluster, std::ostream& out, std::ostream& err) {
  std::string path;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--socket" && i + 1 < args.size()) {
      path = args[++i];
    } else if (args[i].rfind("--socket=", 0) == 0) {
      path = args[i].substr(9);
    } else {
      err << "crm: unexpected argument '" << args[i] << "'\n";
      return 2;
    }
  }
  auto reply = control::ReplyText(control::Call(control::ControlSocketPath(path), control::request::Status(cluster)));
  if (!reply.ok()) {
    err << "crm: " << reply.status().message();
    if (reply.status().code() == absl::StatusCode::kUnavailable) err << " (is it running? see --socket)";
    err << "\n";
    return 1;
  }
  out << *reply;
  return 0;
}

}  // namespace baton::cli
