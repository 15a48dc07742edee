// What the service's codes mean, in words for transport planners.

const PHASES = {
  queued: "Waiting for a free worker",
  starting: "Starting",
  loading: "Reading the problem",
  preprocessing: "Checking and sorting the trips",
  travel_matrix: "Working out travel times between trips",
  building_chains: "Building first chains of trips",
  matching_blocks: "Joining chains across the day",
  local_search: "Improving the plan",
  finalizing: "Writing the timetables",
  calculating_stats: "Calculating the figures",
  completed: "Done",
};

/** The solver's phases in the order it goes through them (a phase with no work is skipped). */
export const PHASE_ORDER = [
  "starting",
  "loading",
  "preprocessing",
  "travel_matrix",
  "building_chains",
  "matching_blocks",
  "local_search",
  "finalizing",
  "calculating_stats",
];

export function phaseWords(phase) {
  if (!phase) return "Waiting to start";
  return PHASES[phase] || phase.replaceAll("_", " ").replace(/^./, (c) => c.toUpperCase());
}

const STATES = {
  queued: "Waiting to start",
  running: "Running",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
};

export function stateWords(state) {
  return STATES[state] || state;
}

export const FINISHED = new Set(["completed", "failed", "cancelled"]);

const ERRORS = {
  OPTIMIZATION_FAILED: "The optimization failed.",
  INVALID_PROBLEM: "The timetables could not be optimized because the problem is not valid.",
  OUT_OF_MEMORY: "The optimization ran out of memory. Try fewer days or a smaller problem.",
  WORKER_LOST: "The process running the optimization stopped unexpectedly. Please run it again.",
  TIME_LIMIT_EXCEEDED: "The optimization went past the longest run this server allows.",
  INTERRUPTED: "The server restarted while the optimization was running. Please run it again.",
  JOB_CANCELLED: "The optimization was cancelled.",
  JOB_NOT_FOUND: "There is no such optimization on this server.",
  RESULT_NOT_READY: "The result is not ready yet.",
  IMPORT_FAILED: "The files could not be imported.",
  UNSUPPORTED_FILE: "That kind of file cannot be imported.",
  BODY_TOO_LARGE: "The upload is larger than this server accepts.",
  INVALID_REQUEST: "Some settings are not valid.",
  NETWORK: "The server could not be reached. Check the connection and try again.",
};

/** A sentence for an error code; the server's own message is kept as the detail. */
export function errorWords(code) {
  return ERRORS[code] || "Something went wrong.";
}
