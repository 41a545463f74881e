#pragma once

// The RPCs the benchmarks load, each a Workload of valid requests from many
// signed-in users: call n is made by user n % users over channel
// n % channels, so with users a multiple of channels a user always uses the
// same connection, as a phone does.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/load.h"

namespace gracilis::bench {

using ChannelList = std::vector<std::shared_ptr<grpc::Channel>>;

// The request and response sizes of a workload's first successful call, so
// that an echo can carry the same bytes.
struct PayloadSizes {
  size_t request_bytes = 0;
  size_t response_bytes = 0;
};

class RpcWorkload : public Workload {
 public:
  virtual PayloadSizes sizes() const = 0;
  // The first successful call's request, serialized ("" before one).
  virtual std::string sample_request() const = 0;
  // Called before each run (LogSet starts a new workout for every user).
  virtual absl::Status Prepare() { return absl::OkStatus(); }
};

// The reference: bench-echo-server's Echo with these sizes.
std::unique_ptr<RpcWorkload> EchoWorkload(ChannelList channels,
                                          PayloadSizes sizes);

// AccountService.GetProfile of "users/me".
std::unique_ptr<RpcWorkload> GetProfileWorkload(
    ChannelList channels, std::vector<std::string> tokens);

// PlanService.GeneratePlan with a new request id each call (a repeated one
// would return the stored plan): each call generates and stores a plan.
std::unique_ptr<RpcWorkload> GeneratePlanWorkload(
    ChannelList channels, std::vector<std::string> tokens);

// WorkoutService.LogSet into a workout of the user's. Prepare() starts a
// new one for every user; call it before each run, and often enough that
// no user logs more than 200 sets (the cap) into one workout.
std::unique_ptr<RpcWorkload> LogSetWorkload(ChannelList channels,
                                            std::vector<std::string> tokens);

// WorkoutService.SyncWorkouts of `batch` finished workouts with new client
// ids, shaped like the synthetic users' (tools/seed).
std::unique_ptr<RpcWorkload> SyncWorkoutsWorkload(
    ChannelList channels, std::vector<std::string> tokens, int batch);

// ProgressService.GetWeeklyProgress of the current week (the home screen).
std::unique_ptr<RpcWorkload> GetWeeklyProgressWorkload(
    ChannelList channels, std::vector<std::string> tokens);

// Names accepted by NewWorkload: echo, GetProfile, GeneratePlan, LogSet,
// SyncWorkouts, GetWeeklyProgress.
const std::vector<std::string>& WorkloadNames();
// The named workload (echo with `echo_sizes`), not yet prepared.
absl::StatusOr<std::unique_ptr<RpcWorkload>> NewWorkload(
    const std::string& name, ChannelList channels,
    std::vector<std::string> tokens, PayloadSizes echo_sizes = {});

}  // namespace gracilis::bench
