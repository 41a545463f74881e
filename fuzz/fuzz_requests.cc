// Fuzzes request validation: every rule a workout or account request goes
// through before anything is stored. Properties: no crash or sanitizer
// report; an accepted request's normalised form is accepted again unchanged
// (validation is a normalisation), with its derived values in range.

#include <cmath>

#include "fuzz/fuzz_support.h"
#include "google/protobuf/util/message_differencer.h"
#include "gracilis/internal/fuzz/v1/cases.pb.h"
#include "services/account/domain/account_rules.h"
#include "services/workout/domain/workout_rules.h"

namespace gracilis::fuzz {
namespace {

using google::protobuf::util::MessageDifferencer;
using internal::fuzz::v1::RequestCase;

template <typename Message>
void RequireStable(const absl::StatusOr<Message>& first,
                   const absl::StatusOr<Message>& again) {
  Require(again.ok(), "an accepted request's normal form is accepted");
  Require(MessageDifferencer::Equals(*first, *again),
          "validating a normal form again changes nothing");
}

void Check(const RequestCase& c) {
  const workout::WorkoutRules rules(Catalog());
  const absl::CivilDay today = Today(0);
  const absl::Time now = NoonOf(today);
  switch (c.input_case()) {
    case RequestCase::kSet: {
      auto set = rules.Set(c.set(), "set", now);
      if (set.ok()) {
        Require(std::isfinite(set->load_kg()) && set->load_kg() >= 0 &&
                    set->load_kg() <= workout::kMaxLoadKg,
                "load_kg within 0-1000");
        RequireStable(set, rules.Set(*set, "set", now));
      }
      break;
    }
    case RequestCase::kRun: {
      auto run = rules.Run(c.run(), "run", now);
      if (run.ok()) {
        Require(std::isfinite(run->distance_m()) && run->distance_m() >= 0 &&
                    run->distance_m() <= workout::kMaxRunMetres,
                "distance_m within 0-300 km");
        RequireStable(run, rules.Run(*run, "run", now));
      }
      break;
    }
    case RequestCase::kStarted: {
      auto started = rules.Started(c.started(), "workout", now);
      if (started.ok()) {
        Require(started->name().empty() && started->version() == 0,
                "output-only fields are cleared");
      }
      break;
    }
    case RequestCase::kSynced: {
      auto synced = rules.Synced(c.synced(), "workout", now);
      if (synced.ok()) {
        Require(synced->sets_size() <= workout::kMaxSetsPerWorkout &&
                    synced->runs_size() <= workout::kMaxRunsPerWorkout,
                "a stored workout is within the caps");
        RequireStable(synced, rules.Synced(*synced, "workout", now));
      }
      break;
    }
    case RequestCase::kUpdate:
      (void)rules.Updated(c.update().current(), c.update().patch(),
                          c.update().mask(), now);
      break;
    case RequestCase::kFinish:
      (void)rules.EndTime(c.finish(), now);
      break;
    case RequestCase::kMeasurement: {
      auto measurement = rules.Measurement(c.measurement(), now);
      if (measurement.ok()) {
        RequireStable(measurement, rules.Measurement(*measurement, now));
      }
      break;
    }
    case RequestCase::kNutrition: {
      auto log = rules.Nutrition(c.nutrition(), today);
      if (log.ok()) {
        RequireStable(log, rules.Nutrition(*log, today));
      }
      break;
    }
    case RequestCase::kRegistration:
      (void)account::ValidateRegistration(c.registration().request_id(),
                                          c.registration().email(),
                                          c.registration().password());
      (void)account::NormalizeEmail(c.registration().email());
      break;
    case RequestCase::kProfile: {
      const std::vector<std::string> mask(c.profile().mask().begin(),
                                          c.profile().mask().end());
      (void)account::ApplyProfileUpdate(
          account::v1::Profile(), c.profile().update(), mask, today.year());
      break;
    }
    case RequestCase::INPUT_NOT_SET:
      break;
  }
}

}  // namespace
}  // namespace gracilis::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gracilis::internal::fuzz::v1::RequestCase c;
  if (c.ParseFromArray(data, static_cast<int>(size))) {
    gracilis::fuzz::Check(c);
  }
  return 0;
}
