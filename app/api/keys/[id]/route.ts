export { updateKey as PATCH } from "@/lib/api/keys";

export const dynamic = "force-dynamic";
