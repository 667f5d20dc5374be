#include "crmd/service/local_requests.h"

#include "absl/strings/str_cat.h"
#include "crmd/service/control.h"

namespace baton::service {
namespace {

bool Known(const ClusterView& view, const std::string& name) {
  for (const auto& n : view.nodes) {
    if (n.name == name) return true;
  }
  return false;
}

absl::Status KnownNode(const ClusterView& view, const std::string& name) {
  if (Known(view, name)) return absl::OkStatus();
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
    return TextReply(*v);
  }
  std::string node, name;
  std::optional<std::string> value;
  attrd::Lifetime lifetime = attrd::Lifetime::kReboot;
  attrd::AttributeStore before = *attrs_;
  if (req.has_attr_set()) {
    const auto& s = req.attr_set();
    node = s.node();
    name = s.name();
    value = s.value();
    lifetime = FromProto(s.lifetime());
    if (auto st = KnownNode(view, node); !st.ok()) return st;
    if (auto st = attrs_->Set(node, name, *value, lifetime); !st.ok()) return st;
  } else if (req.has_attr_delete()) {
    const auto& d = req.attr_delete();
    node = d.node();
    name = d.name();
    lifetime = FromProto(d.lifetime());
    if (auto st = KnownNode(view, node); !st.ok()) return st;
    auto removed = attrs_->Delete(node, name, lifetime);
    if (!removed.ok()) return removed.status();
    reply.set_existed(*removed);
    if (!*removed) return reply;
  } else {
    return absl::InvalidArgumentError("not an attribute request");
  }
  if (lifetime == attrd::Lifetime::kForever && persist_) {
    if (auto st = persist_(attrs_->SerializePermanent()); !st.ok()) {
      *attrs_ = std::move(before);
      return st;
    }
  }
  if (on_change_) on_change_(node, name, value, lifetime);
  return reply;
}

}  // namespace baton::service
