// The Pacemaker tools that OCF agents call, answered by the crm binary under
// their names (../shared/reference/ocf-agents.md section 11): crm_attribute,
// crm_master, attrd_updater, crm_node, crm_resource, crm_mon, cibadmin,
// pacemakerd. They talk to the local baton-crmd over its control socket, or
// read (and crm_attribute writes) the CIB file named by $CIB_file, as
// Pacemaker's tools do.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "control.pb.h"

namespace baton::cli {

// Where the tools get cluster answers: one control request, one reply; a
// reply that carries an error comes back as that error.
class ClusterBackend {
 public:
  virtual ~ClusterBackend() = default;
  virtual absl::StatusOr<control::ControlReply> Call(const control::ControlRequest& request) = 0;
};

// The control socket of control::ControlSocketPath(path).
class SocketBackend : public ClusterBackend {
 public:
  explicit SocketBackend(std::string path = "") : path_(std::move(path)) {}
  absl::StatusOr<control::ControlReply> Call(const control::ControlRequest& request) override;

 private:
  std::string path_;
};

struct ToolContext {
  ClusterBackend* backend = nullptr;
  // The environment (OCF_RESOURCE_INSTANCE, OCF_RESKEY_CRM_meta_on_node, CIB_file, ...).
  std::function<std::optional<std::string>(const std::string&)> env;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  // The version crm_mon's "Current DC" line names: Pacemaker's for agents
  // that parse it, baton's for `crm status`.
  std::string dc_version = "2.1.5";
};

// The tool names the crm binary answers to besides crm and crm_simulate.
const std::vector<std::string>& ToolNames();

// Runs tool `name` (one of ToolNames()); returns its exit code.
int RunTool(const std::string& name, const std::vector<std::string>& args, ToolContext& ctx);

}  // namespace baton::cli
