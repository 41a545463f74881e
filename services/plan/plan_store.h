#pragma once

// Where plans live. A revision is never overwritten: a new one must name the
// one it follows (else ABORTED). The newest `revisions_kept` revisions of a
// plan are kept (--plan_revisions_kept); older ones are deleted as new ones
// come, and reading one answers NOT_FOUND saying so.

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/auth/caller.h"
#include "common/redis/redis_client.h"
#include "common/status/done.h"
#include "gracilis/internal/plan/v1/plan_record.pb.h"
#include "services/plan/domain/catalog.h"

namespace gracilis::plan {

using internal::plan::v1::PlanRecord;

// A quarter of weekly adaptations: what "why did my plan change" needs.
inline constexpr int kDefaultRevisionsKept = 12;

class PlanStore {
 public:
  virtual ~PlanStore() = default;
  // Stores revision 1 of a new plan and makes it the user's current plan.
  // A request_id seen before returns the record it stored instead when
  // `request_body` (the request as sent) is the same, and INVALID_ARGUMENT
  // (REQUEST_ID_REUSED) when it differs.
  virtual void Create(const Caller& caller, const std::string& request_id,
                      const std::string& request_body, const PlanRecord& record,
                      absl::Time deadline, Done<PlanRecord> done) = 0;
  // `plan_id` may be "current"; revision 0 is the latest. NOT_FOUND.
  virtual void Get(const Caller& caller, const std::string& plan_id,
                   int revision, absl::Time deadline,
                   Done<PlanRecord> done) = 0;
  // Revisions, newest first. NOT_FOUND for an unknown plan.
  virtual void ListRevisions(const Caller& caller, const std::string& plan_id,
                             absl::Time deadline,
                             Done<std::vector<v1::PlanRevision>> done) = 0;
  // Stores `record` as the revision after `expected_revision`; ABORTED if
  // another revision got there first. A request_id seen before returns the
  // record it stored.
  virtual void Revise(const Caller& caller, const std::string& plan_id,
                      const std::string& request_id, int expected_revision,
                      const PlanRecord& record, absl::Time deadline,
                      Done<PlanRecord> done) = 0;
};

// Redis layout, all in the user's slot:
//   {u:<id>}:plans   HASH  current -> plan id
//                          <plan>:latest -> n,
//                          <plan>:r<n> -> PlanRecord without its weeks
//                            (inputs, adjustments, revision, the plan's
//                            name and catalog version; it grows with
//                            the adjustments, to about 10 KB after the
//                            52 adaptations of bench/user-year),
//                          <plan>:p<n> -> the rendered Plan (22-33 KB,
//                            as issue 19 measured),
//                            kept for the latest revision only,
//                          <plan>:m<n> -> PlanRevision,
//                          req:<request id> -> "<plan> <n>"
// and the hash is listed in {u:<id>}:keys so DeleteAccount removes it. A
// superseded revision is rendered again from its record when read (with
// today's catalog and rules), so a year of weekly revisions costs records,
// not plans (issue 19).
class RedisPlanStore final : public PlanStore {
 public:
  static const FunctionLibrary& Functions();
  // Published to other services' Lua (part of gracilis_plan's contract from
  // version 3 on; the Lua that includes it needs that version): the
  // function plan_stamp(prefix), where prefix is the user's "{u:<id>}:".
  // Its value changes whenever the user's current plan or its latest
  // revision does.
  static absl::string_view StampLua();

  RedisPlanStore(RedisClient& redis, const ExerciseCatalog& catalog,
                 int revisions_kept = kDefaultRevisionsKept)
      : redis_(redis), catalog_(catalog), revisions_kept_(revisions_kept) {}
  void Create(const Caller& caller, const std::string& request_id,
              const std::string& request_body, const PlanRecord& record,
              absl::Time deadline, Done<PlanRecord> done) override;
  void Get(const Caller& caller, const std::string& plan_id, int revision,
           absl::Time deadline, Done<PlanRecord> done) override;
  void ListRevisions(const Caller& caller, const std::string& plan_id,
                     absl::Time deadline,
                     Done<std::vector<v1::PlanRevision>> done) override;
  void Revise(const Caller& caller, const std::string& plan_id,
              const std::string& request_id, int expected_revision,
              const PlanRecord& record, absl::Time deadline,
              Done<PlanRecord> done) override;

 private:
  absl::StatusOr<PlanRecord> Assemble(const RedisReply& record,
                                      const RedisReply& plan);
  absl::StatusOr<PlanRecord> Assemble(const RedisReply& parts);

  RedisClient& redis_;
  const ExerciseCatalog& catalog_;
  const int revisions_kept_;
};

}  // namespace gracilis::plan
