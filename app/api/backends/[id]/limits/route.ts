export { putBackendLimits as PUT } from "@/lib/api/routing";

export const dynamic = "force-dynamic";
