import { BrandedError } from "@/lib/errors/branded-error";
/** A lab operation refused because another is running: 409, naming the running one. */
export class OperationConflictError extends BrandedError {
  static override readonly brand = "switchyard.OperationConflictError";
  constructor(readonly running: { id: string; kind: string; target: string }) {
    super(`another lab operation is running: ${running.kind} ${running.target} (${running.id})`);
    this.name = "OperationConflictError";
  }
}

/** An unknown mode or backend: 404. */
export class LabNotFoundError extends BrandedError {
  static override readonly brand = "switchyard.LabNotFoundError";
  constructor(message: string) {
    super(message);
    this.name = "LabNotFoundError";
  }
}

/** A request the lab cannot carry out with this config (e.g. restarting an external backend): 400. */
export class LabInvalidRequestError extends BrandedError {
  static override readonly brand = "switchyard.LabInvalidRequestError";
  constructor(message: string) {
    super(message);
    this.name = "LabInvalidRequestError";
  }
}

/** A step of an operation that failed; the message says why in words an operator can act on. */
export class StepFailedError extends BrandedError {
  static override readonly brand = "switchyard.StepFailedError";
  constructor(message: string) {
    super(message);
    this.name = "StepFailedError";
  }
}
