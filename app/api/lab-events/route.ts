export { listEvents as GET } from "@/lib/api/lab";

export const dynamic = "force-dynamic";
