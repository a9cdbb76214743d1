export { setWatchdog as PUT } from "@/lib/api/lab";

export const dynamic = "force-dynamic";
