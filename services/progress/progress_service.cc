#include "services/progress/progress_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/clock/iso_week.h"
#include "common/status/errors.h"
#include "services/progress/domain/trends.h"

namespace gracilis::progress {
namespace {

using type::v1::IsoWeek;

constexpr char kWeekRule[] =
    "must be an ISO week: year 1900-9999, week 1-52 (53 in long years)";

absl::Status NotAfterCurrent(const IsoWeek& week, const UserContext& context,
                             const char* field) {
  if (context.current_week < week) {
    return InvalidField(field,
                        absl::StrCat("must not be after the current week (",
                                     IsoWeekText(context.current_week), ")"));
  }
  return absl::OkStatus();
}

}  // namespace

ProgressService::ProgressService(ProgressReader& reader, SessionStore& sessions,
                                 const Clock& clock, RpcMetrics* metrics)
    : reader_(reader),
      authenticator_(sessions),
      clock_(clock),
      metrics_(metrics),
      get_weekly_metrics_(Metrics("GetWeeklyProgress")),
      list_weekly_metrics_(Metrics("ListWeeklyProgress")),
      get_trend_metrics_(Metrics("GetTrend")),
      summary_metrics_(Metrics("GetProgressSummary")) {}

RpcMetrics::Method* ProgressService::Metrics(const char* name) {
  return metrics_ == nullptr
             ? nullptr
             : &metrics_->ForMethod(
                   absl::StrCat("gracilis.progress.v1.ProgressService/", name));
}

template <typename Then>
grpc::ServerUnaryReactor* ProgressService::WithContext(UnaryCall call,
                                                       absl::Status valid,
                                                       Then then) {
  // Authentication first: ServeCaller answers `valid`'s failure only once
  // the session is known live.
  return authenticator_.ServeCaller(
      call, [this, valid = std::move(valid), then = std::move(then)](
                UnaryCall call, Caller caller) mutable {
        if (!valid.ok()) {
          return call.Finish(valid);
        }
        reader_.Context(caller, clock_.Now(), call.deadline(),
                        [call, caller, then = std::move(then)](
                            absl::StatusOr<UserContext> context) mutable {
                          if (!context.ok()) {
                            return call.Finish(context.status());
                          }
                          then(call, caller, *std::move(context));
                        });
      });
}

grpc::ServerUnaryReactor* ProgressService::GetWeeklyProgress(
    grpc::CallbackServerContext* context,
    const v1::GetWeeklyProgressRequest* request, v1::WeeklyProgress* response) {
  UnaryCall call(context, get_weekly_metrics_);
  absl::Status valid = request->has_week() && !IsValidIsoWeek(request->week())
                           ? InvalidField("week", kWeekRule)
                           : absl::OkStatus();
  return authenticator_.ServeCaller(call, [this, request, response,
                                           valid = std::move(valid)](
                                              UnaryCall call, Caller caller) {
    if (!valid.ok()) {
      return call.Finish(valid);
    }
    const absl::Time now = clock_.Now();
    reader_.ReadView(
        caller, call.deadline(),
        [this, call, caller, request, response,
         now](absl::StatusOr<ViewRead> view) mutable {
          if (!view.ok()) {
            return call.Finish(view.status());
          }
          if (view->fresh.has_value()) {
            const IsoWeek current = WeekAt(now, ZoneOrUtc(view->fresh->zone));
            const IsoWeek asked =
                request->has_week() ? request->week() : current;
            for (v1::WeeklyProgress& week : view->fresh->weeks) {
              if (SameWeek(week.week(), asked) && !(current < asked)) {
                *response = std::move(week);
                return call.Finish(absl::OkStatus());
              }
            }
          }
          ComputeWeek(call, caller, request, response, now,
                      std::move(view->stamp));
        });
  });
}

void ProgressService::ComputeWeek(UnaryCall call, const Caller& caller,
                                  const v1::GetWeeklyProgressRequest* request,
                                  v1::WeeklyProgress* response, absl::Time now,
                                  std::string stamp) {
  reader_.Context(
      caller, now, call.deadline(),
      [this, call, caller, request, response, now,
       stamp = std::move(stamp)](absl::StatusOr<UserContext> user) mutable {
        if (!user.ok()) {
          return call.Finish(user.status());
        }
        const IsoWeek week =
            request->has_week() ? request->week() : user->current_week;
        if (absl::Status status = NotAfterCurrent(week, *user, "week");
            !status.ok()) {
          return call.Finish(status);
        }
        // The view keeps the current week and the kViewWeeks - 1 before.
        const IsoWeek oldest = AddWeeks(user->current_week, 1 - kViewWeeks);
        const bool recent = !(week < oldest);
        reader_.Weeks(
            caller, *user, week, week, now, call.deadline(),
            [this, call, caller, response, recent, oldest,
             zone = user->zone.name(), stamp = std::move(stamp)](
                absl::StatusOr<std::vector<v1::WeeklyProgress>> weeks) {
              if (!weeks.ok()) {
                return call.Finish(weeks.status());
              }
              *response = weeks->front();
              if (!recent) {
                return call.Finish(absl::OkStatus());
              }
              // Answered once stored, so the caller's next read finds it;
              // a view that could not be stored is computed next time.
              reader_.SaveView(
                  caller, stamp, zone, weeks->front(), oldest, call.deadline(),
                  [call](absl::Status) { call.Finish(absl::OkStatus()); });
            });
      });
}

grpc::ServerUnaryReactor* ProgressService::ListWeeklyProgress(
    grpc::CallbackServerContext* context,
    const v1::ListWeeklyProgressRequest* request,
    v1::ListWeeklyProgressResponse* response) {
  UnaryCall call(context, list_weekly_metrics_);
  Violations bad;
  if (!IsValidIsoWeek(request->first_week())) {
    bad.Add("first_week", kWeekRule);
  }
  if (!IsValidIsoWeek(request->last_week())) {
    bad.Add("last_week", kWeekRule);
  } else if (bad.empty()) {
    const int span = WeeksBetween(request->first_week(), request->last_week());
    if (span < 0) {
      bad.Add("last_week", "must not be before first_week");
    } else if (span >= kMaxListedWeeks) {
      bad.Add("last_week", absl::StrCat("must be within ", kMaxListedWeeks,
                                        " weeks of first_week"));
    }
  }
  return WithContext(
      call, bad.ToStatus(),
      [this, request, response](UnaryCall call, const Caller& caller,
                                UserContext user) {
        if (absl::Status status =
                NotAfterCurrent(request->last_week(), user, "last_week");
            !status.ok()) {
          return call.Finish(status);
        }
        reader_.Weeks(
            caller, user, request->first_week(), request->last_week(),
            clock_.Now(), call.deadline(),
            [call,
             response](absl::StatusOr<std::vector<v1::WeeklyProgress>> weeks) {
              if (weeks.ok()) {
                for (v1::WeeklyProgress& week : *weeks) {
                  *response->add_weeks() = std::move(week);
                }
              }
              call.Finish(weeks.status());
            });
      });
}

grpc::ServerUnaryReactor* ProgressService::GetTrend(
    grpc::CallbackServerContext* context, const v1::GetTrendRequest* request,
    v1::Trend* response) {
  UnaryCall call(context, get_trend_metrics_);
  Violations bad;
  switch (request->subject_case()) {
    case v1::GetTrendRequest::kExerciseId:
      if (reader_.catalog().Find(request->exercise_id()) == nullptr) {
        bad.Add("exercise_id", "must be a catalog exercise id");
      }
      break;
    case v1::GetTrendRequest::kMetric:
      if (!v1::Metric_IsValid(request->metric()) ||
          request->metric() == v1::METRIC_UNSPECIFIED) {
        bad.Add("metric", "must be one of the Metric values");
      }
      break;
    default:
      bad.Add("subject", "set exercise_id or metric");
  }
  if (request->weeks() < 0 || request->weeks() > kMaxTrendWeeks) {
    bad.Add("weeks", absl::StrCat("must be 0-", kMaxTrendWeeks, " (0 means ",
                                  kDefaultTrendWeeks, ")"));
  }
  return WithContext(
      call, bad.ToStatus(),
      [this, request, response](UnaryCall call, const Caller& caller,
                                UserContext user) {
        const int count =
            request->weeks() == 0 ? kDefaultTrendWeeks : request->weeks();
        reader_.Weeks(
            caller, user, AddWeeks(user.current_week, 1 - count),
            user.current_week, clock_.Now(), call.deadline(),
            [call, request,
             response](absl::StatusOr<std::vector<v1::WeeklyProgress>> weeks) {
              if (weeks.ok()) {
                *response = request->has_metric()
                                ? MetricTrend(*weeks, request->metric())
                                : ExerciseTrend(*weeks, request->exercise_id());
              }
              call.Finish(weeks.status());
            });
      });
}

grpc::ServerUnaryReactor* ProgressService::GetProgressSummary(
    grpc::CallbackServerContext* context, const v1::GetProgressSummaryRequest*,
    v1::ProgressSummary* response) {
  return WithContext(
      UnaryCall(context, summary_metrics_), absl::OkStatus(),
      [this, response](UnaryCall call, const Caller& caller, UserContext user) {
        // All of the history for the totals; the streak is computed from
        // it too (the adductor goal depends on nothing else).
        reader_.LoadHistory(
            caller, user, absl::InfinitePast(), absl::InfiniteFuture(),
            call.deadline(),
            [this, call, user, response](absl::StatusOr<History> history) {
              if (!history.ok()) {
                return call.Finish(history.status());
              }
              const std::vector<v1::WeeklyProgress> weeks =
                  MeasureWeeks(AddWeeks(user.current_week, -kMaxStreakWeeks),
                               AddWeeks(user.current_week, -1), *history,
                               nullptr, reader_.catalog());
              *response = Summarize(weeks, *history, user.zone);
              call.Finish(absl::OkStatus());
            });
      });
}

}  // namespace gracilis::progress
