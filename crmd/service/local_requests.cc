#include "crmd/service/local_requests.h"

#include "absl/strings/str_cat.h"
#include "lib/control/control.h"

namespace baton::service {
namespace {

attrd::Lifetime FromProto(control::Lifetime l) {
  return l == control::FOREVER ? attrd::Lifetime::kForever : attrd::Lifetime::kReboot;
}

absl::Status KnownNode(const ClusterView& view, const std::string& name) {
  for (const auto& n : view.nodes) {
    if (n.name == name) return absl::OkStatus();
  }
  return absl::NotFoundError(absl::StrCat("Could not map name=", name, " to a UUID"));
}

}  // namespace

control::ControlReply LocalRequests::NodeInfo(const ClusterView& view) {
  control::ControlReply r;
  auto* info = r.mutable_node_info();
  info->set_self(view.self);
  info->set_self_name(std::to_string(view.self));
  info->set_quorate(view.quorate);
  for (const auto& n : view.nodes) {
    if (n.id == view.self) info->set_self_name(n.name);
    auto* node = info->add_nodes();
    node->set_id(n.id);
    node->set_name(n.name);
    node->set_member(view.members.count(n.id) > 0);
  }
  return r;
}

absl::StatusOr<control::ControlReply> LocalRequests::Attribute(const control::ControlRequest& req,
                                                               const ClusterView& view) {
  control::ControlReply reply;
  if (req.has_attr_query()) {
    const auto& q = req.attr_query();
    for (const auto& n : view.nodes) {
      auto v = attrs_->Get(n.name, q.name(), FromProto(q.lifetime()));
      auto* value = reply.mutable_attr_values()->add_values();
      value->set_node(n.name);
      value->set_set(v.has_value());
      value->set_value(v.value_or(""));
    }
    return reply;
  }
  if (req.has_attr_get()) {
    const auto& g = req.attr_get();
    if (auto st = KnownNode(view, g.node()); !st.ok()) return st;
    auto v = attrs_->Get(g.node(), g.name(), FromProto(g.lifetime()));
    if (!v) return absl::NotFoundError(absl::StrCat("no attribute '", g.name(), "' on ", g.node()));
    return control::TextReply(*v);
  }
  if (!req.has_attr_set() && !req.has_attr_delete()) return absl::InvalidArgumentError("not an attribute request");
  const bool set = req.has_attr_set();
  const std::string& node = set ? req.attr_set().node() : req.attr_delete().node();
  const std::string& name = set ? req.attr_set().name() : req.attr_delete().name();
  const attrd::Lifetime lifetime = FromProto(set ? req.attr_set().lifetime() : req.attr_delete().lifetime());
  std::optional<std::string> value;
  if (set) value = req.attr_set().value();
  if (auto st = KnownNode(view, node); !st.ok()) return st;
  // Undo a permanent change that could not be made durable (a transient
  // one, the agents' every monitor, needs no copy).
  const bool durable = lifetime == attrd::Lifetime::kForever && persist_;
  std::optional<attrd::AttributeStore> before;
  if (durable) before = *attrs_;
  if (set) {
    if (auto st = attrs_->Set(node, name, *value, lifetime); !st.ok()) return st;
  } else {
    auto removed = attrs_->Delete(node, name, lifetime);
    if (!removed.ok()) return removed.status();
    reply.set_existed(*removed);
    if (!*removed) return reply;
  }
  if (durable) {
    if (auto st = persist_(attrs_->SerializePermanent()); !st.ok()) {
      *attrs_ = *std::move(before);
      return st;
    }
  }
  if (on_change_) on_change_(node, name, value, lifetime);
  return reply;
}

}  // namespace baton::service
