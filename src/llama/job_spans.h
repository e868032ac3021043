#pragma once
// The embedded engine's steps of one job as spans of the job's trace (core/span.h): its wait for a
// sequence, the prompt's prefill, the reasoning (analysis channel) and the answer (final channel).

#include <chrono>
#include <cstdint>

#include "core/span.h"
#include "core/verdict.h"

namespace arbiter::engine {

// When each step began, as unix_nanos(); 0: the job never reached it (a score job has no
// reasoning or answer, a job stopped early none of what follows).
struct JobTimes {
    int64_t submitted = 0;
    int64_t admitted = 0;   // given a sequence: its prefill starts
    int64_t prefilled = 0;  // the prompt's last token decoded
    int64_t answering = 0;  // the final channel began
};

// The times of a job given its sequence now, submitted at `submitted`.
JobTimes admitted_now(std::chrono::steady_clock::time_point submitted);

// Reports the steps of a job that ended `now` under `tracing` (nothing without a trace or sink).
void report_job_spans(const Tracing& tracing, const JobTimes& times, const Verdict& verdict, int64_t now);

}  // namespace arbiter::engine
