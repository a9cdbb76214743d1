/** A lab operation refused because another is running: 409, naming the running one. */
export class OperationConflictError extends Error {
  constructor(readonly running: { id: string; kind: string; target: string }) {
    super(`another lab operation is running: ${running.kind} ${running.target} (${running.id})`);
    this.name = "OperationConflictError";
  }
}

/** An unknown mode or backend: 404. */
export class LabNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LabNotFoundError";
  }
}

/** A request the lab cannot carry out with this config (e.g. restarting an external backend): 400. */
export class LabInvalidRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LabInvalidRequestError";
  }
}

/** A step of an operation that failed; the message says why in words an operator can act on. */
export class StepFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StepFailedError";
  }
}
