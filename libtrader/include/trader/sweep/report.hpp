#pragma once
// The HTML report of a sweep: one self-contained file (no network; a few lines of inline script
// sort the table) with the ranked table of every combination, sortable by any column, a heat map
// of the objective over two swept parameters, and, for a walk-forward, the windows with their
// in- and out-of-sample figures and the stitched out-of-sample equity.

#include <iosfwd>
#include <string>

#include <trader/sweep/sweep.hpp>
#include <trader/sweep/walk_forward.hpp>

namespace trader::sweep {

struct HeatMapAxes {
  std::string x;  // swept parameters; empty: the first two axes
  std::string y;
};

// Writes the report of a sweep; throws Error when the stream fails, SweepError when a heat-map
// axis is not one of the swept parameters.
void write_sweep_report(const SweepResult& result, const HeatMapAxes& heat_map, std::ostream& out);

// Writes the report of a walk-forward.
void write_walk_forward_report(const WalkForwardResult& result, std::ostream& out);

}  // namespace trader::sweep
