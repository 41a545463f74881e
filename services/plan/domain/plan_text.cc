#include "services/plan/domain/plan_text.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace gracilis::plan {
namespace {

std::string DateText(const type::v1::Date& date) {
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(),
                         date.day());
}

std::string EnumText(const std::string& name, absl::string_view prefix) {
  std::string text = name.substr(std::min(name.size(), prefix.size()));
  return absl::AsciiStrToLower(absl::StrReplaceAll(text, {{"_", " "}}));
}

std::string Dose(const v1::PrescribedExercise& e) {
  std::string dose =
      e.hold_seconds() > 0
          ? absl::StrFormat("%d x %d s", e.sets(), e.hold_seconds())
          : absl::StrFormat("%d x %d", e.sets(), e.reps());
  if (e.per_side()) {
    absl::StrAppend(&dose, " per side");
  }
  if (e.has_load()) {
    absl::StrAppend(
        &dose, absl::StrFormat(
                   " @ %g %s", e.load().value(),
                   e.load().unit() == type::v1::MASS_UNIT_POUND ? "lb" : "kg"));
  }
  if (e.tempo().eccentric_seconds() > 0) {
    absl::StrAppend(&dose, absl::StrFormat(", lower in %d s",
                                           e.tempo().eccentric_seconds()));
  }
  return dose;
}

std::string SessionText(const v1::PlannedSession& session) {
  std::string text = absl::StrFormat(
      "  %s  %-14s %s, about %d min\n", DateText(session.date()), session.id(),
      EnumText(v1::PlannedSession::Kind_Name(session.kind()), "KIND_"),
      session.estimated_minutes());
  int n = 0;
  for (const auto& e : session.exercises()) {
    std::string name = absl::StrCat(e.heavy() ? "*" : "", e.exercise_id(), " (",
                                    e.variant(), ")");
    if (!e.substitutes_for().empty()) {
      absl::StrAppend(&name, " for ", e.substitutes_for());
    }
    absl::StrAppend(
        &text,
        absl::StrFormat("    %d. %-46s %-32s rest %3d s  %s\n", ++n, name,
                        Dose(e), e.rest_seconds(), e.progression()));
  }
  if (session.has_run()) {
    const auto& run = session.run();
    std::string what = absl::StrFormat(
        "%s, %d min, effort %d/10",
        EnumText(type::v1::RunType_Name(run.type()), "RUN_TYPE_"),
        run.minutes(), run.effort());
    if (run.run_walk()) {
      what = absl::StrFormat(
          "run-walk, %d min, effort %d/10: %d min brisk walk, %d x %d s run / "
          "%d s walk",
          run.minutes(), run.effort(), run.warmup_minutes(), run.repetitions(),
          run.work_seconds(), run.recovery_seconds());
    } else if (run.repetitions() > 0) {
      absl::StrAppend(
          &what, absl::StrFormat(": %d min warm-up, %d x %d s hard / %d s easy",
                                 run.warmup_minutes(), run.repetitions(),
                                 run.work_seconds(), run.recovery_seconds()));
    }
    if (run.low_impact()) {
      absl::StrAppend(&what, ", low-impact: ", run.modality());
    }
    absl::StrAppend(&text, "    run: ", what, "\n");
  }
  return text;
}

}  // namespace

std::string FormatPlanSummary(const v1::Plan& plan) {
  const auto& n = plan.nutrition();
  std::string text = absl::StrFormat(
      "Plan %s (revision %d, catalog %s)\n"
      "  starts %s, %d days a week, %d min sessions, running level %s\n"
      "  daily targets: %d kcal (maintenance %d, %s), protein %d-%d g, "
      "water %d ml\n",
      plan.name().empty() ? "-" : plan.name(), plan.revision(),
      plan.catalog_version(), DateText(plan.start_date()), plan.days_per_week(),
      plan.session_minutes(),
      EnumText(v1::RunningLevel_Name(plan.running_level()), "RUNNING_LEVEL_"),
      n.target_kcal(), n.maintenance_kcal(), n.maintenance_method(),
      n.protein_grams_min(), n.protein_grams_max(), n.water_ml());
  if (plan.has_running_base()) {
    const v1::RunningBase& base = plan.running_base();
    absl::StrAppend(
        &text,
        absl::StrFormat(
            "  running from: %s%s, typically %d min, longest %d min, %s\n",
            EnumText(v1::RunningBase::Source_Name(base.source()), "SOURCE_"),
            base.runs() > 0
                ? absl::StrFormat(" (%d in 30 days, %d min a week)",
                                  base.runs(), base.weekly_minutes())
                : "",
            base.typical_minutes(), base.longest_minutes(),
            base.has_base() ? "a base for hard sessions"
                            : "no base for hard sessions yet"));
  }
  for (const auto& why : plan.why()) {
    absl::StrAppend(&text, "  why (", why.rule(), "): ", why.text(), "\n");
  }
  for (const auto& why : n.why()) {
    absl::StrAppend(&text, "  why (", why.rule(), "): ", why.text(), "\n");
  }
  return text;
}

std::string FormatPlanWeek(const v1::PlanWeek& week) {
  std::string text = absl::StrFormat(
      "Week %d (%s) from %s: %d adductor sessions, %d running minutes\n",
      week.week_number(), EnumText(v1::Phase_Name(week.phase()), "PHASE_"),
      DateText(week.start_date()), week.adductor_sessions(),
      week.running_minutes());
  for (const auto& session : week.sessions()) {
    absl::StrAppend(&text, SessionText(session));
  }
  for (const auto& why : week.why()) {
    absl::StrAppend(&text, "  why (", why.rule(), "): ", why.text(), "\n");
  }
  return text;
}

std::string FormatPlanDay(const v1::PlanDay& day) {
  std::string text = absl::StrFormat(
      "%s, %s, week %d: %s\n", DateText(day.date()),
      EnumText(type::v1::DayOfWeek_Name(day.day_of_week()), ""),
      day.week_number(), day.rest_day() ? "rest day" : "training");
  for (const auto& session : day.sessions()) {
    absl::StrAppend(&text, SessionText(session));
    for (const auto& e : session.exercises()) {
      absl::StrAppend(&text, "    why ", e.exercise_id(), ": ", e.why().text(),
                      "\n");
    }
    if (session.has_run()) {
      absl::StrAppend(&text, "    why run: ", session.run().why().text(), "\n");
    }
  }
  return text;
}

std::string FormatPlan(const v1::Plan& plan) {
  std::string text = FormatPlanSummary(plan);
  for (const auto& week : plan.weeks()) {
    absl::StrAppend(&text, "\n", FormatPlanWeek(week));
  }
  absl::StrAppend(&text, "\nThen, every week:\n",
                  FormatPlanWeek(plan.maintenance()));
  return text;
}

}  // namespace gracilis::plan
