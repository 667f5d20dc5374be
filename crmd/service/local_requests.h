// The control requests a node answers from what it knows itself: who it is,
// quorum and the configured nodes (NodeInfoRequest), and node attributes
// (AttrSet/Get/Delete/Query). The Node's handler table hands these here;
// the tool tests drive it directly.
//
// An unknown node is NOT_FOUND "Could not map name=NODE to a UUID", as
// Pacemaker's tools say it.
// Thread-safety: none; the daemon's loop owns it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "control.pb.h"
#include "crmd/attrd/attrd.h"

namespace baton::service {

struct ClusterView {
  struct NodeRef {
    uint32_t id = 0;
    std::string name;
  };
  uint32_t self = 0;
  std::vector<NodeRef> nodes;  // configuration order
  std::set<uint32_t> members;
  bool quorate = false;
  std::optional<uint32_t> dc;
};

class LocalRequests {
 public:
  // `persist` makes the permanent attributes durable (the text of
  // AttributeStore::SerializePermanent); a forever change is answered only
  // after it succeeded, and undone if it failed.
  LocalRequests(attrd::AttributeStore* attrs, std::function<absl::Status(const std::string&)> persist)
      : attrs_(attrs), persist_(std::move(persist)) {}

  static control::ControlReply NodeInfo(const ClusterView& view);

  // An attribute request (attr_set, attr_get, attr_delete, attr_query).
  absl::StatusOr<control::ControlReply> Attribute(const control::ControlRequest& request, const ClusterView& view);

  // Called after every attribute change made through Attribute (the Node
  // tells the other nodes). `value` unset: removed.
  void OnAttributeChange(std::function<void(const std::string& node, const std::string& name,
                                            const std::optional<std::string>& value, attrd::Lifetime)>
                             hook) {
    on_change_ = std::move(hook);
  }

 private:
  attrd::AttributeStore* attrs_;
  std::function<void(const std::string&, const std::string&, const std::optional<std::string>&, attrd::Lifetime)>
      on_change_;
  std::function<absl::Status(const std::string&)> persist_;
};

}  // namespace baton::service
