// The control requests a node answers from what it knows itself: node
// identity and membership (node-info), its view of the CIB (cib), and node
// attributes (attr-set, attr-get, attr-del, attr-query). baton-crmd hands
// every request but status to this; tests drive it directly.
//
// Requests (fields of service/control.h):
//   node-info                          "self\tID\tNAME", "quorate\t0|1", "node\tID\tNAME\tmember|lost"...
//   cib                                the CIB XML (nodes, node states, attributes)
//   attr-set NODE NAME VALUE LIFETIME  "ok"
//   attr-del NODE NAME LIFETIME        "deleted" or "absent"
//   attr-get NODE NAME LIFETIME        the value; not-found if unset
//   attr-query NAME LIFETIME           "NODE\tset|unset\tVALUE" per configured node
// An unknown NODE is not-found "Could not map name=NODE to a UUID".
// Thread-safety: none; the daemon's loop owns it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crmd/attrd/attrd.h"
#include "crmd/cib/cib.h"

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

  // InvalidArgument for an unknown request or a wrong argument count.
  absl::StatusOr<std::string> Handle(const std::vector<std::string>& request, const ClusterView& view);

  // The CIB this node serves: `configured` (the replicated configuration,
  // if any) with every cluster.conf node in its nodes section, node
  // attributes from `attrs`, and the status section from `view`.
  static std::string CibXml(const ClusterView& view, const attrd::AttributeStore& attrs,
                            const cib::Cib* configured = nullptr);

  // Called after every attribute change made through Handle (the daemon
  // tells the other nodes). `value` unset: removed.
  void OnAttributeChange(std::function<void(const std::string& node, const std::string& name,
                                            const std::optional<std::string>& value, attrd::Lifetime)>
                             hook) {
    on_change_ = std::move(hook);
  }

  // The replicated configuration, as CibXml uses it.
  void SetConfigured(const cib::Cib* configured) { configured_ = configured; }

 private:
  attrd::AttributeStore* attrs_;
  const cib::Cib* configured_ = nullptr;
  std::function<void(const std::string&, const std::string&, const std::optional<std::string>&, attrd::Lifetime)>
      on_change_;
  std::function<absl::Status(const std::string&)> persist_;
};

}  // namespace baton::service
