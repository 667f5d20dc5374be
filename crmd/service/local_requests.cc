#include "crmd/service/local_requests.h"

#include <sstream>

#include "absl/strings/str_cat.h"
#include "crmd/cib/cib.h"
#include "crmd/cib/cib_xml.h"

namespace baton::service {
namespace {

const ClusterView::NodeRef* FindNode(const ClusterView& view, const std::string& name) {
  for (const auto& n : view.nodes) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

std::string NodeInfo(const ClusterView& view) {
  std::ostringstream out;
  std::string self_name = std::to_string(view.self);
  for (const auto& n : view.nodes) {
    if (n.id == view.self) self_name = n.name;
  }
  out << "self\t" << view.self << "\t" << self_name << "\n";
  out << "quorate\t" << (view.quorate ? 1 : 0) << "\n";
  for (const auto& n : view.nodes) {
    out << "node\t" << n.id << "\t" << n.name << "\t" << (view.members.count(n.id) ? "member" : "lost") << "\n";
  }
  return out.str();
}

cib::NvSet ToNvSet(const std::string& set_id, const std::map<std::string, std::string>& attrs) {
  cib::NvSet set;
  set.id = set_id;
  for (const auto& [name, value] : attrs) set.pairs.push_back({set_id + "-" + name, name, value});
  return set;
}

}  // namespace

std::string LocalRequests::CibXml(const ClusterView& view, const attrd::AttributeStore& attrs,
                                  const cib::Cib* configured) {
  cib::Cib c;
  if (configured) {
    c.version = configured->version;
    c.attrs = configured->attrs;
    c.configuration = configured->configuration;
  }
  c.attrs.erase("dc-uuid");
  c.attrs["validate-with"] = "pacemaker-3.9";
  c.attrs["crm_feature_set"] = "3.16.1";
  c.attrs["have-quorum"] = view.quorate ? "1" : "0";
  if (view.dc) c.attrs["dc-uuid"] = std::to_string(*view.dc);
  for (const auto& n : view.nodes) {
    std::string id = std::to_string(n.id);
    cib::Node* node = nullptr;
    for (auto& existing : c.configuration.nodes) {
      if (existing.uname == n.name) node = &existing;
    }
    if (!node) {
      c.configuration.nodes.push_back(cib::Node{});
      node = &c.configuration.nodes.back();
      node->id = id;
      node->uname = n.name;
    }
    if (auto it = attrs.permanent().find(n.name); it != attrs.permanent().end()) {
      std::string set_id = "nodes-" + id;
      for (const auto& set : node->attributes) {
        if (set.id == set_id) set_id += "-attrd";
      }
      node->attributes.push_back(ToNvSet(set_id, it->second));
    }
    bool member = view.members.count(n.id) > 0;
    cib::NodeState st;
    st.id = id;
    st.attrs["uname"] = n.name;
    st.attrs["in_ccm"] = member ? "true" : "false";
    st.attrs["crmd"] = member ? "online" : "offline";
    st.attrs["join"] = member ? "member" : "down";
    st.attrs["expected"] = member ? "member" : "down";
    if (auto it = attrs.transient().find(n.name); it != attrs.transient().end()) {
      st.transient.push_back(ToNvSet("status-" + id, it->second));
    }
    c.status.push_back(std::move(st));
  }
  return cib::WriteCibXml(c);
}

absl::StatusOr<std::string> LocalRequests::Handle(const std::vector<std::string>& req, const ClusterView& view) {
  if (req.empty()) return absl::InvalidArgumentError("empty request");
  const std::string& cmd = req[0];
  auto want = [&](size_t n) -> absl::Status {
    if (req.size() == n) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat("'", cmd, "' takes ", n - 1, " arguments, got ", req.size() - 1));
  };
  auto known_node = [&](const std::string& name) -> absl::Status {
    if (FindNode(view, name)) return absl::OkStatus();
    return absl::NotFoundError(absl::StrCat("Could not map name=", name, " to a UUID"));
  };
  if (cmd == "node-info") {
    if (auto st = want(1); !st.ok()) return st;
    return NodeInfo(view);
  }
  if (cmd == "cib") {
    if (auto st = want(1); !st.ok()) return st;
    return CibXml(view, *attrs_, configured_);
  }
  if (cmd == "attr-set" || cmd == "attr-del" || cmd == "attr-get") {
    if (auto st = want(cmd == "attr-set" ? 5 : 4); !st.ok()) return st;
    if (auto st = known_node(req[1]); !st.ok()) return st;
    auto lifetime = attrd::ParseLifetime(req.back());
    if (!lifetime.ok()) return lifetime.status();
    if (cmd == "attr-get") {
      auto v = attrs_->Get(req[1], req[2], *lifetime);
      if (!v) return absl::NotFoundError(absl::StrCat("no attribute '", req[2], "' on ", req[1]));
      return *v + "\n";
    }
    attrd::AttributeStore before = *attrs_;
    std::string reply = "ok\n";
    if (cmd == "attr-set") {
      if (auto st = attrs_->Set(req[1], req[2], req[3], *lifetime); !st.ok()) return st;
    } else {
      auto removed = attrs_->Delete(req[1], req[2], *lifetime);
      if (!removed.ok()) return removed.status();
      reply = *removed ? "deleted\n" : "absent\n";
    }
    if (*lifetime == attrd::Lifetime::kForever && persist_) {
      if (auto st = persist_(attrs_->SerializePermanent()); !st.ok()) {
        *attrs_ = std::move(before);
        return st;
      }
    }
    if (on_change_ && reply != "absent\n") {
      on_change_(req[1], req[2], cmd == "attr-set" ? std::optional<std::string>(req[3]) : std::nullopt, *lifetime);
    }
    return reply;
  }
  if (cmd == "attr-query") {
    if (auto st = want(3); !st.ok()) return st;
    auto lifetime = attrd::ParseLifetime(req[2]);
    if (!lifetime.ok()) return lifetime.status();
    std::string out;
    for (const auto& n : view.nodes) {
      auto v = attrs_->Get(n.name, req[1], *lifetime);
      absl::StrAppend(&out, n.name, "\t", v ? "set" : "unset", "\t", v.value_or(""), "\n");
    }
    return out;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown request '", cmd, "'"));
}

}  // namespace baton::service
