-- What started an automatic mode switch: the request of an on-demand switch, the idle time of an idle return
-- (requestedBy "on_demand" / "idle_return"). Null for switches an operator asked for.
ALTER TABLE "ModeSwitch" ADD COLUMN "trigger" TEXT;
