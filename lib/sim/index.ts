/** The vLLM simulator: in-process (`startSimulator`) or as a child process (`spawnSimulator`). */
export { startSimulator, Simulator, SimLoadError, type RunningSimulator, type SimulatorHooks } from "./server";
export { spawnSimulator, type SimulatorProcess, type SpawnSimulatorConfig } from "./spawn";
export {
  SimulatorOptions,
  SimFaults,
  SimFaultsPatch,
  parseSimulatorOptions,
  type SimulatorOptionsInput,
} from "./options";
export { SimState, type AbortRecord, type RecentRequest } from "./state";
export { pickFreePort } from "./ports";
export { METRICS_CONTENT_TYPE } from "./metrics";
