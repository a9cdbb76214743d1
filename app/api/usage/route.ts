export { getUsage as GET } from "@/lib/api/requests";

export const dynamic = "force-dynamic";
