// Evaluation of CIB rules (location rules, rule-guarded nvsets) and of
// nvset lists with Pacemaker's precedence (higher set score first; the first
// set that defines a name wins).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lib/cib/cib.h"

namespace baton::scheduler {

struct RuleContext {
  const std::map<std::string, std::string>* node_attrs = nullptr;
  long long now = 0;  // seconds since the epoch
  // Resource and operation, for rsc_expression/op_expression in defaults.
  std::string rsc_class, rsc_provider, rsc_type;
  std::string op_name;
  long long op_interval_ms = -1;
  std::string role;  // the role being evaluated for (location rules with role)
};

bool EvaluateRule(const cib::Rule& rule, const RuleContext& ctx);

// True if every rule of the set holds (a set without rules always applies).
bool NvSetApplies(const cib::NvSet& set, const RuleContext& ctx);

// Applies sets in precedence order into `out`; names already in `out` are
// kept unless `overwrite`. The set whose id is `first_set_id` (ignoring
// case) comes before every other, whatever its score, as Pacemaker reads
// crm_config with "cib-bootstrap-options" first.
void UnpackNvSets(const std::vector<cib::NvSet>& sets, const RuleContext& ctx,
                  std::map<std::string, std::string>* out, bool overwrite = false,
                  std::string_view first_set_id = {});

// ParseIsoDateTime (scheduler.h) reads the dates of date expressions.

}  // namespace baton::scheduler
