"use client";

import { useActivateModeMutation } from "@/components/hooks/mutations/use-activate-mode-mutation";
import type { LabStatus } from "@/components/hooks/api-types";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { planModeSwitch } from "./mode-plan";

/** Confirms a mode switch, saying what will stop and start; a refusal (409 while another operation runs) shows here. */
export function ActivateModeDialog({
  target,
  status,
  onClose,
  onStarted,
}: {
  target: string | null;
  status: LabStatus;
  onClose: () => void;
  onStarted: (operationId: string) => void;
}) {
  const activate = useActivateModeMutation();
  const plan = target ? planModeSwitch(status, target) : null;
  const close = () => {
    activate.reset();
    onClose();
  };
  return (
    <ConfirmDialog
      open={target !== null}
      title={`Activate ${target ?? ""} mode?`}
      confirmLabel={`Activate ${target ?? ""}`}
      busy={activate.isPending}
      error={activate.error?.message}
      onCancel={close}
      onConfirm={() => {
        if (!target) return;
        activate.mutate(target, {
          onSuccess: (result) => {
            if (result.status === "started") onStarted(result.operationId);
            close();
          },
        });
      }}
    >
      {plan ? (
        <>
          <p>
            From <strong>{status.mode}</strong> to <strong>{target}</strong>.
          </p>
          <ul>
            {plan.leaving.length > 0 ? <li>Stop taking requests, drain and stop: {plan.leaving.join(", ")}.</li> : null}
            {plan.sleeping.length > 0 ? <li>Stop taking requests, drain and put to sleep (weights kept in host RAM): {plan.sleeping.join(", ")}.</li> : null}
            {plan.entering.length > 0 ? (
              <li>
                Start {plan.entering.join(", ")} on GPU {plan.gpus.join(", ")} and wait until ready.
              </li>
            ) : null}
            {plan.staying.length > 0 ? <li>Keep serving: {plan.staying.join(", ")}.</li> : null}
          </ul>
          {plan.duration ? <p data-testid="switch-duration-estimate">The switch takes {plan.duration}.</p> : null}
          <p className="muted">Requests for models that are offline meanwhile wait for the switch or get a 503 with Retry-After. A failed switch rolls back.</p>
        </>
      ) : null}
    </ConfirmDialog>
  );
}
