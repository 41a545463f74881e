#include "coaching/progress_rules.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace gracilis::coaching {
namespace {

constexpr double kLbPerKg = 1 / 0.45359237;

std::string Plural(int n, const char* one, const char* many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

// ", 20 s" / ", 8 reps at 10 kg": what the harder variant was done with.
std::string AmountOf(const LiftPerformance& p, bool pounds) {
  std::string out;
  if (p.hold_seconds > 0) {
    absl::StrAppend(&out, ", ", p.hold_seconds, " s");
  }
  if (p.reps > 0) {
    absl::StrAppend(&out, ", ", Plural(p.reps, "rep", "reps"));
  }
  if (p.load_kg > 0) {
    absl::StrAppend(&out, " at ", LoadText(p.load_kg, pounds));
  }
  return out;
}

}  // namespace

std::string LoadText(double kg, bool pounds) {
  const double value = pounds ? kg * kLbPerKg : kg;
  // Loads are typed in 0.5 lb or 0.25 kg steps at the finest.
  return absl::StrCat(absl::StrFormat("%g", std::round(value * 10) / 10),
                      pounds ? " lb" : " kg");
}

double EpleyOneRepMaxKg(int reps, double load_kg) {
  if (reps < 1 || reps > kMaxRepsForOneRepMax || load_kg <= 0) {
    return 0;
  }
  return reps == 1 ? load_kg : load_kg * (1 + reps / 30.0);
}

std::optional<LiftPerformance> PerformanceOf(
    const std::vector<SetRecord>& sets) {
  if (sets.empty()) {
    return std::nullopt;
  }
  LiftPerformance p;
  p.variant_rank = -1;
  for (const SetRecord& set : sets) {
    if (set.variant_rank > p.variant_rank) {
      p.variant_rank = set.variant_rank;
      p.variant = set.variant;
    }
  }
  std::map<int, int> sets_per_session;
  for (const SetRecord& set : sets) {
    if (set.variant_rank != p.variant_rank) {
      continue;
    }
    p.load_kg = std::max(p.load_kg, set.load_kg);
    p.hold_seconds = std::max(p.hold_seconds, set.hold_seconds);
    p.tempo_seconds = std::max(p.tempo_seconds, set.tempo_seconds);
    p.sets = std::max(p.sets, ++sets_per_session[set.session]);
  }
  for (const SetRecord& set : sets) {
    if (set.variant_rank == p.variant_rank &&
        std::abs(set.load_kg - p.load_kg) <= kSameLoadKg) {
      p.reps = std::max(p.reps, set.reps);
    }
  }
  return p;
}

Comparison Compare(const LiftPerformance& before, const LiftPerformance& after,
                   bool pounds) {
  Comparison c;
  if (after.variant_rank != before.variant_rank) {
    if (after.variant_rank > before.variant_rank) {
      c.improved = Dimension::kVariant;
      c.text = absl::StrCat("harder variant: ", after.variant,
                            AmountOf(after, pounds));
    } else {
      c.regressed = true;
    }
    return c;
  }
  const double load_change = after.load_kg - before.load_kg;
  const bool same_load = std::abs(load_change) <= kSameLoadKg;
  const double epley_before = EpleyOneRepMaxKg(before.reps, before.load_kg);
  const double epley_after = EpleyOneRepMaxKg(after.reps, after.load_kg);
  if (load_change > kSameLoadKg) {
    c.improved = Dimension::kLoad;
    c.text = absl::StrCat("+", LoadText(load_change, pounds), " (",
                          LoadText(after.load_kg, pounds), ")");
  } else if (!same_load && epley_before > 0 &&
             epley_after > epley_before + kSameLoadKg) {
    c.improved = Dimension::kLoad;
    c.text = absl::StrCat("estimated 1RM +",
                          LoadText(epley_after - epley_before, pounds));
  } else if (same_load && after.reps > before.reps) {
    c.improved = Dimension::kReps;
    c.text = absl::StrCat(
        "+", Plural(after.reps - before.reps, "rep", "reps"), " at ",
        after.load_kg > 0 ? LoadText(after.load_kg, pounds) : "bodyweight",
        " (", after.reps, ")");
  } else if (same_load && after.hold_seconds > before.hold_seconds) {
    c.improved = Dimension::kHold;
    c.text = absl::StrCat("+", after.hold_seconds - before.hold_seconds,
                          " s hold (", after.hold_seconds, " s)");
  } else if (same_load && after.tempo_seconds > before.tempo_seconds) {
    c.improved = Dimension::kTempo;
    c.text = absl::StrCat("slower lowering: ", after.tempo_seconds, " s");
  } else if (same_load && after.sets > before.sets) {
    c.improved = Dimension::kSets;
    c.text = absl::StrCat("+", Plural(after.sets - before.sets, "set", "sets"),
                          " (", after.sets, ")");
  } else {
    c.regressed = load_change < -kSameLoadKg || after.reps < before.reps ||
                  after.hold_seconds < before.hold_seconds ||
                  after.sets < before.sets;
  }
  return c;
}

int WeeksWithoutProgress(int previous_weeks, bool first_week, bool improved) {
  if (first_week || improved || DeloadDue(previous_weeks)) {
    return 0;
  }
  return previous_weeks + 1;
}

MicroStep StallStep(const LiftPerformance& performance,
                    int weeks_without_progress, bool pounds) {
  if (!Stalled(weeks_without_progress)) {
    return {};
  }
  if (DeloadDue(weeks_without_progress)) {
    return {Dimension::kDeload,
            absl::StrFormat("deload: take about %d%% off for one week, then "
                            "build back up",
                            static_cast<int>(kDeloadFraction * 100))};
  }
  if (performance.hold_seconds > 0 && performance.reps == 0) {
    return {Dimension::kHold,
            absl::StrCat("hold ", kHoldStepSeconds, " s longer")};
  }
  if (weeks_without_progress == kStallWeeks) {
    if (performance.load_kg > 0) {
      return {Dimension::kLoad,
              absl::StrCat("add ", LoadText(pounds ? kLoadStepLb / kLbPerKg
                                                   : kLoadStepKg,
                                            pounds))};
    }
    return {Dimension::kReps, "add one rep per set"};
  }
  const int tempo = std::max(kSlowTempoSeconds, performance.tempo_seconds + 1);
  return {Dimension::kTempo,
          absl::StrCat("keep the load and slow the lowering to ", tempo,
                       " seconds")};
}

std::optional<double> WeightTrendAt(const std::vector<WeighIn>& weigh_ins,
                                    absl::Time at) {
  const absl::Time from = at - absl::Hours(24 * kTrendWindowDays);
  std::vector<WeighIn> window;
  for (const WeighIn& w : weigh_ins) {
    if (w.time >= from && w.time < at && w.kg > 0) {
      window.push_back(w);
    }
  }
  if (window.empty()) {
    return std::nullopt;
  }
  std::stable_sort(
      window.begin(), window.end(),
      [](const WeighIn& a, const WeighIn& b) { return a.time < b.time; });
  double trend = window.front().kg;
  for (const WeighIn& w : window) {
    trend += kTrendSmoothing * (w.kg - trend);
  }
  return trend;
}

int EstimateMaintenanceKcal(double average_intake_kcal,
                            double trend_change_kg_per_day) {
  return static_cast<int>(
      std::lround(average_intake_kcal - trend_change_kg_per_day * kKcalPerKg));
}

int NextTargetKcal(int current_target_kcal, int maintenance_kcal,
                   bool maintenance_phase) {
  const int aim =
      maintenance_phase ? maintenance_kcal : maintenance_kcal - kDeficitKcalAim;
  if (current_target_kcal <= 0) {
    return aim;
  }
  return std::clamp(aim, current_target_kcal - kMaxTargetStepKcal,
                    current_target_kcal + kMaxTargetStepKcal);
}

}  // namespace gracilis::coaching
