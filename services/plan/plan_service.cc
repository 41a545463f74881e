#include "services/plan/plan_service.h"

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "common/clock/iso_week.h"
#include "common/clock/timestamp.h"
#include "common/grpc/page_size.h"
#include "common/grpc/resource_name.h"
#include "common/status/client_id.h"
#include "common/status/errors.h"
#include "common/status/status_macros.h"
#include "services/plan/domain/adaptation.h"
#include "services/plan/domain/coaching_rules.h"
#include "services/plan/domain/plan_generator.h"
#include "services/plan/domain/plan_inputs.h"
#include "services/plan/domain/plan_rules_check.h"
#include "services/plan/plan_records.h"

namespace gracilis::plan {
namespace {

// "users/{me|own id}/plans/{plan_id|current}" -> plan id. Another user's
// plan answers NOT_FOUND, as if it did not exist.
absl::StatusOr<std::string> PlanIdOf(const std::string& name,
                                     const std::string& user_id,
                                     absl::string_view field) {
  if (name.empty()) {
    return std::string("current");
  }
  ASSIGN_OR_RETURN(
      std::string id,
      OwnResourceId(name, user_id, "plan", std::string(field),
                    "must be users/{user}/plans/{plan_id} (user may be "
                    "'me', plan_id 'current')"));
  // Plan ids are 16 lowercase hex digits (NewPlanId); nothing else can name
  // a stored plan.
  const bool hex =
      id.size() == 16 &&
      id.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (id != "current" && !hex) {
    return absl::NotFoundError("no such plan");
  }
  return id;
}

// A list request's page: PageSize's rule with at most 100, page_token the
// offset a previous page handed out.
struct Page {
  int offset = 0;
  int size = 0;
};
template <typename ListRequest>
absl::StatusOr<Page> PageOf(const ListRequest& request, int default_size) {
  Violations bad;
  Page page;
  const absl::StatusOr<int> size =
      PageSize(request.page_size(), default_size, 100, "page_size");
  for (FieldViolation& v : FieldViolationsOf(size.status())) {
    bad.Add(std::move(v.field), std::move(v.rule));
  }
  // (10: an int fits; the contract states it.)
  if (!request.page_token().empty() &&
      (request.page_token().size() > 10 ||
       !absl::SimpleAtoi(request.page_token(), &page.offset) ||
       page.offset < 0)) {
    bad.Add("page_token", "must be a token from a previous page");
  }
  RETURN_IF_ERROR(bad.ToStatus());
  page.size = *size;
  return page;
}

// The {plan_id} of a stored record's name.
std::string PlanIdOfRecord(const PlanRecord& record) {
  const std::string& name = record.plan().name();
  return name.substr(name.rfind('/') + 1);
}

// Finishes `call` with `record`'s plan (or its status) into `response`.
void FinishWithPlan(const UnaryCall& call, v1::Plan* response,
                    absl::StatusOr<PlanRecord> record) {
  if (record.ok()) {
    *response = std::move(*record->mutable_plan());
  }
  call.Finish(record.status());
}

}  // namespace

PlanService::PlanService(const ExerciseCatalog& catalog, PlanStore& store,
                         SessionStore& sessions, ProfileSource& profiles,
                         RunHistory& runs, const Clock& clock,
                         RpcMetrics* metrics, ServiceCredential service)
    : catalog_(catalog),
      store_(store),
      authenticator_(sessions),
      service_(std::move(service)),
      profiles_(profiles),
      runs_(runs),
      clock_(clock),
      metrics_(metrics),
      generate_metrics_(Metrics("GeneratePlan")),
      get_metrics_(Metrics("GetPlan")),
      list_revisions_metrics_(Metrics("ListPlanRevisions")),
      get_week_metrics_(Metrics("GetPlanWeek")),
      get_day_metrics_(Metrics("GetPlanDay")),
      list_exercises_metrics_(Metrics("ListExercises")),
      adapt_metrics_(Metrics("AdaptPlan")),
      change_metrics_(Metrics("RequestPlanChange")) {}

RpcMetrics::Method* PlanService::Metrics(const char* name) {
  return metrics_ == nullptr ? nullptr
                             : &metrics_->ForMethod(absl::StrCat(
                                   "gracilis.plan.v1.PlanService/", name));
}

grpc::ServerUnaryReactor* PlanService::GeneratePlan(
    grpc::CallbackServerContext* context,
    const v1::GeneratePlanRequest* request, v1::Plan* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, generate_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        profiles_.GetProfile(
            BearerToken(*call.context()), call.deadline(),
            [this, call, request, response,
             caller](absl::StatusOr<account::v1::Profile> profile) {
              if (!profile.ok()) {
                return call.Finish(profile.status());
              }
              // The running base: the runs of the 30 days before now.
              const absl::Time now = clock_.Now();
              runs_.RunSeconds(
                  caller, now - absl::Hours(24 * rules::kRecentRunWindowDays),
                  now, call.deadline(),
                  [this, call, request, response, caller, now,
                   profile = *std::move(profile)](
                      absl::StatusOr<std::vector<int>> runs) {
                    if (!runs.ok()) {
                      return call.Finish(runs.status());
                    }
                    absl::StatusOr<PlanInputs> inputs = PlanInputsFrom(
                        profile, *request,
                        absl::ToCivilDay(now, ZoneOrUtc(profile.time_zone())),
                        *runs);
                    if (!inputs.ok()) {
                      return call.Finish(inputs.status());
                    }
                    absl::StatusOr<PlanRecord> built = NewPlanRecord(
                        catalog_, *std::move(inputs), caller.user_id(), now);
                    if (!built.ok()) {
                      return call.Finish(built.status());
                    }
                    store_.Create(
                        caller, request->request_id(),
                        request->SerializeAsString(), *built, call.deadline(),
                        [call, response](absl::StatusOr<PlanRecord> stored) {
                          FinishWithPlan(call, response, std::move(stored));
                        });
                  });
            });
      });
}

grpc::ServerUnaryReactor* PlanService::GetPlan(
    grpc::CallbackServerContext* context, const v1::GetPlanRequest* request,
    v1::Plan* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, get_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        const std::string& user_id = caller.user_id();
        absl::StatusOr<std::string> plan_id =
            PlanIdOf(request->name(), user_id, "name");
        if (!plan_id.ok()) {
          return call.Finish(plan_id.status());
        }
        if (request->revision() < 0) {
          return call.Finish(
              InvalidField("revision", "must be 0 (latest) or more"));
        }
        store_.Get(caller, *plan_id, request->revision(), call.deadline(),
                   [call, response](absl::StatusOr<PlanRecord> record) {
                     FinishWithPlan(call, response, std::move(record));
                   });
      });
}

grpc::ServerUnaryReactor* PlanService::ListPlanRevisions(
    grpc::CallbackServerContext* context,
    const v1::ListPlanRevisionsRequest* request,
    v1::ListPlanRevisionsResponse* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, list_revisions_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        const std::string& user_id = caller.user_id();
        absl::StatusOr<std::string> plan_id =
            PlanIdOf(request->name(), user_id, "name");
        if (!plan_id.ok()) {
          return call.Finish(plan_id.status());
        }
        absl::StatusOr<Page> page = PageOf(*request, /*default_size=*/20);
        if (!page.ok()) {
          return call.Finish(page.status());
        }
        const int offset = page->offset, size = page->size;
        store_.ListRevisions(
            caller, *plan_id, call.deadline(),
            [call, response, offset,
             size](absl::StatusOr<std::vector<v1::PlanRevision>> revisions) {
              if (!revisions.ok()) {
                return call.Finish(revisions.status());
              }
              const int end = std::min<int>(revisions->size(), offset + size);
              for (int i = offset; i < end; ++i) {
                *response->add_revisions() = (*revisions)[i];
              }
              if (end < static_cast<int>(revisions->size())) {
                response->set_next_page_token(absl::StrCat(end));
              }
              call.Finish(absl::OkStatus());
            });
      });
}

grpc::ServerUnaryReactor* PlanService::GetPlanWeek(
    grpc::CallbackServerContext* context, const v1::GetPlanWeekRequest* request,
    v1::PlanWeek* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, get_week_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        const std::string& user_id = caller.user_id();
        absl::StatusOr<std::string> plan_id =
            PlanIdOf(request->plan(), user_id, "plan");
        if (!plan_id.ok()) {
          return call.Finish(plan_id.status());
        }
        if (request->week_number() < 1 || request->week_number() > 520) {
          return call.Finish(InvalidField(
              "week_number", "must be 1-8 (program) or 9+ (maintenance)"));
        }
        store_.Get(
            caller, *plan_id, 0, call.deadline(),
            [call, request, response](absl::StatusOr<PlanRecord> record) {
              if (!record.ok()) {
                return call.Finish(record.status());
              }
              absl::StatusOr<v1::PlanWeek> week =
                  PlanWeekOf(record->plan(), request->week_number());
              if (week.ok()) {
                *response = *std::move(week);
              }
              call.Finish(week.status());
            });
      });
}

grpc::ServerUnaryReactor* PlanService::GetPlanDay(
    grpc::CallbackServerContext* context, const v1::GetPlanDayRequest* request,
    v1::PlanDay* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, get_day_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        const std::string& user_id = caller.user_id();
        absl::StatusOr<std::string> plan_id =
            PlanIdOf(request->plan(), user_id, "plan");
        if (!plan_id.ok()) {
          return call.Finish(plan_id.status());
        }
        if (request->has_date() && !IsValidDate(request->date())) {
          return call.Finish(InvalidField(
              "date", "must be a real date with a year of 1900-9999"));
        }
        store_.Get(
            caller, *plan_id, 0, call.deadline(),
            [this, call, request, response](absl::StatusOr<PlanRecord> record) {
              if (!record.ok()) {
                return call.Finish(record.status());
              }
              const absl::CivilDay day =
                  request->has_date()
                      ? ToCivilDay(request->date())
                      : absl::ToCivilDay(
                            clock_.Now(),
                            ZoneOrUtc(record->inputs().time_zone()));
              absl::StatusOr<v1::PlanDay> out = PlanDayOf(record->plan(), day);
              if (out.ok()) {
                *response = *std::move(out);
              }
              call.Finish(out.status());
            });
      });
}

grpc::ServerUnaryReactor* PlanService::ListExercises(
    grpc::CallbackServerContext* context,
    const v1::ListExercisesRequest* request,
    v1::ListExercisesResponse* response) {
  return authenticator_.Serve(
      UnaryCall(context, list_exercises_metrics_),
      [this, request, response](UnaryCall call, std::string) {
        absl::StatusOr<Page> page = PageOf(*request, /*default_size=*/50);
        if (!page.ok()) {
          return call.Finish(page.status());
        }
        const int offset = page->offset, size = page->size;
        const int total = catalog_.exercises().size();
        const int end = std::min(total, offset + size);
        for (int i = offset; i < end; ++i) {
          *response->add_exercises() =
              catalog_.ToApi(catalog_.exercises().Get(i));
        }
        if (end < total) {
          response->set_next_page_token(absl::StrCat(end));
        }
        call.Finish(absl::OkStatus());
      });
}

grpc::ServerUnaryReactor* PlanService::AdaptPlan(
    grpc::CallbackServerContext* context, const v1::AdaptPlanRequest* request,
    v1::Plan* response) {
  UnaryCall call(context, adapt_metrics_);
  if (!service_.PresentedBy(*context)) {
    // Outcome-driven adaptation is computed from logged data by the server
    // (domain.md, "Adapting the plan"); a phone may not assert its own.
    return authenticator_.Serve(call, [](UnaryCall call, std::string) {
      call.Finish(WithReason(
          absl::PermissionDeniedError(
              "AdaptPlan is the weekly job's: plans adapt to the workouts "
              "you log, once a week"),
          "SERVICE_ONLY"));
    });
  }
  absl::StatusOr<std::string> user_id =
      UserOfResource(request->plan(), "plan", "plan");
  if (!user_id.ok()) {
    call.Finish(user_id.status());
  } else {
    Adapt(call, Caller::Service(*std::move(user_id)), request, response);
  }
  return call.reactor();
}

void PlanService::Adapt(UnaryCall call, const Caller& caller,
                        const v1::AdaptPlanRequest* request,
                        v1::Plan* response) {
  const std::string& user_id = caller.user_id();
  absl::StatusOr<std::string> plan_id =
      PlanIdOf(request->plan(), user_id, "plan");
  if (!plan_id.ok()) {
    return call.Finish(plan_id.status());
  }
  if (absl::Status bad = ValidateAdaptation(*request, catalog_); !bad.ok()) {
    return call.Finish(bad);
  }
  store_.Get(caller, *plan_id, 0, call.deadline(),
             [this, call, request, response,
              caller](absl::StatusOr<PlanRecord> current) {
               if (!current.ok()) {
                 return call.Finish(current.status());
               }
               const std::string id = PlanIdOfRecord(*current);
               auto finish = [call,
                              response](absl::StatusOr<PlanRecord> stored) {
                 FinishWithPlan(call, response, std::move(stored));
               };
               // A week adapted before answers with the revision it made: the
               // store returns it for the request that made it.
               const auto adapted =
                   current->adapted_weeks().find(request->week_number());
               if (adapted != current->adapted_weeks().end()) {
                 return store_.Revise(caller, id, adapted->second,
                                      current->revision().revision(), *current,
                                      call.deadline(), std::move(finish));
               }
               const std::vector<Adjustment> added =
                   AdjustmentsFor(*request, *current, catalog_);
               PlanRecord next = *current;
               (*next.mutable_adapted_weeks())[request->week_number()] =
                   request->request_id();
               StoreRevision(
                   call, caller, request->request_id(), *current,
                   std::move(next), added,
                   rules::Why("adapted", absl::StrCat("adapted after week ",
                                                      request->week_number())),
                   response);
             });
}

void PlanService::StoreRevision(UnaryCall call, const Caller& caller,
                                const std::string& request_id,
                                const PlanRecord& current, PlanRecord next,
                                const std::vector<Adjustment>& added,
                                v1::Rationale reason, v1::Plan* response) {
  for (const Adjustment& adjustment : added) {
    *next.add_adjustments() = adjustment;
  }
  const int revision = current.revision().revision() + 1;
  v1::PlanRevision& made = *next.mutable_revision();
  made.Clear();
  made.set_revision(revision);
  *made.mutable_create_time() = ToTimestamp(clock_.Now());
  *made.mutable_reason() = std::move(reason);
  absl::StatusOr<PlanRecord> built = BuildPlan(catalog_, std::move(next));
  if (!built.ok()) {
    return call.Finish(built.status());
  }
  for (v1::PlanChange& change :
       ChangesOf(added, current.plan(), built->plan())) {
    *built->mutable_revision()->add_changes() = std::move(change);
  }
  const std::string id = PlanIdOfRecord(current);
  store_.Revise(caller, id, request_id, revision - 1, *built, call.deadline(),
                [call, response](absl::StatusOr<PlanRecord> stored) {
                  FinishWithPlan(call, response, std::move(stored));
                });
}

grpc::ServerUnaryReactor* PlanService::RequestPlanChange(
    grpc::CallbackServerContext* context,
    const v1::RequestPlanChangeRequest* request, v1::Plan* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, change_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        const std::string& user_id = caller.user_id();
        absl::StatusOr<std::string> plan_id =
            PlanIdOf(request->plan(), user_id, "plan");
        if (!plan_id.ok()) {
          return call.Finish(plan_id.status());
        }
        if (absl::Status bad = ValidateChangeRequest(*request, catalog_);
            !bad.ok()) {
          return call.Finish(bad);
        }
        store_.Get(caller, *plan_id, 0, call.deadline(),
                   [this, call, request, response,
                    caller](absl::StatusOr<PlanRecord> current) {
                     if (!current.ok()) {
                       return call.Finish(current.status());
                     }
                     ChangeAsAsked(call, caller, request, *std::move(current),
                                   response);
                   });
      });
}

void PlanService::ChangeAsAsked(UnaryCall call, const Caller& caller,
                                const v1::RequestPlanChangeRequest* request,
                                PlanRecord current, v1::Plan* response) {
  const std::string body = request->SerializeAsString();
  // Stored under a prefix no weekly-job id can have (client ids have no
  // ':'), so a user's id cannot stand in for a week's adaptation.
  const std::string store_id = absl::StrCat("user:", request->request_id());
  const auto seen = current.change_requests().find(request->request_id());
  if (seen != current.change_requests().end()) {
    if (seen->second != body) {
      return call.Finish(
          WithReason(InvalidField("request_id",
                                  "was already used with a different request"),
                     "REQUEST_ID_REUSED"));
    }
    // A retry: the store answers with the revision the request made.
    const std::string id = PlanIdOfRecord(current);
    return store_.Revise(caller, id, store_id, current.revision().revision(),
                         current, call.deadline(),
                         [call, response](absl::StatusOr<PlanRecord> stored) {
                           FinishWithPlan(call, response, std::move(stored));
                         });
  }
  int week = request->week_number();
  if (week == 0) {
    const absl::CivilDay today =
        absl::ToCivilDay(clock_.Now(), ZoneOrUtc(current.inputs().time_zone()));
    const absl::CivilDay start = ToCivilDay(current.plan().start_date());
    week = today < start ? 1 : static_cast<int>((today - start) / 7) + 1;
  }
  absl::StatusOr<std::vector<Adjustment>> added =
      AdjustmentsForRequest(*request, week, current, catalog_);
  if (!added.ok()) {
    return call.Finish(added.status());
  }
  PlanRecord next = current;
  (*next.mutable_change_requests())[request->request_id()] = body;
  const std::string what =
      v1::RequestPlanChangeRequest::Kind_Name(request->kind());
  StoreRevision(
      call, caller, store_id, current, std::move(next), *added,
      rules::Why(
          rules::kUserRequest,
          absl::StrCat("asked for: ", absl::AsciiStrToLower(what.substr(5)),
                       request->exercise_id().empty() ? "" : " ",
                       request->exercise_id(), " from week ", week)),
      response);
}

}  // namespace gracilis::plan
