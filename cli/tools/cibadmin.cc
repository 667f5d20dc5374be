// cibadmin: the CIB or a part of it (-Q, --scope, --xpath), and --replace
// of the whole CIB as a compare-and-swap through the DC.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <ostream>
#include <sstream>

#include "cli/tools/internal.h"
#include "lib/cib/cib_xml.h"
#include "pugixml.hpp"

namespace baton::cli::tools {
namespace {

// cibadmin --replace --xml-file FILE | --xml-text XML: the whole
// configuration, through the DC, as compare-and-swap on the version read
// just before (a concurrent change makes it fail; nothing is half-applied).
int CibadminReplace(const ParsedArgs& p, ToolContext& ctx) {
  std::ostream& err = *ctx.err;
  std::string xml;
  if (auto file = Value(p, "xml-file")) {
    std::ifstream in(*file);
    if (!in) {
      err << "cibadmin: cannot read " << *file << ": " << std::strerror(errno) << "\n";
      return kExitError;
    }
    std::stringstream text;
    text << in.rdbuf();
    xml = text.str();
  } else if (auto text = Value(p, "xml-text")) {
    xml = *text;
  } else {
    err << "cibadmin: --replace needs --xml-file FILE or --xml-text XML\n";
    return kExitUsage;
  }
  if (Has(p, "scope")) {
    err << "cibadmin: --replace with --scope is not supported by baton; give a whole <cib>\n";
    return kExitUnimplemented;
  }
  auto next = cib::ParseCibXml(xml);
  if (!next.ok()) {
    err << "cibadmin: the new CIB is not valid: " << next.status().message() << "\n";
    return kExitUsage;
  }
  if (auto st = cib::Validate(*next); !st.ok()) {
    err << "cibadmin: the new CIB is not valid: " << st.message() << "\n";
    return kExitUsage;
  }
  if (auto file = Env(ctx, "CIB_file")) {
    auto st = SaveCibFile(*file, *next);
    if (!st.ok()) {
      err << "cibadmin: " << st.message() << "\n";
      return kExitError;
    }
    return kExitOk;
  }
  auto current = LoadCib(ctx);
  if (!current.ok()) return CibFailure("cibadmin", current.status(), err);
  const cib::Version& v = current->version;
  auto r = ctx.backend->Call(control::request::CibReplace(v.admin_epoch, v.epoch, v.num_updates, xml));
  if (!r.ok()) {
    err << "cibadmin: Call cib_replace failed: " << r.status().message() << "\n";
    return r.status().code() == absl::StatusCode::kUnavailable ? kExitDisconnect : kExitError;
  }
  return kExitOk;
}

}  // namespace

int Cibadmin(const std::vector<std::string>& args, ToolContext& ctx) {
  static const std::vector<OptionSpec> specs = {
      {'Q', "query", OptionSpec::kNone},
      {'o', "scope", OptionSpec::kRequired},
      {'A', "xpath", OptionSpec::kRequired},
      {'l', "local", OptionSpec::kNone},
      {'s', "sync-call", OptionSpec::kNone},
      {'R', "replace", OptionSpec::kNone},
      {'C', "create", OptionSpec::kNone},
      {'M', "modify", OptionSpec::kNone},
      {'D', "delete", OptionSpec::kNone},
      {'E', "erase", OptionSpec::kNone},
      {'x', "xml-file", OptionSpec::kRequired},
      {'X', "xml-text", OptionSpec::kRequired},
  };
  std::ostream& out = *ctx.out;
  std::ostream& err = *ctx.err;
  constexpr char kUsage[] =
      "usage: cibadmin -Q [-o SECTION] [--xpath XPATH] | cibadmin --replace (--xml-file FILE | --xml-text XML)\n";
  ParsedArgs p;
  if (auto done = StartTool("cibadmin", args, specs, kUsage, ctx, &p)) return *done;
  for (const char* w : {"create", "modify", "delete", "erase"}) {
    if (Has(p, w)) {
      err << "cibadmin: --" << w << " is not supported by baton; use --replace with a whole CIB, or crm configure\n";
      return kExitUnimplemented;
    }
  }
  if (Has(p, "replace")) return CibadminReplace(p, ctx);
  if (!Has(p, "query")) {
    err << "cibadmin: only -Q [-o SECTION] [--xpath XPATH] is supported\n";
    return kExitUsage;
  }
  auto c = LoadCib(ctx);
  if (!c.ok()) return CibFailure("cibadmin", c.status(), err);
  pugi::xml_document doc;
  std::string xml = cib::WriteCibXml(*c);
  doc.load_buffer(xml.data(), xml.size());
  auto print = [&](pugi::xml_node n) {
    std::ostringstream text;
    n.print(text, "  ", pugi::format_indent);
    out << text.str();
  };
  if (auto xpath = Value(p, "xpath")) {
    pugi::xpath_node_set found;
    try {
      found = doc.select_nodes(xpath->c_str());
    } catch (const pugi::xpath_exception& e) {
      err << "cibadmin: invalid --xpath '" << *xpath << "': " << e.what() << "\n";
      return kExitUsage;
    }
    if (found.empty()) {
      err << "Call failed: No such device or address\n";
      return kExitNoSuch;
    }
    if (found.size() == 1) {
      print(found.first().node());
      return kExitOk;
    }
    pugi::xml_document wrap;
    auto w = wrap.append_child("xpath-query");
    for (const auto& n : found) w.append_copy(n.node());
    print(w);
    return kExitOk;
  }
  pugi::xml_node root = doc.child("cib");
  if (auto scope = Value(p, "scope")) {
    pugi::xml_node n = *scope == "status" ? root.child("status") : root.child("configuration").child(scope->c_str());
    if (!n) {
      err << "Call failed: No such device or address\n";
      return kExitNoSuch;
    }
    print(n);
    return kExitOk;
  }
  print(root);
  return kExitOk;
}

}  // namespace baton::cli::tools
