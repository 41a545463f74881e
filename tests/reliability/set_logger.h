#pragma once

// A phone logging sets into live workouts as fast as it can, retrying each
// set with the same id, and the audit of what it was told was stored
// against what is: the load of the fault tests.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/testing/signed_in_call.h"
#include "gracilis/workout/v1/workout.grpc.pb.h"
#include "tests/reliability/reliability.h"

namespace gracilis::reliability {

inline constexpr absl::Duration kCallDeadline = absl::Seconds(2);
inline constexpr int kSetsPerWorkout = 150;  // under the cap of 200

inline std::string WorkoutName(const std::string& workout_id) {
  return absl::StrCat("users/me/workouts/", workout_id);
}

inline bool Retryable(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

// One phone logging sets as fast as it can into live workouts of its own,
// retrying each set with the same id until it is acknowledged, as the app
// does. Before a workout's cap it finishes it and starts the next. A reply
// that retrying cannot fix (say the workout it was writing to is gone) is
// counted as unexpected; the phone then finishes whatever workout is active
// and starts a new one.
class SetLogger {
 public:
  using Stub = workout::v1::WorkoutService::Stub;
  struct Call {
    absl::Time start;
    absl::Time end;
    absl::StatusCode code;
  };

  SetLogger(std::shared_ptr<grpc::Channel> channel, std::string token,
            int index)
      : stub_(workout::v1::WorkoutService::NewStub(std::move(channel))),
        token_(std::move(token)),
        index_(index) {}

  // Logs until `stop`. `on_ack` runs after each acknowledged set.
  void Run(const std::atomic<bool>& stop, const std::function<void()>& on_ack) {
    int in_workout = kSetsPerWorkout;
    for (int n = 0; !stop;) {
      if (in_workout == kSetsPerWorkout) {
        if (!NextWorkout(stop)) {
          return;
        }
        in_workout = 0;
      }
      workout::v1::LogSetRequest request;
      request.set_workout(WorkoutName(workouts_.back()));
      *request.mutable_set() =
          SumoSquat(absl::StrFormat("set-%d-%d", index_, n));
      const absl::Status status = UntilOk(
          [&] {
            return testing::SignedInCall(*stub_, &Stub::LogSet, request, token_,
                                         kCallDeadline)
                .status();
          },
          stop);
      if (status.ok()) {
        acknowledged_.push_back(request.set().set_id());
        ++in_workout;
        ++n;
        on_ack();
      } else if (!stop) {
        in_workout = kSetsPerWorkout;  // start afresh
      }
    }
  }

  // Every set id stored in this phone's workouts, once per time stored.
  absl::StatusOr<std::vector<std::string>> StoredSets() {
    std::vector<std::string> ids;
    for (const std::string& workout_id : workouts_) {
      workout::v1::GetWorkoutRequest request;
      request.set_name(WorkoutName(workout_id));
      absl::StatusOr<workout::v1::Workout> workout =
          testing::SignedInCall(*stub_, &Stub::GetWorkout, request, token_);
      if (absl::IsNotFound(workout.status())) {
        continue;  // lost with everysec
      }
      if (!workout.ok()) {
        return workout.status();
      }
      for (const workout::v1::StrengthSet& set : workout->sets()) {
        ids.push_back(set.set_id());
      }
    }
    return ids;
  }

  const std::vector<std::string>& acknowledged() const { return acknowledged_; }
  int64_t retries() const { return retries_; }
  const std::map<std::string, int>& unexpected() const { return unexpected_; }
  const std::vector<Call>& calls() const { return calls_; }

 private:
  // Retries `call` while it fails with UNAVAILABLE or DEADLINE_EXCEEDED and
  // not `stop`; returns its last status.
  absl::Status UntilOk(const std::function<absl::Status()>& call,
                       const std::atomic<bool>& stop) {
    while (true) {
      const absl::Time start = absl::Now();
      absl::Status status = call();
      calls_.push_back({start, absl::Now(), status.code()});
      if (status.ok() || stop) {
        return status;
      }
      if (!Retryable(status)) {
        unexpected_[status.ToString()] += 1;
        return status;
      }
      ++retries_;
      absl::SleepFor(absl::Milliseconds(10));
    }
  }

  // Finishes the active workout, if any, and starts a new one.
  bool NextWorkout(const std::atomic<bool>& stop) {
    workout::v1::Workout active;
    const absl::Status got = UntilOk(
        [&] {
          absl::StatusOr<workout::v1::Workout> workout = testing::SignedInCall(
              *stub_, &Stub::GetActiveWorkout,
              workout::v1::GetActiveWorkoutRequest(), token_, kCallDeadline);
          if (workout.ok()) {
            active = *workout;
          }
          return absl::IsNotFound(workout.status()) ? absl::OkStatus()
                                                    : workout.status();
        },
        stop);
    if (!got.ok()) {
      return false;
    }
    if (!active.name().empty()) {
      workout::v1::FinishWorkoutRequest finish;
      finish.set_workout(active.name());
      if (!UntilOk(
               [&] {
                 return testing::SignedInCall(*stub_, &Stub::FinishWorkout,
                                              finish, token_, kCallDeadline)
                     .status();
               },
               stop)
               .ok()) {
        return false;
      }
    }
    workout::v1::StartWorkoutRequest start;
    start.mutable_workout()->set_workout_id(
        absl::StrFormat("w-%d-%d", index_, workouts_.size()));
    workouts_.push_back(start.workout().workout_id());
    return UntilOk(
               [&] {
                 return testing::SignedInCall(*stub_, &Stub::StartWorkout,
                                              start, token_, kCallDeadline)
                     .status();
               },
               stop)
        .ok();
  }

  std::unique_ptr<Stub> stub_;
  std::string token_;
  int index_;
  std::vector<std::string> workouts_;
  std::vector<std::string> acknowledged_;
  std::vector<Call> calls_;
  int64_t retries_ = 0;
  std::map<std::string, int> unexpected_;
};

// Threads that stop and are joined when it goes out of scope, also when an
// assertion returns early.
class Threads {
 public:
  explicit Threads(std::atomic<bool>& stop) : stop_(stop) {}
  ~Threads() { Join(); }
  template <typename F>
  void Start(F f) {
    threads_.emplace_back(std::move(f));
  }
  void Join() {
    stop_ = true;
    for (std::thread& thread : threads_) {
      thread.join();
    }
    threads_.clear();
  }

 private:
  std::atomic<bool>& stop_;
  std::vector<std::thread> threads_;
};

// Acknowledged ids missing from `stored`, and ids stored more than once.
struct Audit {
  int64_t acknowledged = 0;
  int64_t missing = 0;
  int64_t duplicates = 0;
  int64_t stored = 0;   // ids stored, counting repeats
  int64_t retries = 0;  // calls the phones retried
};
inline Audit Compare(const std::vector<std::string>& acknowledged,
                     const std::vector<std::string>& stored) {
  std::map<std::string, int> times;
  for (const std::string& id : stored) {
    times[id] += 1;
  }
  Audit audit;
  audit.acknowledged = acknowledged.size();
  for (const std::string& id : acknowledged) {
    audit.missing += times.count(id) == 0 ? 1 : 0;
  }
  for (const auto& [id, count] : times) {
    audit.duplicates += count - 1;
  }
  return audit;
}

// What `loggers` were told was stored against what is.
inline absl::StatusOr<Audit> AuditLoggers(
    const std::vector<std::unique_ptr<SetLogger>>& loggers) {
  std::vector<std::string> acknowledged, stored;
  int64_t retries = 0;
  for (const auto& logger : loggers) {
    acknowledged.insert(acknowledged.end(), logger->acknowledged().begin(),
                        logger->acknowledged().end());
    absl::StatusOr<std::vector<std::string>> sets = logger->StoredSets();
    if (!sets.ok()) {
      return sets.status();
    }
    stored.insert(stored.end(), sets->begin(), sets->end());
    retries += logger->retries();
  }
  Audit audit = Compare(acknowledged, stored);
  audit.stored = stored.size();
  audit.retries = retries;
  return audit;
}

inline std::string Unexpected(
    const std::vector<std::unique_ptr<SetLogger>>& loggers) {
  std::map<std::string, int> all;
  for (const auto& logger : loggers) {
    for (const auto& [status, count] : logger->unexpected()) {
      all[status] += count;
    }
  }
  std::string text;
  for (const auto& [status, count] : all) {
    absl::StrAppend(&text, text.empty() ? "" : "; ", count, " x ", status);
  }
  return text.empty() ? "none" : text;
}

}  // namespace gracilis::reliability
